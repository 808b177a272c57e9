"""Fixtures of the republish tests (shared with the fault tests, in fixtures.py); helpers are in rephelpers.py."""

from __future__ import annotations

from tests.republish.fixtures import env, posts, site

__all__ = ["env", "posts", "site"]
