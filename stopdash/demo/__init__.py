"""The built-in demo: a deterministic fictional portfolio, loaded through the real ingest path."""
