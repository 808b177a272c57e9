"""Fixtures of the publishing tests; the helpers they use are in pubhelpers.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.publishing.pubhelpers import Lab, LabUser, Rest


@pytest.fixture
def admin_rest(wp_lab: Lab) -> Rest:
    return Rest(wp_lab, wp_lab.admin)


@pytest.fixture(params=["admin", "author"])
def role(request: pytest.FixtureRequest) -> str:
    """Run a test once as the administrator and once as the author."""
    return str(request.param)


@pytest.fixture
def user(wp_lab: Lab, role: str) -> LabUser:
    return wp_lab.admin if role == "admin" else wp_lab.author


@pytest.fixture
def mu_plugin(wp_lab: Lab) -> Iterator[Callable[[str, str], None]]:
    """Install a must-use plugin for one test (how sites block REST or turn Application Passwords off)."""
    installed: list[Path] = []

    def install(name: str, php: str) -> None:
        folder = Path(wp_lab.lab_dir) / "wp-content" / "mu-plugins"
        path = folder / f"zz-test-{name}.php"
        path.write_text("<?php\n" + php + "\n", encoding="utf-8")
        installed.append(path)

    yield install
    for path in installed:
        path.unlink(missing_ok=True)
