"""Issue 11: the temporary files of atomic writes that a killed run left behind are removed by the next
run, and only those (a live writer's file and the user's own files stay)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.republish.rephelpers import record_of, run_main, write_source

pytestmark = pytest.mark.wordpress


def test_a_killed_writers_temp_files_are_removed_by_the_next_run(
    posts: Path, env: dict[str, str], token: str
) -> None:
    slug = f"stale-tmp-{token}"
    folder = write_source(posts, slug)
    killed = run_main({**env, "DIGEST_TEST_KILL_AT": "during-record-write#2"}, "publish", slug)
    assert killed.returncode == -9, killed.stderr
    (left,) = folder.glob(".record.json.*.tmp")  # the killed writer's, its pid in the name
    old_style = folder / ".post.md.abcd1234.tmp"  # no pid (written before the pid was in the name), old
    old_style.write_text("half", encoding="utf-8")
    an_hour_ago = time.time() - 3600
    os.utime(old_style, (an_hour_ago, an_hour_ago))
    live = folder / f".papers.json.{os.getpid()}.zz99zz99.tmp"  # a writer still running (this process)
    live.write_text("being written", encoding="utf-8")
    mine = folder / ".notes.tmp"  # the user's own file: not a temporary file of ours
    mine.write_text("keep", encoding="utf-8")

    rerun = run_main(env, "publish", slug)

    assert rerun.returncode == 0, rerun.stderr
    assert not left.exists() and not old_style.exists()
    assert live.exists() and mine.read_text(encoding="utf-8") == "keep"
    assert list(folder.glob(".record.json.*.tmp")) == []
    assert record_of(folder)["content_hash"]
