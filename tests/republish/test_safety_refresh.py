"""Issue 11: `republish --refresh-corpus PATH...` takes several corpus paths, and a post.md edited since
its draft has a way forward: kept as edited and published (with a note naming the flag), or redrafted
with --overwrite-edits (the real CLI, the builtin drafter, the real WordPress)."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from digest_publisher.records import load_post, write_post
from tests.republish.rephelpers import REPO, Site, run_cli

pytestmark = pytest.mark.wordpress

SAMPLE = REPO / "samples" / "arxiv-week-2026-05-18"
EDIT = "An editor added this sentence by hand."


def _report(result: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_refresh_corpus_keeps_an_edited_post_and_takes_several_paths(
    site: Site, posts: Path, env: dict[str, str]
) -> None:
    topics = ["--topics", str(REPO / "topics.toml")]
    drafted = run_cli(
        env, "draft", "--topic", "03", "--corpus", str(SAMPLE / "2026-05-18.jsonl"), "--from", "2026-05-18",
        "--to", "2026-05-22", "--drafter", "builtin", *topics,
    )  # fmt: skip
    assert drafted.exit_code == 0, drafted.output
    drafted_slug = drafted.stdout.strip()
    slug = f"{drafted_slug}-{uuid.uuid4().hex[:8]}"
    post = load_post(drafted_slug, posts)
    (posts / drafted_slug).rename(posts / slug)
    write_post(posts / slug, replace(post.source, slug=slug), list(post.papers.values()))
    published = run_cli(env, "publish", slug, *topics)
    assert published.exit_code == 0, published.output
    post_id = int(published.stdout.split()[2])
    papers_before = len(json.loads((posts / slug / "papers.json").read_text(encoding="utf-8")))
    edited = load_post(slug, posts)
    body = edited.source.body + f"\n\n{EDIT}\n"
    write_post(posts / slug, replace(edited.source, body=body), list(edited.papers.values()))
    more = [str(SAMPLE / "2026-05-19.jsonl"), str(SAMPLE / "2026-05-20.jsonl")]
    refresh = ["republish", slug, "--refresh-corpus", *more, "--drafter", "builtin", *topics, "--json"]

    kept = run_cli(env, *refresh)
    kept_again = run_cli(env, *refresh)

    report = _report(kept)
    assert kept.exit_code == 0, kept.output
    (row,) = report["posts"]  # the second path is a corpus path, not a slug
    assert (row["slug"], row["action"]) == (slug, "updated")
    (note,) = [n for n in row["notes"] if "new paper(s)" in n]
    assert "was edited since it was drafted: kept as edited" in note and "--overwrite-edits" in note
    assert EDIT in site.get(f"posts/{post_id}?context=edit")["content"]["raw"]
    assert EDIT in (posts / slug / "post.md").read_text(encoding="utf-8")
    assert kept_again.exit_code == 0 and _report(kept_again)["posts"][0]["action"] == "unchanged"

    redrafted = run_cli(env, *refresh, "--overwrite-edits")

    assert redrafted.exit_code == 0, redrafted.output
    (row,) = _report(redrafted)["posts"]
    assert row["action"] == "updated" and any("redrafted with the builtin drafter" in n for n in row["notes"])
    assert EDIT not in (posts / slug / "post.md").read_text(encoding="utf-8")
    assert len(json.loads((posts / slug / "papers.json").read_text(encoding="utf-8"))) > papers_before
    assert EDIT not in site.get(f"posts/{post_id}?context=edit")["content"]["raw"]
    usage = run_cli(env, "republish", slug, "--overwrite-edits")
    assert usage.exit_code == 2 and "--overwrite-edits goes with --refresh-corpus" in usage.output
