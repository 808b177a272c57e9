"""An editor's re-save that only migrated our markup is not a human edit (issue 12): the site was upgraded, an
editor opened the post and clicked Update without changing a word, and the next republish still goes through.
A changed word is still an edit (the other direction)."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest

from digest_publisher import pipeline
from digest_publisher.wordpress.site import Site
from tests.paths import REPO_ROOT
from tests.publishing.pubhelpers import settings_for
from tests.republish.rephelpers import retitle
from tests.wp_lab import WordPressLab

pytestmark = pytest.mark.wordpress

TOPICS = REPO_ROOT / "topics.toml"
FIXTURE = REPO_ROOT / "tests" / "render" / "fixtures" / "brief-llm-post-train-2026-05-22"


def _published(wp_lab: WordPressLab, tmp_path: Path) -> tuple[Path, int, str]:
    posts = tmp_path / "posts"
    slug = f"migrated-{uuid.uuid4().hex[:8]}"
    shutil.copytree(FIXTURE, posts / slug)
    post = posts / slug / "post.md"
    post.write_text(post.read_text(encoding="utf-8").replace("slug: brief-llm-post-train-2026-05-22", f"slug: {slug}"))
    report = pipeline.publish(slug, posts_dir=posts, site=Site(settings_for(wp_lab, wp_lab.admin)), topics_path=TOPICS)
    assert report.outcome.post_id is not None
    return posts, report.outcome.post_id, slug


def _resave(wp_lab: WordPressLab, post_id: int, content: str) -> None:
    """What the block editor's Update sends: the whole content, as that editor serialised it."""
    session = wp_lab.session(wp_lab.admin)
    try:
        answer = session.post(f"{wp_lab.rest}wp/v2/posts/{post_id}", json={"content": content}, timeout=60)
        assert answer.status_code == 200, answer.text[:300]
    finally:
        session.close()


def test_a_resave_in_another_version_s_markup_is_not_an_edit(wp_lab: WordPressLab, tmp_path: Path) -> None:
    posts, post_id, slug = _published(wp_lab, tmp_path)
    other = "6.8" if wp_lab.wp_version == "6.1" else "6.1"
    _, migrated = pipeline.render_for_site(posts / slug, topics_path=TOPICS, site_url=wp_lab.url, wp_version=other)
    _resave(wp_lab, post_id, migrated.content)  # the editor re-spelled every heading and list, nothing else

    retitle(posts / slug, "A title changed locally")
    report = pipeline.republish(posts, Site(settings_for(wp_lab, wp_lab.admin)), topics_path=TOPICS, slugs=[slug])

    (result,) = report.posts
    assert result.action == "updated", result.message


def test_a_changed_word_is_still_an_edit(wp_lab: WordPressLab, tmp_path: Path) -> None:
    posts, post_id, slug = _published(wp_lab, tmp_path)
    _, ours = pipeline.render_for_site(
        posts / slug, topics_path=TOPICS, site_url=wp_lab.url, wp_version=wp_lab.wp_version
    )
    _resave(wp_lab, post_id, ours.content.replace("Credit assignment", "Credit bookkeeping", 1))

    retitle(posts / slug, "A title changed locally")
    report = pipeline.republish(posts, Site(settings_for(wp_lab, wp_lab.admin)), topics_path=TOPICS, slugs=[slug])

    (result,) = report.posts
    assert result.action == "refused" and "edited in WordPress" in result.message, result
