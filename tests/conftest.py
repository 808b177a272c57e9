"""Shared fixtures of the whole suite. Stage-specific fixtures live in each sub-folder's conftest.py.

WordPress: tests marked ``@pytest.mark.wordpress`` request ``wp_lab``. The first such test of a session
starts the real WordPress of scripts/wordpress-server.sh (about 2 s with the packages installed); the
server is stopped at session end when this session started it and no other pytest session still uses it.
Nothing starts for a run that requests no WordPress fixture (``pytest -m "not wordpress"``).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator

import pytest
import requests

from tests.wp_lab import (
    LabConfig,
    LabUnavailable,
    PermalinkMode,
    WordPressLab,
    WPUser,
    acquire_lab,
    release_lab,
    unavailable_outcome,
)

__all__ = ["WPUser", "WordPressLab"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that uses the WordPress lab as ``wordpress``, so ``-m "not wordpress"`` never starts
    it, even when a test forgot the marker."""
    for item in items:
        if "wp_lab" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.wordpress)


@pytest.fixture
def token() -> str:
    """A per-test token for slugs, term names and image bytes, so tests never see each other's data."""
    return uuid.uuid4().hex[:10]


@pytest.fixture(scope="session")
def wp_lab() -> Iterator[WordPressLab]:
    """The test WordPress (/tmp/dp-wp-test on 127.0.0.1:18181), started once per session.

    ``DP_WP_TEST_LAB_DIR``, ``DP_WP_TEST_PORT`` and ``DP_WP_TEST_CONF_NAME`` select a private lab instead.

    Skips with the reason when the Debian packages are missing and cannot be installed, except under
    ``CI=true``, where that is a failure. pytest caches the outcome, so the script runs once per session.
    """
    try:
        lab, lease = acquire_lab(LabConfig.for_tests(os.environ))
    except LabUnavailable as exc:
        unavailable_outcome(exc, os.environ)
    try:
        yield lab
    finally:
        release_lab(lease)


@pytest.fixture
def wp_permalinks(wp_lab: WordPressLab) -> Iterator[Callable[[PermalinkMode], None]]:
    """A setter for the permalink structure ("plain", "pretty", "index"); "pretty" is restored afterwards."""
    changed = False

    def set_mode(mode: PermalinkMode) -> None:
        nonlocal changed
        changed = True
        wp_lab.set_permalinks(mode)

    yield set_mode
    if changed:
        wp_lab.set_permalinks("pretty")


@pytest.fixture
def wp_session(wp_lab: WordPressLab) -> Iterator[Callable[[WPUser], requests.Session]]:
    """A factory of ``requests.Session`` objects with Basic auth (user + Application Password);
    they are closed after the test."""
    sessions: list[requests.Session] = []

    def make(user: WPUser) -> requests.Session:
        session = wp_lab.session(user)
        sessions.append(session)
        return session

    yield make
    for session in sessions:
        session.close()
