"""Helpers of the republish and fault tests: post folders on disk, the real CLI, the site as it is.

Posts are real folders (post.md + papers.json) rendered by the real renderer; their featured image is a
small PNG file beside post.md (a generated 1200x630 card costs WordPress thumbnails on every upload).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import requests
from click.testing import CliRunner, Result

from digest_publisher.cli import cli
from digest_publisher.models import PostKind
from digest_publisher.records import PostSource, load_post, write_post
from tests.publishing.pubhelpers import Lab, LabUser, Rest, png_bytes

REPO = Path(__file__).resolve().parents[2]

BODY = """## What the papers found

Reinforcement learning after pre-training keeps improving reasoning: {detail}.

## Why it matters

Reward models drift; careful data beats more data.
"""


def write_source(posts: Path, slug: str, *, title: str = "Post-training notes", detail: str = "first") -> Path:
    """A post folder with a small PNG featured image (its bytes depend on the slug)."""
    folder = posts / slug
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "figure.png").write_bytes(png_bytes(slug))
    source = PostSource(
        title=title,
        slug=slug,
        topic="07",
        kind=PostKind.BRIEF,
        body=BODY.format(detail=detail),
        excerpt="Post-training, in two sections.",
        tags=("reinforcement learning",),
        featured_image="figure.png",
        featured_image_alt=f"Figure of {slug}",
        papers_covered=False,
    )
    write_post(folder, source, [])
    return folder


def retitle(folder: Path, title: str) -> None:
    """Edit post.md's title, as an editor would."""
    post = load_post(str(folder), folder.parent)
    write_post(folder, replace(post.source, title=title), list(post.papers.values()))


def env_for(lab: Lab, user: LabUser, posts: Path, **extra: str) -> dict[str, str]:
    return {
        "WORDPRESS_URL": lab.url,
        "WORDPRESS_USERNAME": user.username,
        "WORDPRESS_APP_PASSWORD": user.app_password,
        "DIGEST_NO_DOTENV": "1",
        "DIGEST_POSTS_DIR": str(posts),
        **extra,
    }


def run_cli(env: dict[str, str], *args: str) -> Result:
    """The real CLI in-process (click's runner)."""
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def run_main(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """The real CLI in a child process (for locks, concurrency and SIGKILL)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("WORDPRESS_", "DIGEST_"))}
    return subprocess.run(
        [sys.executable, "-m", "digest_publisher", *args],
        env={**clean, **env},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def start_main(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("WORDPRESS_", "DIGEST_"))}
    return subprocess.Popen(
        [sys.executable, "-m", "digest_publisher", *args],
        env={**clean, **env},
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def record_of(folder: Path) -> dict[str, Any]:
    """record.json parsed: it must always be complete JSON."""
    data = json.loads((folder / "record.json").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


class Site(Rest):
    """The site as an administrator sees it, straight over REST (not through the code under test)."""

    def posts_by_slug(self, slug: str) -> list[dict[str, Any]]:
        """Every post with this slug or a suffixed copy of it, any status."""
        slugs = ",".join([slug, *(f"{slug}-{n}" for n in range(2, 6))])
        return list(self.get(f"posts?slug={slugs}&status=any&context=edit&per_page=20"))

    def revisions(self, post_id: int) -> list[dict[str, Any]]:
        return list(self.get(f"posts/{post_id}/revisions?context=edit&per_page=100"))

    def media_with_hash(self, sha: str) -> list[dict[str, Any]]:
        return list(self.get(f"media?search={sha}&per_page=50"))

    def edit(self, post_id: int, **fields: Any) -> dict[str, Any]:
        result: dict[str, Any] = self.post(f"posts/{post_id}", fields)
        return result


def sql(lab: Lab, statement: str) -> None:
    """Run SQL in the lab's database (root over its private unix socket, as the lab script does)."""
    socket = Path(lab.lab_dir) / "db" / "mysqld.sock"
    done = subprocess.run(
        ["mariadb", "--no-defaults", f"--socket={socket}", "wordpress", "-e", statement],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def anonymous_status(url: str) -> int:
    return requests.get(url, timeout=20).status_code
