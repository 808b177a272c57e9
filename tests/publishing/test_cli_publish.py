"""The real CLI (`publish`, `check`, `status`) on a real post folder, against the real WordPress.

Also: nothing a run writes or prints ever holds a credential.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from digest_publisher.models import PostKind
from digest_publisher.records import PostSource, write_post
from tests.publishing.pubhelpers import Lab, LabUser, Rest, secrets_of
from tests.republish.rephelpers import run_cli

pytestmark = pytest.mark.wordpress

BODY = """## Why post-training matters

Reinforcement learning after pre-training shapes how models reason, and it's cheap.

## What the papers found

Reward models drift; careful data beats more data.
"""


def _env(lab: Lab, user: LabUser, posts: Path) -> dict[str, str]:
    return {
        "WORDPRESS_URL": lab.url,
        "WORDPRESS_USERNAME": user.username,
        "WORDPRESS_APP_PASSWORD": user.app_password,
        "DIGEST_NO_DOTENV": "1",
        "DIGEST_POSTS_DIR": str(posts),
    }


def _write(posts: Path, slug: str, title: str, category: str) -> None:
    source = PostSource(
        title=title,
        slug=slug,
        topic="07",
        kind=PostKind.BACKFILL,
        body=BODY,
        excerpt="Post-training, in two sections.",
        categories=(category,),
        tags=("rl",),
        featured_image="generated",
        papers_covered=False,
    )
    write_post(posts / slug, source, [])


def test_an_unchanged_re_publish_does_not_render_again(wp_lab: Lab, token: str, tmp_path: Path) -> None:
    """The render cache, as the next command meets it: a second publish of an unchanged folder reads one
    post and never loads the render stage; after an edit it renders and updates."""
    posts = tmp_path / "posts"
    slug = f"cached-{token}"
    _write(posts, slug, "Rendered once", f"Cache {token}")
    probe = (
        "import atexit, sys\n"
        "atexit.register(lambda: print('RENDER_LOADED', 'digest_publisher.render' in sys.modules, file=sys.stderr))\n"
        "from digest_publisher.cli import main\n"
        f"sys.argv = ['digest-publisher', 'publish', {slug!r}]\n"
        "main()\n"
    )

    def publish() -> tuple[str, bool]:
        env = {**os.environ, **_env(wp_lab, wp_lab.admin, posts)}
        done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout.split()[0], "RENDER_LOADED True" in done.stderr

    assert publish() == ("created", True)
    assert publish() == ("unchanged", False)
    post_md = posts / slug / "post.md"
    post_md.write_text(post_md.read_text(encoding="utf-8").replace("cheap.", "cheap enough."), encoding="utf-8")
    assert publish() == ("updated", True)
    assert publish() == ("unchanged", False)


def test_publish_json_dry_run_status_and_check_through_the_cli(
    wp_lab: Lab, admin_rest: Rest, token: str, tmp_path: Path
) -> None:
    posts = tmp_path / "posts"
    slug = f"cli-{token}"
    category = f"CLI {token}"
    _write(posts, slug, "Post-Training Is the New Pre-Training", category)
    env = _env(wp_lab, wp_lab.admin, posts)
    outputs: list[str] = []

    created = run_cli(env, "publish", slug)
    outputs += [created.stdout, created.stderr]
    assert created.exit_code == 0, created.output
    assert created.stdout.startswith("created post ") and "(draft) via rest: " in created.stdout
    post_id = int(created.stdout.split()[2])
    remote = admin_rest.get(f"posts/{post_id}?context=edit")
    assert remote["title"]["raw"] == "Post-Training Is the New Pre-Training" and remote["featured_media"] > 0
    assert "<h2" in remote["content"]["rendered"] and "##" not in remote["content"]["rendered"]

    shown = run_cli(env, "publish", slug, "--json")
    outputs += [shown.stdout, shown.stderr]
    assert shown.exit_code == 0 and "unchanged" in shown.stderr
    assert json.loads(shown.stdout)["id"] == post_id  # the server's post object, as last fetched

    _write(posts, slug, "A changed title", category)
    record_before = (posts / slug / "record.json").read_bytes()
    dry = run_cli(env, "publish", slug, "--dry-run", "--status", "publish")
    outputs += [dry.stdout, dry.stderr]
    assert dry.exit_code == 0, dry.output
    # the update as it would go: only the fields the verification reads are asked for in the answer
    assert re.search(rf"^POST \S+/wp/v2/posts/{post_id}\?_fields=id\S*  \[NOT sent \(dry run\)\]$", dry.stdout, re.M)
    assert '"title": "A changed title"' in dry.stdout and '"status": "publish"' in dry.stdout
    assert "[sent (read-only)]" in dry.stdout
    assert (posts / slug / "record.json").read_bytes() == record_before
    assert admin_rest.get(f"posts/{post_id}?context=edit")["title"]["raw"] != "A changed title"

    status = run_cli(env, "status", "--json")
    outputs += [status.stdout, status.stderr]
    shown_status = json.loads(status.stdout)
    assert status.exit_code == 0 and shown_status["exit_code"] == 0 and shown_status["error"] is None
    (row,) = shown_status["posts"]
    assert row["slug"] == slug and row["wordpress_id"] == post_id and row["status"] == "draft"
    assert row["local"] == "changed" and row["remote"] == "same"

    check = run_cli(env, "check")
    outputs += [check.stdout, check.stderr]
    assert check.exit_code == 0 and check.stdout.startswith(f"OK: {admin_rest.site_name()} ({wp_lab.url.rstrip('/')})")

    written = [p.read_bytes().decode("utf-8", "replace") for p in posts.rglob("*") if p.is_file()]
    for secret in secrets_of(wp_lab):
        assert all(secret not in text for text in outputs + written), "a credential leaked"


def _main(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("WORDPRESS_")}
    return subprocess.run(
        [sys.executable, "-m", "digest_publisher", *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_errors_reach_the_user_as_one_line_without_secrets(wp_lab: Lab, token: str, tmp_path: Path) -> None:
    posts = tmp_path / "posts"
    slug = f"cli-err-{token}"
    _write(posts, slug, "Errors", f"Nope {token}")

    missing = _main({"DIGEST_NO_DOTENV": "1"}, "publish", slug, "--posts-dir", str(posts))
    assert missing.returncode == 1
    assert "missing WORDPRESS_URL, WORDPRESS_USERNAME, WORDPRESS_APP_PASSWORD" in missing.stderr

    # The author may not create the post's new category: refused before anything is written.
    refused = _main(_env(wp_lab, wp_lab.author, posts), "publish", slug)
    assert refused.returncode == 1 and refused.stderr.startswith("Error: post ")
    assert "may not create categories" in refused.stderr and "Traceback" not in refused.stderr

    wrong = {**_env(wp_lab, wp_lab.author, posts), "WORDPRESS_APP_PASSWORD": "qqqq rrrr ssss tttt uuuu vvvv"}
    denied = _main(wrong, "check")
    assert denied.returncode == 1 and "PROBLEM [wrong-credentials]" in denied.stdout

    texts = [missing.stdout, missing.stderr, refused.stdout, refused.stderr, denied.stdout, denied.stderr]
    texts += [p.read_bytes().decode("utf-8", "replace") for p in posts.rglob("*") if p.is_file()]
    for secret in [*secrets_of(wp_lab), "qqqq rrrr ssss tttt uuuu vvvv", "qqqqrrrrsssstttt"]:
        assert all(secret not in text for text in texts)
    assert not (posts / slug / "record.json").exists()
