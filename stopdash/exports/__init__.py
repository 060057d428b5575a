"""The federal-reporting summary: its tables, notes and writers (Excel, CSV, HTML brief)."""
