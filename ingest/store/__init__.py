"""The database: connection and lock, schema and views, the writer, the audit trail, backup and restore."""
