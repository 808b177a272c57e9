"""Tag names, titles and alt text with HTML in them: cleaned locally exactly as WordPress cleans them, so the
first run succeeds and every later run gives the same outcome; a name that is empty once cleaned stops the run
before anything is written. Through the real CLI against the real WordPress, as admin and as author."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.publishing.pubhelpers import Lab, LabUser, Rest

pytestmark = pytest.mark.wordpress


def _write(posts: Path, slug: str, title: str, tags: list[str]) -> None:
    folder = posts / slug
    folder.mkdir(parents=True)
    front = "\n".join(
        [
            "---",
            f"title: {json.dumps(title)}",
            f"slug: {slug}",
            'topic: "07"',
            "kind: brief",
            f"tags: {json.dumps(tags)}",
            "status: draft",
            "featured_image: generated",
            "---",
        ]
    )
    (folder / "post.md").write_text(front + "\nA short post.\n\n## Section\n\nMore text.\n", encoding="utf-8")


def _publish(lab: Lab, user: LabUser, posts: Path, slug: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORDPRESS_")}
    env |= {"DIGEST_NO_DOTENV": "1", "WORDPRESS_URL": lab.url, "WORDPRESS_USERNAME": user.username,
            "WORDPRESS_APP_PASSWORD": user.app_password}  # fmt: skip
    return subprocess.run(
        [sys.executable, "-m", "digest_publisher", "publish", slug, "--posts-dir", str(posts)],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_html_in_tags_title_and_alt_text_publishes_the_same_way_every_run(
    wp_lab: Lab, user: LabUser, role: str, admin_rest: Rest, token: str, tmp_path: Path
) -> None:
    slug = f"html-names-{role}-{token}"
    _write(tmp_path, slug, f"A <b>bold</b> title {token} & more", [f"evil <b>tag</b> {token}", f"R&D <3 {token}"])

    first = _publish(wp_lab, user, tmp_path, slug)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("created post ")
    second = _publish(wp_lab, user, tmp_path, slug)
    assert second.returncode == 0 and second.stdout.startswith("unchanged post "), second.stderr

    post_id = json.loads((tmp_path / slug / "record.json").read_text(encoding="utf-8"))["wordpress_id"]
    tags = sorted(t["name"] for t in admin_rest.get(f"tags?post={post_id}"))
    assert tags == sorted([f"evil tag {token}", f"R&amp;D &lt;3 {token}"])  # as WordPress stores them
    remote = admin_rest.get(f"posts/{post_id}?context=edit")
    media = admin_rest.get(f"media/{remote['featured_media']}?context=edit")
    assert "<b>" not in media["alt_text"] and f"A bold title {token} & more" in media["alt_text"]


def test_a_tag_empty_once_cleaned_stops_before_anything_is_written(
    wp_lab: Lab, user: LabUser, role: str, admin_rest: Rest, token: str, tmp_path: Path
) -> None:
    slug = f"html-empty-{role}-{token}"
    _write(tmp_path, slug, f"Title {token}", [f"fine {token}", "<script>alert(1)</script>"])
    media_before = len(admin_rest.get("media?per_page=100&context=edit"))

    for _ in range(2):  # the same answer on every run
        done = _publish(wp_lab, user, tmp_path, slug)
        assert done.returncode == 1
        assert "the tag '<script>alert(1)</script>' is empty once WordPress strips the HTML" in done.stderr
        assert "PHP" not in done.stderr and "Traceback" not in done.stderr

    assert not (tmp_path / slug / "record.json").exists()
    assert admin_rest.get(f"tags?search=fine {token}") == []
    assert admin_rest.get(f"posts?slug={slug}&status=draft&context=edit") == []
    assert len(admin_rest.get("media?per_page=100&context=edit")) == media_before
