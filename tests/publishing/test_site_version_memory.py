"""The markup a site gets follows its WordPress version, read once and remembered per site (issue 12)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from digest_publisher import pipeline
from digest_publisher.wordpress.site import Site
from tests.paths import REPO_ROOT
from tests.publishing.pubhelpers import settings_for
from tests.wp_lab import WordPressLab

pytestmark = pytest.mark.wordpress


def _sites(posts: Path) -> dict[str, dict[str, object]]:
    data = json.loads((posts / ".sites.json").read_text(encoding="utf-8"))
    sites: dict[str, dict[str, object]] = data["sites"]
    return sites


def test_the_version_is_read_once_remembered_and_read_again_when_a_day_old(
    wp_lab: WordPressLab, tmp_path: Path
) -> None:
    posts = tmp_path / "posts"
    posts.mkdir()
    settings = settings_for(wp_lab, wp_lab.author)

    assert Site(settings, posts).markup_version() == wp_lab.wp_version
    entry = _sites(posts)[settings.site_url]
    assert str(entry["wp_version"]).startswith(wp_lab.wp_version + ".")

    # Remembered: a site that stops answering still gets the markup of the version it ran.
    offline = settings_for("http://127.0.0.1:9", wp_lab.author, attempts=1)
    (posts / ".sites.json").write_text(json.dumps({"version": 1, "sites": {offline.site_url: entry}}), encoding="utf-8")
    assert Site(offline, posts).markup_version() == wp_lab.wp_version

    # A day old: read again (the site may have been upgraded); unreachable, nothing is remembered wrongly.
    stale = {**entry, "wp_version": "6.1.1", "wp_version_seen": (datetime.now(UTC) - timedelta(days=2)).isoformat()}
    (posts / ".sites.json").write_text(json.dumps({"version": 1, "sites": {settings.site_url: stale}}), "utf-8")
    assert Site(settings, posts).markup_version() == wp_lab.wp_version
    assert str(_sites(posts)[settings.site_url]["wp_version"]).startswith(wp_lab.wp_version + ".")


def test_publish_sends_the_markup_of_the_site_s_version(wp_lab: WordPressLab, tmp_path: Path, token: str) -> None:
    posts = tmp_path / "posts"
    folder = posts / f"versioned-{token}"
    folder.mkdir(parents=True)
    (folder / "post.md").write_text(
        f"---\ntitle: Versioned {token}\nfeatured_image: none\n---\n## A heading\n\n- one\n- two\n", encoding="utf-8"
    )
    settings = settings_for(wp_lab, wp_lab.admin)
    report = pipeline.publish(folder.name, posts_dir=posts, site=Site(settings), topics_path=REPO_ROOT / "topics.toml")
    assert report.outcome.post_id is not None
    stored = (
        wp_lab.session(wp_lab.admin)
        .get(f"{wp_lab.rest}wp/v2/posts/{report.outcome.post_id}", params={"context": "edit"}, timeout=20)
        .json()["content"]["raw"]
    )
    if wp_lab.wp_version == "6.1":
        assert "<h2>A heading</h2>" in stored and "wp-block-list" not in stored
    else:
        assert '<h2 class="wp-block-heading">A heading</h2>' in stored and '<ul class="wp-block-list">' in stored
