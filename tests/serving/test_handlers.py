"""Where a login may send the browser afterwards: only back into this app."""

from __future__ import annotations

import pytest

from deskmetrics.serving.guard import HOME
from deskmetrics.serving.handlers import safe_next


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "/ /evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "/\\evil.example",
        "evil.example",
        "",
        None,
    ],
)
def test_next_never_leaves_the_app(target):
    assert safe_next(target) == HOME


@pytest.mark.parametrize("target", ["/voila/render/health.ipynb?client=CL001", "/voila/tree", "/"])
def test_next_keeps_paths_of_the_app(target):
    assert safe_next(target) == target
