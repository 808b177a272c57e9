"""Helpers shared by test packages (import them; fixtures stay in the conftest.py files)."""

from __future__ import annotations

from pathlib import Path

from digest_publisher.models import RenderedPost
from digest_publisher.pipeline import render_for_site
from tests.paths import REPO_ROOT

TOPICS = REPO_ROOT / "topics.toml"


def render_as_published(folder: Path) -> RenderedPost:
    """A post folder rendered exactly as ``publish`` and ``republish`` render it (the pipeline's one path)."""
    return render_for_site(folder, topics_path=TOPICS)[1]
