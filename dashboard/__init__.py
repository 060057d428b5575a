"""The Streamlit dashboard: a thin layer over the engine's query and chart functions."""
