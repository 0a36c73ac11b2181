"""Fake vendor APIs served over real HTTP on 127.0.0.1, for connector tests.

``server.FakeServer`` is the reusable part (router, request log, fault injection); each vendor
module (``connectwise``...) builds its routes and an in-memory dataset on top of it.
"""
