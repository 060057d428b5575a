"""The engine: reading, validating and loading workbooks into DuckDB (never imports Streamlit)."""
