"""The render cache (records/render_cache.py): an unchanged folder is not rendered again, and any change to
what the render reads (post.md, papers.json, the featured image file, the site, the markup version, the
format, the topic label, the clock for a dated post) gives a fresh render, identical to an uncached one."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PIL import Image

from digest_publisher.pipeline import render_for_site
from digest_publisher.records.render_cache import CACHE_FILE
from tests.helpers import TOPICS
from tests.paths import REPO_ROOT

from .conftest import BACKFILL, NASTY


def _render(folder: Path, cache: str = "use", **kw: str) -> object:
    return render_for_site(folder, topics_path=TOPICS, cache=cache, **kw)[1]  # type: ignore[arg-type]


def test_a_cached_render_is_the_fresh_render(posts_dir: Path) -> None:
    folder = posts_dir / BACKFILL
    fresh = render_for_site(folder, topics_path=TOPICS)[1]
    assert not (folder / CACHE_FILE).exists(), "cache 'off' must not write"
    first = _render(folder)
    assert (folder / CACHE_FILE).is_file()
    again = _render(folder)
    assert first == fresh and again == fresh  # title, content, image bytes, post object, warnings


def test_an_unchanged_folder_is_not_rendered_again(posts_dir: Path) -> None:
    """In a new process (as the next command meets it), the cached render comes back without the render
    stage being imported at all; after post.md changes, it is rendered again."""
    folder = posts_dir / BACKFILL
    _render(folder)
    probe = textwrap.dedent(f"""
        import json, sys
        from pathlib import Path
        from digest_publisher.pipeline import render_for_site
        _, post = render_for_site(Path({str(folder)!r}), topics_path=Path({str(TOPICS)!r}), cache="use")
        print(json.dumps({{"render_loaded": "digest_publisher.render" in sys.modules, "title": post.title}}))
    """)

    def run() -> dict[str, object]:
        done = subprocess.run([sys.executable, "-c", probe], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
        return dict(json.loads(done.stdout))

    assert run() == {"render_loaded": False, "title": render_for_site(folder, topics_path=TOPICS)[1].title}
    post_md = folder / "post.md"
    post_md.write_text(post_md.read_text(encoding="utf-8").replace("\n## ", "\n## Changed ", 1), encoding="utf-8")
    assert run()["render_loaded"] is True


@pytest.mark.parametrize(
    "change",
    ["post.md", "papers.json", "site_url", "wp_version", "content_format", "topic_label"],
)
def test_any_input_that_changes_gives_a_fresh_render(posts_dir: Path, tmp_path: Path, change: str) -> None:
    folder = posts_dir / BACKFILL
    kw: dict[str, str] = {"site_url": "https://one.example", "wp_version": "6.8", "content_format": "blocks"}
    if change == "site_url":  # the site's URL shows only in the :mrgreen: smiley's image
        post_md = folder / "post.md"
        post_md.write_text(post_md.read_text(encoding="utf-8") + "\nWell done :mrgreen:\n", encoding="utf-8")
    before = _render(folder, **kw)
    topics = TOPICS
    if change == "post.md":
        post_md = folder / "post.md"
        text = post_md.read_text(encoding="utf-8")
        at = text.index("\n## ") + 4  # one letter of a heading changed: same size, other bytes
        post_md.write_text(text[:at] + ("Q" if text[at] != "Q" else "R") + text[at + 1 :], encoding="utf-8")
    elif change == "papers.json":
        papers = json.loads((folder / "papers.json").read_text(encoding="utf-8"))
        papers[0]["title"] = "A title changed in papers.json"
        (folder / "papers.json").write_text(json.dumps(papers), encoding="utf-8")
    elif change == "site_url":
        kw["site_url"] = "https://two.example"
    elif change == "wp_version":
        kw["wp_version"] = "6.1"
    elif change == "content_format":
        kw["content_format"] = "classic"
    else:
        topics = tmp_path / "topics.toml"
        topics.write_text(TOPICS.read_text(encoding="utf-8").replace("RL & Post-Training", "RL and Post-Training"))
    cached = render_for_site(folder, topics_path=topics, cache="use", **kw)[1]
    assert cached == render_for_site(folder, topics_path=topics, **kw)[1]  # type: ignore[arg-type]
    assert cached != before


def test_a_changed_featured_image_file_gives_a_fresh_render(posts_dir: Path) -> None:
    folder = posts_dir / NASTY
    cover = folder / "cover.png"
    Image.new("RGB", (120, 63), (20, 40, 80)).save(cover, format="PNG")
    post_md = folder / "post.md"
    text = post_md.read_text(encoding="utf-8")
    post_md.write_text(text.replace("featured_image: generated", "featured_image: cover.png", 1), encoding="utf-8")
    first = _render(folder)
    size = cover.stat().st_size
    Image.new("RGB", (120, 63), (80, 40, 20)).save(cover, format="PNG")  # another colour
    second = render_for_site(folder, topics_path=TOPICS, cache="use")[1]
    assert second.featured_image is not None and first != second
    assert second.featured_image.data == cover.read_bytes() and len(second.featured_image.data) == size


def test_a_post_dated_in_the_future_is_always_rendered(posts_dir: Path) -> None:
    """Scheduled now, published once its date has passed: such a post never comes from the cache."""
    folder = posts_dir / NASTY
    post_md = folder / "post.md"
    text = post_md.read_text(encoding="utf-8")
    post_md.write_text(text.replace("---\n", "---\ndate: '2099-01-01T00:00:00Z'\n", 1), encoding="utf-8")
    _render(folder)
    assert not (folder / CACHE_FILE).exists()


@pytest.mark.parametrize("damage", ["torn", "other format", "image swapped"])
def test_a_damaged_cache_is_rendered_again(posts_dir: Path, damage: str) -> None:
    folder = posts_dir / BACKFILL
    fresh = _render(folder)
    cache = folder / CACHE_FILE
    if damage == "torn":
        cache.write_text(cache.read_text(encoding="utf-8")[:500], encoding="utf-8")
    else:
        data = json.loads(cache.read_text(encoding="utf-8"))
        if damage == "other format":
            data["format"] = 0
            data["post"]["title"] = "from an older version"
        else:
            data["post"]["featured_image"]["data"] = "iVBORw0KGgo="  # sha256 no longer matches
        cache.write_text(json.dumps(data), encoding="utf-8")
    assert _render(folder) == fresh
    assert json.loads(cache.read_text(encoding="utf-8"))["format"] == 1  # and the cache is rewritten


def test_a_dry_run_reuses_the_cache_and_writes_nothing(posts_dir: Path) -> None:
    """"read" (publish/republish --dry-run): a cached render is used, a fresh one is not kept."""
    folder = posts_dir / BACKFILL
    _render(folder, cache="read")
    assert not (folder / CACHE_FILE).exists()
    _render(folder, cache="use")
    cache = folder / CACHE_FILE
    data = json.loads(cache.read_text(encoding="utf-8"))
    data["post"]["title"] = "Marked in the cache"
    cache.write_text(json.dumps(data), encoding="utf-8")
    before = cache.read_bytes()
    assert render_for_site(folder, topics_path=TOPICS, cache="read")[1].title == "Marked in the cache"
    assert render_for_site(folder, topics_path=TOPICS, cache="refresh")[1].title != "Marked in the cache"
    assert cache.read_bytes() != before


def test_the_code_fingerprint_changes_with_any_source_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A source edited in place (same size, new modification time), added or removed gives another
    fingerprint; an untouched tree the same one."""
    import os

    from digest_publisher.records import render_cache

    package = tmp_path / "pkg"
    (package / "render").mkdir(parents=True)
    module = package / "render" / "parser.py"
    module.write_text("RULE = 1\n", encoding="utf-8")
    monkeypatch.setattr(render_cache, "PACKAGE_DIR", package)

    def fingerprint() -> str:
        render_cache.code_fingerprint.cache_clear()
        return render_cache.code_fingerprint()

    first = fingerprint()
    assert fingerprint() == first
    stat = module.stat()
    module.write_text("RULE = 2\n", encoding="utf-8")  # same size
    os.utime(module, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    edited = fingerprint()
    assert edited != first
    (package / "render" / "extra.py").write_text("", encoding="utf-8")
    added = fingerprint()
    assert added not in (first, edited)
    (package / "render" / "extra.py").unlink()
    assert fingerprint() == edited
    render_cache.code_fingerprint.cache_clear()
