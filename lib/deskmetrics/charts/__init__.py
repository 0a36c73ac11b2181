"""Plotly figures from tidy frames; no data access and no metric math."""
