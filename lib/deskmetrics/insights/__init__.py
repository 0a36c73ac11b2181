"""What the weekly reports say beyond the tab panels: period summaries, sentiment, automation,
alerts, recurring issues, recommendations, team and client breakdowns, and the narrative.

Each insight is a function of (connection, settings, scope) returning plain data; its written
definition is registered in ``definitions`` so the generated KPI page documents it.
"""
