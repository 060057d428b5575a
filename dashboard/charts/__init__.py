"""DataFrame in, plotly Figure out: every chart and map of the dashboard (no streamlit here)."""
