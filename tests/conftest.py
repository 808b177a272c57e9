"""Shared fixtures of the whole suite. Stage-specific fixtures live in each sub-folder's conftest.py.

WordPress: tests marked ``@pytest.mark.wordpress`` request ``wp_lab``, which is parametrized over the
WordPress versions the tests cover (6.1 and 6.8, the current line; test ids carry ``wp6.1`` / ``wp6.8``), so
every WordPress test runs on both. The first test of a version starts that version's real WordPress from
scripts/wordpress-server.sh (about 2 s with the packages installed and the 6.8 tree cached); each server is
stopped at session end when this session started it and no other pytest session still uses it. Nothing starts
for a run that requests no WordPress fixture (``pytest -m "not wordpress"``). ``DP_WP_TEST_VERSIONS=6.8``
restricts a session to one version.
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
    versions_under_test,
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


@pytest.fixture(
    scope="session",
    params=versions_under_test(os.environ),
    ids=lambda version: f"wp{version}",
)
def wp_lab(request: pytest.FixtureRequest) -> Iterator[WordPressLab]:
    """The test WordPress of one version, started once per session: 6.1 on /tmp/dp-wp-test (127.0.0.1:18181),
    6.8 on /tmp/dp-wp-test-6.8 (127.0.0.1:19181).

    ``DP_WP_TEST_LAB_DIR``, ``DP_WP_TEST_PORT`` and ``DP_WP_TEST_CONF_NAME`` select private labs instead
    (the 6.8 lab derives its own from them, see ``LabConfig.for_tests``).

    Skips with the reason when the Debian packages are missing and cannot be installed, except under
    ``CI=true``, where that is a failure. pytest caches the outcome, so the script runs once per session.
    """
    try:
        lab, lease = acquire_lab(LabConfig.for_tests(os.environ, wp_version=request.param))
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
