"""Fixtures of the hostile-input tests: the render fixtures' posts folder is shared with tests/render."""

from __future__ import annotations

from tests.render.conftest import posts_dir

__all__ = ["posts_dir"]
