"""`republish --refresh-corpus` killed (SIGKILL) at each step of its redraft write, then run again: the
folder's papers.json, post.md and draft-report.json change as one unit and the re-run converges to the
refreshed post on the real WordPress (issue 20)."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from pathlib import Path

import pytest

from digest_publisher.records import load_post, write_post
from tests.republish.fixtures import env, posts, site
from tests.republish.rephelpers import REPO, Site, run_cli, run_main

__all__ = ["env", "posts", "site"]

pytestmark = [pytest.mark.wordpress, pytest.mark.slow]

SAMPLE = REPO / "samples" / "arxiv-week-2026-05-18"
TOPICS = ["--topics", str(REPO / "topics.toml")]
# Before issue 20: killed after papers.json, every later run said "unchanged" (the refresh lost); killed
# after post.md, the post counted as edited by a person forever.
KILL_POINTS = ["after-journal", "after-papers.json", "after-post.md", "after-draft-report.json"]


def _published_draft(posts: Path, env: dict[str, str]) -> tuple[str, int]:
    drafted = run_cli(
        env, "draft", "--topic", "03", "--corpus", str(SAMPLE / "2026-05-18.jsonl"), "--from", "2026-05-18",
        "--to", "2026-05-22", "--drafter", "builtin", *TOPICS,
    )  # fmt: skip
    assert drafted.exit_code == 0, drafted.output
    drafted_slug = drafted.stdout.strip()
    slug = f"{drafted_slug}-{uuid.uuid4().hex[:8]}"
    post = load_post(drafted_slug, posts)
    (posts / drafted_slug).rename(posts / slug)
    write_post(posts / slug, replace(post.source, slug=slug), list(post.papers.values()))
    published = run_cli(env, "publish", slug, *TOPICS)
    assert published.exit_code == 0, published.output
    return slug, int(published.stdout.split()[2])


@pytest.mark.parametrize("point", KILL_POINTS)
def test_a_refresh_killed_at_each_step_converges(site: Site, posts: Path, env: dict[str, str], point: str) -> None:
    slug, post_id = _published_draft(posts, env)
    folder = posts / slug
    before = {p["id"] for p in json.loads((folder / "papers.json").read_text(encoding="utf-8"))}
    refresh = ["republish", slug, "--refresh-corpus", str(SAMPLE / "2026-05-19.jsonl"),
               str(SAMPLE / "2026-05-20.jsonl"), "--drafter", "builtin", *TOPICS, "--json"]

    killed = run_main({**env, "DIGEST_TEST_KILL_AT": point}, *refresh)
    assert killed.returncode == -9, killed.stderr

    rerun = run_main(env, *refresh)
    assert rerun.returncode == 0, rerun.stderr
    (row,) = json.loads(rerun.stdout)["posts"]
    assert row["action"] == "updated", row
    assert not any("edited since it was drafted" in n for n in row["notes"]), row["notes"]
    assert not (folder / ".write-journal.json").exists()
    papers_after = json.loads((folder / "papers.json").read_text(encoding="utf-8"))
    new_ids = {p["id"] for p in papers_after} - before
    assert new_ids
    source = load_post(slug, posts).source
    live = site.get(f"posts/{post_id}?context=edit")["content"]["raw"]
    assert any(f"arxiv.org/abs/{i}" in live for i in source.papers if i in new_ids)  # the refreshed post is live

    again = run_main(env, *refresh)
    assert again.returncode == 0 and json.loads(again.stdout)["posts"][0]["action"] == "unchanged", again.stdout
