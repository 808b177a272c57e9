"""The editor's one command against the real WordPress: draft (built-in drafter), render, publish."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.wp_lab import WordPressLab

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "arxiv-week-2026-05-18"


def backfill(lab: WordPressLab, posts: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(posts.parent),
        "WORDPRESS_URL": lab.url,
        "WORDPRESS_USERNAME": lab.author.username,
        "WORDPRESS_APP_PASSWORD": lab.author.app_password,
        "DIGEST_NO_DOTENV": "1",
        "DIGEST_CACHE_DIR": str(posts.parent / "cache"),
    }
    return subprocess.run(
        [sys.executable, "-m", "digest_publisher", "backfill", "--topic", "07", "--corpus", str(SAMPLE),
         "--posts-dir", str(posts), "--topics", str(ROOT / "topics.toml"), "--prompts-dir", str(ROOT / "prompts"),
         "--status", "publish", *extra],
        capture_output=True, text=True, env=env, cwd=posts.parent, check=False, timeout=300,
    )


@pytest.mark.wordpress
def test_backfill_publishes_once_and_reruns_without_duplicates(wp_lab: WordPressLab, tmp_path: Path) -> None:
    # An author may assign categories but not create them: an administrator sets the topic's up first.
    admin = (wp_lab.admin.username, wp_lab.admin.app_password)
    made = requests.post(f"{wp_lab.rest}wp/v2/categories", json={"name": "RL & Post-Training", "slug": "topic-07"},
                         auth=admin, timeout=30)
    assert made.status_code in (201, 400), made.text  # 400: term_exists from an earlier test
    posts = tmp_path / "posts"
    first = backfill(wp_lab, posts)
    assert first.returncode == 0, first.stderr
    link = first.stdout.strip().splitlines()[-1]
    assert link.startswith(wp_lab.url) and "backfill-07-rl-post-training" in link
    assert "Drafter: built-in drafter" in first.stderr
    assert wp_lab.author.app_password not in first.stdout + first.stderr

    record = json.loads((posts / "backfill-07-rl-post-training" / "record.json").read_text(encoding="utf-8"))
    post_id = record["wordpress_id"]
    assert record["last_response"]["id"] == post_id  # the last server response, shaped like WordPress's post JSON
    assert (posts / "backfill-07-rl-post-training" / "preview.html").is_file()

    # What a reader sees: the post, its featured image, its category, links to arXiv, no Markdown left.
    public = requests.get(f"{wp_lab.rest}wp/v2/posts/{post_id}", timeout=30).json()
    assert public["status"] == "publish"
    assert public["featured_media"] > 0
    assert public["categories"], "the topic's category was not assigned"
    html = public["content"]["rendered"]
    assert "https://arxiv.org/abs/2605.18529" in html
    assert "<p>&#8212;</p>" not in html and "<p>&gt; " not in html and "**" not in html
    assert "This article is part of the Frontier AI Research Digest backfill series" in html

    second = backfill(wp_lab, posts)
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip().splitlines()[-1] == link
    same = requests.get(f"{wp_lab.rest}wp/v2/posts", params={"slug": "backfill-07-rl-post-training"}, timeout=30)
    assert [p["id"] for p in same.json()] == [post_id]
    media = requests.get(f"{wp_lab.rest}wp/v2/media", params={"parent": post_id}, timeout=30).json()
    assert len(media) <= 1

    requests.delete(f"{wp_lab.rest}wp/v2/posts/{post_id}", params={"force": "true"}, timeout=30, auth=admin)


def test_backfill_reports_missing_settings_before_drafting(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "digest_publisher", "backfill", "--topic", "07", "--corpus", str(SAMPLE),
         "--posts-dir", str(tmp_path / "posts")],
        capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", "DIGEST_NO_DOTENV": "1"}, cwd=ROOT,
        check=False, timeout=120,
    )
    assert result.returncode == 1
    for name in ("WORDPRESS_URL", "WORDPRESS_USERNAME", "WORDPRESS_APP_PASSWORD"):
        assert name in result.stderr
    assert not (tmp_path / "posts").exists()
