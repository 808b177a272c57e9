"""`republish --refresh-corpus` with Claude failing (the fake Claude server): nothing is published from a
failed draft; once Claude answers, the post is redrafted with the new papers and updated once."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from digest_publisher.records import load_post, write_post
from tests.fake_claude import FakeClaude
from tests.publishing.pubhelpers import Lab
from tests.republish.rephelpers import REPO, Site, env_for, record_of, run_cli

pytestmark = pytest.mark.wordpress

SAMPLE = REPO / "samples" / "arxiv-week-2026-05-18"
KEY = "sk-ant-test-REFRESH-123"


def _unique_slug(posts: Path, slug: str, suffix: str) -> str:
    """The drafted post under a slug of its own (the test site is shared by every run)."""
    post = load_post(slug, posts)
    unique = f"{slug}-{suffix}".lower().replace("_", "-")
    (posts / slug).rename(posts / unique)
    write_post(posts / unique, replace(post.source, slug=unique), list(post.papers.values()))
    return unique


@pytest.fixture
def fake() -> Iterator[FakeClaude]:
    with FakeClaude(min_cache_tokens=200) as server:
        yield server


@pytest.mark.parametrize(
    ("fault", "says"),
    # A section that keeps leaving out a paper still fails a draft (a bad citation no longer does: since issue 9
    # it is removed and listed in draft-report.json).
    [("529", "HTTP 529"), ("omit_paper", "which the outline assigned")],
)
def test_a_failed_redraft_publishes_nothing_and_a_good_one_updates_once(
    fault: str, says: str, fake: FakeClaude, wp_lab: Lab, site: Site, tmp_path: Path
) -> None:
    posts = tmp_path / "posts"
    env = {
        **env_for(wp_lab, wp_lab.admin, posts),
        "ANTHROPIC_API_KEY": KEY,
        "ANTHROPIC_BASE_URL": fake.base_url,
        "DIGEST_CACHE_DIR": str(tmp_path / "cache"),
    }
    # Drafted (offline) from the first day of the week, for the whole week's window, and published.
    drafted = run_cli(
        env,
        "draft", "--topic", "03", "--corpus", str(SAMPLE / "2026-05-18.jsonl"), "--from", "2026-05-18",
        "--to", "2026-05-22", "--drafter", "builtin", "--topics", str(REPO / "topics.toml"),
    )  # fmt: skip
    assert drafted.exit_code == 0, drafted.output
    slug = _unique_slug(posts, drafted.stdout.strip(), f"{fault}-{uuid.uuid4().hex[:8]}")
    published = run_cli(env, "publish", slug)
    assert published.exit_code == 0, published.output
    post_id = int(published.stdout.split()[2])
    before = site.get(f"posts/{post_id}?context=edit")
    source = (posts / slug / "post.md").read_bytes()
    refresh = ["republish", "--all", "--refresh-corpus", str(SAMPLE), "--drafter", "claude"]
    refresh += ["--topics", str(REPO / "topics.toml"), "--prompts-dir", str(REPO / "prompts")]
    fake.fail("section" if fault == "omit_paper" else "*", fault, times=500)

    failed = run_cli(env, *refresh)

    assert failed.exit_code == 1
    assert failed.stdout.startswith(f"{slug}: FAILED") and "new paper(s)" in failed.stdout
    assert "redrafting failed, so nothing was published" in failed.stdout and says in failed.stdout
    assert KEY not in failed.output
    assert site.get(f"posts/{post_id}?context=edit")["modified_gmt"] == before["modified_gmt"]
    assert site.revisions(post_id) == []
    assert (posts / slug / "post.md").read_bytes() == source  # the failed draft wrote nothing
    assert record_of(posts / slug)["content_hash"]

    fake.faults.clear()
    redrafted = run_cli(env, *refresh)

    assert redrafted.exit_code == 0, redrafted.output
    assert redrafted.stdout.startswith(f"{slug}: updated")
    assert "redrafted with the claude drafter" in redrafted.stderr
    assert (posts / slug / "post.md").read_bytes() != source
    (revision,) = site.revisions(post_id)
    assert revision["content"]["raw"] != before["content"]["raw"]
    again = run_cli(env, *refresh)  # the corpus brings nothing new now: no draft, no write
    assert again.exit_code == 0 and again.stdout.startswith(f"{slug}: unchanged")
    assert len(site.revisions(post_id)) == 1
