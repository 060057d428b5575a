"""The read side: every query the dashboard and the exports run against the public views."""
