"""The stakeholder app: one Voilà server with preheated kernels behind staff logins and
per-client signed links. Orchestration only: nothing in the library imports it."""

from deskmetrics.serving.launch import serve, serve_command

__all__ = ["serve", "serve_command"]
