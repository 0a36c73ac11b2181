"""Warehouse access: the URL, short-lived connections, idempotent loads and per-ticket facts."""
