"""What a papermill kernel is given besides its parameters."""

from __future__ import annotations

import os
from contextlib import contextmanager


@contextmanager
def kernel_environment(**values: str | None):
    """Set variables for a kernel started inside the block (only those given non-empty).

    The warehouse URL travels this way, never as a parameter: a PostgreSQL URL may hold a
    password, and parameters are kept in the executed notebook and its manifest."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update({k: v for k, v in values.items() if v})
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
