"""Fixtures of the fault tests: the fault proxy in front of the real WordPress, per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.faults.proxy import FaultProxy
from tests.publishing.pubhelpers import Lab
from tests.republish.fixtures import env, posts, site

__all__ = ["env", "posts", "proxy", "site"]

# The client's timeout behind the proxy, and how long a "slow" answer keeps silent (past it).
CLIENT_TIMEOUT_S = 1.5
SLOW_S = 2.0


@pytest.fixture(scope="module")
def proxy(wp_lab: Lab) -> Iterator[FaultProxy]:
    with FaultProxy(wp_lab.url, slow_s=SLOW_S) as running:
        yield running
