"""Overlapping `republish` runs (real CLI processes): one waits or exits 75, nothing is updated twice, and
a run killed while holding the locks blocks nobody."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from digest_publisher.records.locks import run_lock
from tests.republish.rephelpers import Site, record_of, retitle, run_cli, run_main, start_main, write_source

pytestmark = pytest.mark.wordpress


def _published(env: dict[str, str], posts: Path, slug: str) -> int:
    write_source(posts, slug)
    result = run_cli(env, "publish", slug)
    assert result.exit_code == 0, result.output
    return int(result.stdout.split()[2])


def test_a_second_run_exits_75_while_the_lock_is_held_or_waits_for_it(
    site: Site, posts: Path, env: dict[str, str], token: str
) -> None:
    slug = f"lock-{token}"
    post_id = _published(env, posts, slug)
    retitle(posts / slug, "Changed while locked")

    with run_lock(posts):
        busy = run_main(env, "republish", "--all")
        as_json = run_main(env, "republish", "--all", "--json")
        waiting = start_main(env, "republish", "--all", "--wait", "120")
        time.sleep(0.5)
        still_waiting = waiting.poll() is None

    assert busy.returncode == 75 and busy.stdout == ""
    assert "another republish run holds" in busy.stderr and f"pid {os.getpid()}" in busy.stderr
    assert "--wait" in busy.stderr
    assert as_json.returncode == 75 and json.loads(as_json.stdout)["exit_code"] == 75
    assert site.revisions(post_id) == []  # nothing was sent while the lock was held
    assert still_waiting
    out, err = waiting.communicate(timeout=120)
    assert waiting.returncode == 0, err
    assert out.startswith(f"{slug}: updated")
    assert [r["title"]["raw"] for r in site.revisions(post_id)] == ["Changed while locked"]


def test_two_runs_at_once_update_the_post_once(site: Site, posts: Path, env: dict[str, str], token: str) -> None:
    slug = f"race-{token}"
    post_id = _published(env, posts, slug)
    retitle(posts / slug, "Raced")

    runs = [start_main(env, "republish", "--all", "--json") for _ in range(2)]
    outputs = [run.communicate(timeout=120) for run in runs]

    codes = sorted(run.returncode for run in runs)
    assert codes in ([0, 0], [0, 75]), outputs
    actions = [p["action"] for out, _ in outputs for p in json.loads(out)["posts"]]
    assert actions.count("updated") == 1 and set(actions) <= {"updated", "unchanged"}
    assert [r["title"]["raw"] for r in site.revisions(post_id)] == ["Raced"]


def test_a_run_killed_mid_update_blocks_nobody_and_the_rerun_converges(
    site: Site, posts: Path, env: dict[str, str], token: str
) -> None:
    slug = f"killed-{token}"
    post_id = _published(env, posts, slug)
    retitle(posts / slug, "Updated, then killed")

    killed = run_main({**env, "DIGEST_TEST_KILL_AT": "after-update"}, "republish", "--all")

    assert killed.returncode == -9  # SIGKILL right after WordPress stored the update
    assert (posts / ".republish.lock").exists() and (posts / slug / ".lock").exists()
    assert record_of(posts / slug)["pending"] != []  # the update was announced, never recorded
    rerun = run_main(env, "republish", "--all", "--json")  # --wait 0: a stale lock file must not block
    assert rerun.returncode == 0, rerun.stderr
    (entry,) = json.loads(rerun.stdout)["posts"]
    # The killed run's write is recognised as ours (not a human edit) and not sent again.
    assert entry["action"] == "verified"
    assert [r["title"]["raw"] for r in site.revisions(post_id)] == ["Updated, then killed"]
    record = record_of(posts / slug)
    assert record["pending"] == [] and record["content_hash"]
    assert run_main(env, "republish", "--all").stdout.startswith(f"{slug}: unchanged")
