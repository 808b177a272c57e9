"""Fixtures of the rendering tests: fixture posts copied to a temp dir, a fixed "now", golden helpers."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from digest_publisher.records import PostFolder, load_post

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures"
GOLDEN = HERE / "golden"
DATA = HERE / "data"

BACKFILL = "backfill-07-rl-post-training"
BRIEF = "brief-llm-post-train-2026-05-22"
NASTY = "nasty-typography"
FIXTURE_SLUGS = (BACKFILL, BRIEF, NASTY)
FORMATS = ("blocks", "classic")

# Rendering is a pure function of the post and of "now" (publish vs future); tests fix it.
NOW = datetime(2026, 5, 24, 12, 0, tzinfo=UTC)

UPDATE_GOLDEN = os.environ.get("UPDATE_GOLDEN") == "1"


@pytest.fixture
def posts_dir(tmp_path: Path) -> Path:
    """A copy of tests/render/fixtures (rendering writes preview files beside each post)."""
    target = tmp_path / "posts"
    shutil.copytree(FIXTURES, target)
    return target


def load_fixture(posts_dir: Path, slug: str) -> PostFolder:
    return load_post(slug, posts_dir)


def check_golden(name: str, actual: str) -> None:
    """Compare with tests/render/golden/<name>; ``UPDATE_GOLDEN=1`` rewrites the file instead."""
    path = GOLDEN / name
    if UPDATE_GOLDEN:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    assert path.is_file(), f"missing golden {path}; run UPDATE_GOLDEN=1 pytest tests/render and inspect it"
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{path} differs; if the change is intended, UPDATE_GOLDEN=1 and review the diff"
