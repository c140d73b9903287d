"""Tests that need an outside tool (a browser, Node.js) skip on a machine that cannot
have it, but never in CI: with ``CI`` set or ``KIEZGRAPH_REQUIRE_TOOLS=1`` a missing
tool fails them, so a broken setup never passes as green."""

from __future__ import annotations

import os

import pytest


def tools_required() -> bool:
    return bool(os.environ.get("CI")) or os.environ.get("KIEZGRAPH_REQUIRE_TOOLS") == "1"


def unavailable(reason: str) -> None:
    """Skip, or fail where every tool is required; never returns."""
    if tools_required():
        pytest.fail(f"{reason}; this test is required here (CI or KIEZGRAPH_REQUIRE_TOOLS=1)")
    pytest.skip(reason)
