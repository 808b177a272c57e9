"""Shortcode-like text in a post stays text on the page, also after a person saves the post in WordPress's
block editor (real WordPress 6.1 and 6.8, headless Chromium).

WordPress's own shortcodes are sent with doubled brackets (``[[gallery]]``, see render/sanitize.py): plain
text that the editor saves unchanged and that ``do_shortcode`` shows as ``[gallery]``. The control shows what
this replaces: ``&#091;gallery]`` reads right until the editor saves it as ``[gallery]``, which then runs.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from digest_publisher.records.record import load_record
from tests.integration.test_published_posts import needs_chromium
from tests.render.block_editor import BlockEditor
from tests.republish.rephelpers import run_cli
from tests.wp_lab import WordPressLab

pytestmark = [pytest.mark.wordpress, pytest.mark.browser]

# 127.0.0.1:9 (discard): an [embed] that ran would show a link to it (WordPress fetches nothing local).
CLIP = "http://127.0.0.1:9/clip"
BODY = f"Shortcodes as text: [gallery], [embed]{CLIP}[/embed] and [caption]a caption[/caption].\n"
SHOWN = ("[gallery]", f"[embed]{CLIP}[/embed]", "[caption]a caption[/caption]")
TYPED = " Edited by a person."


@pytest.fixture(scope="module")
def editor(wp_lab: WordPressLab) -> Iterator[BlockEditor]:
    with BlockEditor(wp_lab.url, wp_lab.admin.username, wp_lab.admin.password) as opened:
        yield opened


def _page_text(editor: BlockEditor, link: str) -> tuple[str, str]:
    """The post's page as a reader's browser shows it: (visible text, HTML)."""
    page = editor.page
    page.goto(link, wait_until="domcontentloaded")
    return page.inner_text("body"), page.content()


def _edit_in_editor(editor: BlockEditor, session: requests.Session, url: str, post_id: int) -> str:
    """Open the post in the block editor, type a few words (the editor then re-serialises every block),
    click Update; return the content WordPress stored."""
    verdict = editor.check_post(post_id)
    assert verdict.invalid == [] and verdict.migrated == [], verdict
    editor.append_to_first_paragraph(TYPED)
    editor.save()
    stored = session.get(f"{url}/?rest_route=/wp/v2/posts/{post_id}&context=edit", timeout=60)
    stored.raise_for_status()
    return str(stored.json()["content"]["raw"])


@needs_chromium
def test_shortcode_text_survives_the_block_editor_and_shows_as_text(
    wp_lab: WordPressLab, editor: BlockEditor, tmp_path: Path
) -> None:
    slug = f"shortcodes-{uuid.uuid4().hex[:8]}"
    folder = tmp_path / "posts" / slug
    folder.mkdir(parents=True)
    (folder / "post.md").write_text(f"---\ntitle: Shortcodes {slug}\n---\n\n{BODY}", encoding="utf-8")
    env = {"WORDPRESS_URL": wp_lab.url, "WORDPRESS_USERNAME": wp_lab.admin.username,
           "WORDPRESS_APP_PASSWORD": wp_lab.admin.app_password, "DIGEST_NO_DOTENV": "1",
           "DIGEST_POSTS_DIR": str(tmp_path / "posts")}  # fmt: skip
    session = wp_lab.session(wp_lab.admin)
    post_ids: list[int] = []
    try:
        done = run_cli(env, "publish", slug, "--status", "publish")
        assert done.exit_code == 0, done.output
        post_id = int(done.stdout.split()[2])
        post_ids.append(post_id)
        record = load_record(folder)
        assert record is not None and record.link and record.last_response is not None

        # The preview (render.json, preview.html) shows what WordPress shows.
        assert run_cli(env, "render", slug, "--wp-version", wp_lab.wp_version).exit_code == 0
        previewed = json.loads((folder / "render.json").read_text(encoding="utf-8"))
        assert previewed["content"]["rendered"] == record.last_response["content"]["rendered"]
        preview = (folder / "preview.html").read_text(encoding="utf-8")
        assert all(text in preview for text in SHOWN), preview

        text, _ = _page_text(editor, record.link)
        assert all(shown in text for shown in SHOWN), text
        assert "[[" not in text

        saved = _edit_in_editor(editor, session, wp_lab.url, post_id)
        assert TYPED.strip() in saved and "[[gallery]]" in saved  # the editor kept the escape

        text, page = _page_text(editor, record.link)
        assert all(shown in text for shown in SHOWN), text
        assert TYPED.strip() in text and "[[" not in text
        assert not re.search(r"class=['\"][^'\"]*\bgallery\b|<a [^>]*href=['\"]" + re.escape(CLIP), page)

        # The control: the old escape, "&#091;", reads right until the editor saves it; then the shortcode runs.
        made = session.post(
            f"{wp_lab.url}/?rest_route=/wp/v2/posts",
            json={
                "title": f"Control {slug}",
                "status": "publish",
                "content": "<!-- wp:paragraph -->\n<p>Shortcodes as text: &#091;gallery] and "
                f"&#091;embed]{CLIP}&#091;/embed].</p>\n<!-- /wp:paragraph -->",
            },
            timeout=60,
        )
        assert made.status_code == 201, made.text[:300]
        control = made.json()
        post_ids.append(int(control["id"]))
        before, _ = _page_text(editor, control["link"])
        assert "[gallery]" in before
        saved = _edit_in_editor(editor, session, wp_lab.url, int(control["id"]))
        assert "&#091;" not in saved and "[gallery]" in saved
        after, _ = _page_text(editor, control["link"])
        assert "[gallery]" not in after and f"[embed]{CLIP}" not in after
    finally:
        for post_id in post_ids:
            session.delete(f"{wp_lab.url}/?rest_route=/wp/v2/posts/{post_id}&force=true", timeout=60)
        session.close()
