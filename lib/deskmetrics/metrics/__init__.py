"""The metric registry and the engine that pushes each KPI down to SQL."""
