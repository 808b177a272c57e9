"""``digest-publisher render`` and ``preview`` through the real CLI (click's runner and a subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from digest_publisher.cli import cli
from digest_publisher.render import make_preview_server
from digest_publisher.render.dryrun import POST_KEYS
from digest_publisher.topics import topic_label

from .conftest import BACKFILL, BRIEF

REPO = Path(__file__).resolve().parents[2]


def _env() -> dict[str, str]:
    return {"DIGEST_NO_DOTENV": "1", "WORDPRESS_URL": ""}


def test_render_json_prints_the_post_object(posts_dir: Path) -> None:
    result = CliRunner().invoke(cli, ["render", BRIEF, "--json", "--posts-dir", str(posts_dir)], env=_env())
    assert result.exit_code == 0, result.output
    obj = json.loads(result.stdout)
    assert tuple(obj) == POST_KEYS
    assert obj["slug"] == BRIEF and obj["status"] == "draft"
    assert obj["content"]["rendered"].startswith("\n<p><em>Recent-paper synthesis")
    assert json.loads((posts_dir / BRIEF / "render.json").read_text(encoding="utf-8")) == obj
    assert (posts_dir / BRIEF / "preview.html").is_file() and (posts_dir / BRIEF / "featured.png").is_file()


def test_render_for_an_older_wordpress(posts_dir: Path) -> None:
    args = ["render", BRIEF, "--json", "--posts-dir", str(posts_dir)]
    current = CliRunner().invoke(cli, args, env=_env())
    old = CliRunner().invoke(cli, [*args, "--wp-version", "6.1"], env=_env())
    assert current.exit_code == 0 and old.exit_code == 0, current.output + old.output
    assert '<h2 class="wp-block-heading">Key Research Themes</h2>' in json.loads(current.stdout)["content"]["rendered"]
    old_obj = json.loads(old.stdout)
    assert "<h2>Key Research Themes</h2>" in old_obj["content"]["rendered"]
    assert tuple(old_obj) == tuple(key for key in POST_KEYS if key != "class_list")
    wrong = CliRunner().invoke(cli, [*args, "--wp-version", "latest"], env=_env())
    assert wrong.exit_code == 1
    assert "'latest' is not a WordPress version" in wrong.output


def test_render_a_markdown_file_in_classic_format(posts_dir: Path) -> None:
    post_md = posts_dir / BACKFILL / "post.md"
    result = CliRunner().invoke(cli, ["render", str(post_md), "--format", "classic"], env=_env())
    assert result.exit_code == 0, result.output
    assert f"Preview: {posts_dir / BACKFILL / 'preview.html'}" in result.output
    shown = json.loads((posts_dir / BACKFILL / "render.json").read_text(encoding="utf-8"))
    assert "<!-- wp:" not in shown["content"]["rendered"] and "<hr />" not in shown["content"]["rendered"]
    assert "<hr>" in shown["content"]["rendered"]


def test_posts_dir_comes_from_the_environment(posts_dir: Path) -> None:
    result = CliRunner().invoke(cli, ["preview", BRIEF], env={**_env(), "DIGEST_POSTS_DIR": str(posts_dir)})
    assert result.exit_code == 0, result.output
    assert result.output.strip() == str(posts_dir / BRIEF / "preview.html")


def test_posts_dir_comes_from_dotenv_in_the_current_folder_where_the_environment_wins(
    posts_dir: Path, tmp_path: Path
) -> None:
    """`preview` run where a .env names the posts folder: read unless DIGEST_NO_DOTENV=1; a variable already in
    the environment wins over the file."""
    cwd = tmp_path / "work"
    cwd.mkdir()
    env = {key: value for key, value in os.environ.items() if key not in ("DIGEST_NO_DOTENV", "DIGEST_POSTS_DIR")}

    def preview(*extra: tuple[str, str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "digest_publisher", "preview", BRIEF], capture_output=True, text=True, cwd=cwd,
            env={**env, "WORDPRESS_URL": "", **dict(extra)}, timeout=60, check=False,
        )  # fmt: skip

    assert "no post" in preview().stderr  # no .env: ./posts, which does not exist
    (cwd / ".env").write_text(f"DIGEST_POSTS_DIR={posts_dir}\n", encoding="utf-8")
    read = preview()
    assert read.returncode == 0, read.stderr
    assert read.stdout.strip() == str(posts_dir / BRIEF / "preview.html")
    assert "no post" in preview(("DIGEST_NO_DOTENV", "1")).stderr
    assert "no post" in preview(("DIGEST_POSTS_DIR", str(tmp_path / "elsewhere"))).stderr


def test_errors_are_one_line_with_a_next_step(posts_dir: Path, tmp_path: Path) -> None:
    post = posts_dir / BRIEF / "post.md"
    post.write_text(post.read_text(encoding="utf-8") + "\n## Run Metadata\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "digest_publisher", "render", BRIEF, "--posts-dir", str(posts_dir)],
        capture_output=True, text=True, cwd=tmp_path, env={**os.environ, **_env()}, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.startswith(f"Error: {post}: rendered content has 1 problem(s): empty section: heading ")
    assert "Fix the Markdown source" in done.stderr
    missing = subprocess.run(
        [sys.executable, "-m", "digest_publisher", "render", "no-such-post", "--posts-dir", str(posts_dir)],
        capture_output=True, text=True, cwd=tmp_path, env={**os.environ, **_env()}, timeout=60, check=False,
    )  # fmt: skip
    assert missing.returncode == 1 and "Error: no post 'no-such-post'" in missing.stderr


def test_topic_label_from_topics_toml_or_front_matter(tmp_path: Path) -> None:
    assert topic_label("07", tmp_path / "absent.toml") == "07"
    assert topic_label(None, tmp_path / "absent.toml") is None  # a hand-written post without a topic
    topics = REPO / "topics.toml"
    if topics.is_file():
        label = topic_label("07", topics)
        assert label is not None
        assert label.startswith("07 - "), label
        assert topic_label("no-such-topic", topics) == "no-such-topic"


def test_preview_server_serves_the_page_on_localhost(posts_dir: Path) -> None:
    result = CliRunner().invoke(cli, ["preview", BRIEF, "--posts-dir", str(posts_dir)], env=_env())
    assert result.exit_code == 0, result.output
    server = make_preview_server(posts_dir / BRIEF, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        assert host == "127.0.0.1"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/preview.html", timeout=10) as response:
            page = response.read().decode("utf-8")
        assert '<h1 class="entry-title">LLM Post-Train: Latest arXiv Summary' in page
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
            assert response.read().decode("utf-8") == page
        # Only the page and its card: the sources, the record and the folder listing stay private.
        for path in ("/post.md", "/papers.json", "/render.json", "/record.json", "/../post.md", "/%2e%2e/x",
                     "/.record.json", "/preview.html/", "/sub/preview.html"):
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10)
            refused.value.close()  # an HTTPError holds the open response (a socket, else left to the GC)
            assert refused.value.code == 404, path
        if (posts_dir / BRIEF / "featured.png").is_file():
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/featured.png", timeout=10) as response:
                assert response.read() == (posts_dir / BRIEF / "featured.png").read_bytes()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
