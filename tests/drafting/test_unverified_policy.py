"""One policy everywhere (issue 18): the `unverified` setting of prompts/models.toml applies to `draft`,
`backfill` and `republish --refresh-corpus` alike, and the CLI's closing line counts the claims it
repaired, removed and flagged and names draft-report.json. Claude is the fake server, lying."""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from digest_publisher.records import load_post, write_post
from tests.fake_claude import FakeClaude
from tests.publishing.pubhelpers import Lab
from tests.republish.rephelpers import REPO, env_for, run_cli

SAMPLE = REPO / "samples" / "arxiv-week-2026-05-18"
KEY = "sk-ant-test-POLICY-42"


@pytest.fixture
def liar() -> Iterator[FakeClaude]:
    with FakeClaude(min_cache_tokens=200) as server:
        server.behave("liar")
        yield server


def prompts_with(tmp_path: Path, policy: str) -> Path:
    """The repository's prompts with ``unverified = "<policy>"`` in models.toml."""
    folder = tmp_path / f"prompts-{policy}"
    shutil.copytree(REPO / "prompts", folder)
    models = folder / "models.toml"
    text = models.read_text(encoding="utf-8")
    assert 'unverified = "remove"' in text
    models.write_text(text.replace('unverified = "remove"', f'unverified = "{policy}"'), encoding="utf-8")
    return folder


def claude_env(fake: FakeClaude, tmp_path: Path) -> dict[str, str]:
    return {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": fake.base_url, "DIGEST_NO_DOTENV": "1",
            "DIGEST_CACHE_DIR": str(tmp_path / "cache")}


def report_of(folder: Path) -> dict[str, object]:
    return dict(json.loads((folder / "draft-report.json").read_text(encoding="utf-8")))


@pytest.mark.parametrize("policy", ["report", "remove"])
def test_draft_applies_the_policy_and_says_so(policy: str, liar: FakeClaude, tmp_path: Path) -> None:
    posts = tmp_path / "posts"
    result = run_cli(
        {**claude_env(liar, tmp_path), "DIGEST_POSTS_DIR": str(posts)},
        "draft", "--topic", "07", "--corpus", str(SAMPLE / "2026-05-18.jsonl"), "--drafter", "claude",
        "--topics", str(REPO / "topics.toml"), "--prompts-dir", str(prompts_with(tmp_path, policy)),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    folder = posts / result.stdout.strip()
    report = report_of(folder)
    flagged, removed = report["unverified_claims"], report["numbers_removed"]
    assert isinstance(flagged, list) and isinstance(removed, list)
    if policy == "report":
        assert flagged and removed == []
        assert f"Claims: 0 repaired, 0 removed, {len(flagged)} flagged" in result.stderr
    else:
        assert removed and flagged == []
        assert f"Claims: 0 repaired, {len(removed)} removed, 0 flagged" in result.stderr
        assert {"number removed", "sentence dropped", "softened"} & {str(r["action"]) for r in removed}
    assert f"{folder / 'draft-report.json'}" in result.stderr


@pytest.mark.wordpress
def test_backfill_applies_the_policy(liar: FakeClaude, wp_lab: Lab, tmp_path: Path) -> None:
    posts = tmp_path / "posts"
    env = {**env_for(wp_lab, wp_lab.admin, posts), **claude_env(liar, tmp_path)}
    # A slug of its own: the test site is shared by every run.
    unique = f"rl-post-training-policy-{uuid.uuid4().hex[:8]}"
    topics = tmp_path / "topics.toml"
    topics.write_text((REPO / "topics.toml").read_text(encoding="utf-8").replace(
        'slug = "rl-post-training"', f'slug = "{unique}"', 1), encoding="utf-8")
    result = run_cli(
        env, "backfill", "--topic", "07", "--corpus", str(SAMPLE / "2026-05-18.jsonl"), "--drafter", "claude",
        "--topics", str(topics), "--prompts-dir", str(prompts_with(tmp_path, "report")), "--status", "draft",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = report_of(posts / f"backfill-07-{unique}")
    assert report["unverified_claims"] and report["numbers_removed"] == []
    assert "flagged; each with its reason in" in result.stderr


@pytest.mark.wordpress
def test_republish_refresh_corpus_applies_the_policy(liar: FakeClaude, wp_lab: Lab, tmp_path: Path) -> None:
    posts = tmp_path / "posts"
    env = {**env_for(wp_lab, wp_lab.admin, posts), **claude_env(liar, tmp_path)}
    drafted = run_cli(
        env, "draft", "--topic", "07", "--corpus", str(SAMPLE / "2026-05-18.jsonl"), "--from", "2026-05-18",
        "--to", "2026-05-22", "--drafter", "builtin", "--topics", str(REPO / "topics.toml"),
    )  # fmt: skip
    assert drafted.exit_code == 0, drafted.output
    slug = drafted.stdout.strip()
    post = load_post(slug, posts)
    unique = f"{slug}-policy-{uuid.uuid4().hex[:8]}"  # the test site is shared by every run
    (posts / slug).rename(posts / unique)
    write_post(posts / unique, replace(post.source, slug=unique), list(post.papers.values()))
    assert run_cli(env, "publish", unique, "--status", "draft").exit_code == 0
    refreshed = run_cli(
        env, "republish", unique, "--refresh-corpus", str(SAMPLE), "--drafter", "claude",
        "--topics", str(REPO / "topics.toml"), "--prompts-dir", str(prompts_with(tmp_path, "report")),
    )  # fmt: skip
    assert refreshed.exit_code == 0, refreshed.output
    assert "redrafted with the claude drafter" in refreshed.stderr
    report = report_of(posts / unique)
    assert report["drafter"] == "claude"
    assert report["unverified_claims"] and report["numbers_removed"] == []
