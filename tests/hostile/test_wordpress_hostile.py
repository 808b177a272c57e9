"""Hostile post sources published to the real WordPress (issue 20): a paper title that looks like Markdown
and a post title with a backslash publish once, verify, and stay clean on every later run."""

from __future__ import annotations

from pathlib import Path

import pytest

from digest_publisher.models import Paper, PostKind
from digest_publisher.records import PostSource, write_post
from tests.republish.fixtures import env, posts, site
from tests.republish.rephelpers import Site, run_cli

__all__ = ["env", "posts", "site"]

pytestmark = pytest.mark.wordpress

BOLD = Paper(
    title="AMR-SD: **Bold** claims and [brackets](here) in a title",
    authors=("A. **Star** Author", "B. Second"),
    abstract="We propose AMR-SD, a method.",
    arxiv_id="2605.18529",
    abs_url="https://evil.example/?arxiv.org/abs/2605.18529",
)


def _write(posts: Path, slug: str, title: str, papers: list[Paper]) -> None:
    body = "## What it found\n\nThe method [@2605.18529] reads well.\n" if papers else "## Notes\n\nPlain text.\n"
    source = PostSource(title=title, slug=slug, topic="07", kind=PostKind.BRIEF, body=body,
                        papers=tuple(p.arxiv_id or p.key for p in papers))
    write_post(posts / slug, source, papers)


def test_a_markdown_looking_paper_title_publishes_and_stays_clean(
    site: Site, posts: Path, env: dict[str, str], token: str
) -> None:
    """Before issue 20 `publish --status publish` made the post public, then its check of the published
    post failed on every run (exit 1 forever, the post live)."""
    slug = f"bold-title-{token}"
    _write(posts, slug, "A title", [BOLD])

    first = run_cli(env, "publish", slug, "--status", "publish")
    second = run_cli(env, "publish", slug, "--status", "publish")

    assert first.exit_code == 0, first.output
    assert second.exit_code == 0 and second.stdout.split()[0] == "unchanged", second.output
    (post,) = site.posts_by_slug(slug)
    assert post["status"] == "publish"
    assert "**Bold**" in post["content"]["rendered"]  # shown as text
    assert "evil.example" not in post["content"]["raw"] and "https://arxiv.org/abs/2605.18529" in post["content"]["raw"]


def test_a_backslash_in_the_title_sends_the_same_on_every_run(
    site: Site, posts: Path, env: dict[str, str], token: str
) -> None:
    """WordPress unslashes alt text: the first publish failed (alt "$alpha$" stored, "$\\alpha$" sent), the
    second passed with the stripped text (before issue 20)."""
    slug = f"backslash-{token}"
    _write(posts, slug, r"Scaling $\alpha$-Divergence \ Tests", [])

    first = run_cli(env, "publish", slug, "--status", "publish")
    second = run_cli(env, "publish", slug, "--status", "publish")

    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    assert second.stdout.split()[0] == "unchanged", second.output
    (post,) = site.posts_by_slug(slug)
    media = site.get(f"media/{post['featured_media']}?context=edit")
    assert "\\" not in media["alt_text"] and "α" in media["alt_text"]


@pytest.mark.timeout(120)
def test_an_alias_bomb_in_one_post_does_not_stop_republish_all(
    site: Site, posts: Path, env: dict[str, str], token: str
) -> None:
    """Before issue 20 a YAML alias bomb in one post.md grew to 1.6 GB and was killed, taking `republish --all`
    down for every post of the folder. Now that post fails with the reason and the others are published."""
    from tests.hostile.test_front_matter import BOMB, _post

    good, bomb = f"good-{token}", f"bomb-{token}"
    for slug in (good, bomb):
        _write(posts, slug, f"Post {slug}", [])
        assert run_cli(env, "publish", slug).exit_code == 0
    # A contributor turns one post into a bomb and edits the other: cron's next pass.
    (posts / bomb / "post.md").write_text(_post(BOMB + "title: *i\n"), encoding="utf-8")
    _write(posts, good, "A good post, edited", [])

    result = run_cli(env, "republish", "--all")

    assert "Traceback" not in result.output
    assert result.exit_code == 1, result.output  # one post failed: the run says so
    assert "YAML alias" in result.output
    (post,) = site.posts_by_slug(good)
    assert post["title"]["raw"] == "A good post, edited"
