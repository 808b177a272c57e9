"""Fixtures shared by the republish and the fault tests (imported by both conftests)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.publishing.pubhelpers import Lab
from tests.republish.rephelpers import Site, env_for

__all__ = ["env", "posts", "site"]


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
