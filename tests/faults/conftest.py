"""Fixtures of the fault tests: the fault proxy in front of the real WordPress, per module."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.proxy import FaultProxy
from tests.publishing.pubhelpers import Lab
from tests.republish.rephelpers import Site, env_for

# The client's timeout behind the proxy, and how long a "slow" answer keeps silent (past it).
CLIENT_TIMEOUT_S = 1.5
SLOW_S = 2.0


@pytest.fixture(scope="module")
def proxy(wp_lab: Lab) -> Iterator[FaultProxy]:
    with FaultProxy(wp_lab.url, slow_s=SLOW_S) as running:
        yield running


@pytest.fixture
def token() -> str:
    return uuid.uuid4().hex[:10]


@pytest.fixture
def site(wp_lab: Lab) -> Site:
    return Site(wp_lab, wp_lab.admin)


@pytest.fixture
def posts(tmp_path: Path) -> Path:
    folder = tmp_path / "posts"
    folder.mkdir()
    return folder


@pytest.fixture
def env(wp_lab: Lab, posts: Path) -> dict[str, str]:
    return env_for(wp_lab, wp_lab.admin, posts)
