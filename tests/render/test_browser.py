"""In a real browser (Debian's chromium, headless, via playwright): the preview page, and the block editor.

* The preview page is screenshotted at desktop and phone width (into the test's tmp dir; with
  ``SAVE_PREVIEW_PNG=docs/preview.png`` the desktop shot is also saved there for the README) and must
  not overflow a phone's width.
* Block-format fixture posts (both kinds, and the nasty one, which together hold every block type the
  converter emits), rendered for the lab's WordPress version, are published and opened in that version's
  block editor (``wp_lab`` runs on 6.1 and 6.8): every block, inner blocks included, must be valid and
  current (not freeform, not missing, not migrated from a deprecated version) and ``serialize(parse(content))``
  must give back exactly what WordPress stored.
* The markup of the other version is not canonical there: the per-version markup is needed.
* Clicking Update without a change is no human edit for :func:`same_apart_from_migration`, whatever the
  editor did to the other version's markup; the version's own markup is saved unchanged; a typed word is an
  edit, and the normal form isolates it from the migration of the rest.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from digest_publisher.render import kses_normalize, render_post, write_preview
from digest_publisher.wordpress.migration import normal_form, same_apart_from_migration
from tests.wp_lab import WordPressLab

from .block_editor import CHROMIUM, CHROMIUM_ARGS, BlockEditor, playwright_session
from .conftest import BACKFILL, BRIEF, FIXTURES, NASTY, NOW, load_fixture

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (apt-get install chromium)"),
]

BLOCK_TYPES = {
    "core/paragraph", "core/heading", "core/list", "core/list-item", "core/quote", "core/separator",
    "core/table", "core/code", "core/image", "core/html",
}  # fmt: skip


@pytest.fixture
def fixture_posts(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURES, tmp_path / "posts")
    return tmp_path / "posts"


@pytest.mark.parametrize(("width", "height", "name"), [(1280, 900, "desktop"), (390, 844, "phone")])
def test_preview_page_screenshots(fixture_posts: Path, tmp_path: Path, width: int, height: int, name: str) -> None:
    folder = load_fixture(fixture_posts, BACKFILL)
    label = "07 - RL & Post-Training"
    page_file = write_preview(folder, render_post(folder, now=NOW, topic_label=label), topic_label=label)
    shot = tmp_path / f"preview-{name}.png"
    requests_seen: list[str] = []
    with playwright_session() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.on("request", lambda request: requests_seen.append(request.url))
            page.route("http*://**/*", lambda route: route.abort())  # the page must need no network
            page.goto(page_file.as_uri(), wait_until="load")
            page.screenshot(path=str(shot), full_page=False)
            overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            title = page.inner_text("h1.entry-title")
            img_width = page.evaluate(
                "() => document.querySelector('.post-thumbnail img').getBoundingClientRect().width"
            )
            table_scrolls = page.evaluate("() => getComputedStyle(document.querySelector('.wp-block-table')).overflowX")
            if name == "desktop" and os.environ.get("SAVE_PREVIEW_PNG"):
                target = Path(os.environ["SAVE_PREVIEW_PNG"])
                target.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(target), full_page=False)
        finally:
            browser.close()
    assert shot.stat().st_size > 20_000
    assert overflow <= 0, f"the page is {overflow}px wider than a {width}px screen"
    assert title.startswith("Post-Training Is the New Pre-Training")
    assert 0 < img_width <= width
    assert table_scrolls == "auto"
    # Only the page itself (file://) and its inline data: image; the content's arXiv links are not fetched.
    assert all(url.startswith(("file://", "data:")) for url in requests_seen), requests_seen


@pytest.fixture(scope="module")
def editor(wp_lab: WordPressLab) -> Iterator[BlockEditor]:
    with BlockEditor(wp_lab.url, wp_lab.admin.username, wp_lab.admin.password) as opened:
        yield opened


@pytest.mark.wordpress
@pytest.mark.parametrize("role", ["admin", "author"])
def test_block_posts_are_valid_and_canonical_in_the_editor(
    wp_lab: WordPressLab, editor: BlockEditor, fixture_posts: Path, role: str
) -> None:
    """Published as the admin (stored as sent) and as an author (kses rewrites ``/>`` as `` />`` and pads
    ``&#91;`` to ``&#091;`` on save: valid and current, but the editor would save its own spelling)."""
    user = wp_lab.admin if role == "admin" else wp_lab.author
    session = wp_lab.session(user)
    created: list[int] = []
    seen: set[str] = set()
    try:
        for slug in (BACKFILL, BRIEF, NASTY):
            rendered = render_post(
                load_fixture(fixture_posts, slug), now=NOW, site_url=wp_lab.url, wp_version=wp_lab.wp_version
            )
            response = session.post(
                f"{wp_lab.url}/?rest_route=/wp/v2/posts",
                json={"title": rendered.title, "content": rendered.content, "status": "publish"},
                timeout=60,
            )
            assert response.status_code == 201, response.text[:300]
            created.append(int(response.json()["id"]))
            result = editor.check_post(created[-1])
            seen |= result.names()
            stored = rendered.content if role == "admin" else kses_normalize(rendered.content)
            assert result.raw == stored
            assert result.invalid == [], f"{slug}: {result.invalid}"
            assert result.migrated == [], f"{slug}: {result.migrated}"
            assert result.dom_warnings == []
            # What the editor would save: exactly what the admin sent, the nasty post's shortcode-like text
            # included (WordPress's own shortcodes are escaped as "[[gallery]]": plain text to the editor).
            # For the author that is also what kses changed on save: the editor spells it back.
            assert result.serialized == rendered.content, f"{slug}: serialize(parse(content)) differs"
        assert seen >= BLOCK_TYPES, f"block types never exercised: {BLOCK_TYPES - seen}"
    finally:
        for post_id in created:
            session.delete(f"{wp_lab.url}/?rest_route=/wp/v2/posts/{post_id}&force=true", timeout=60)
        session.close()


@pytest.mark.wordpress
def test_the_other_versions_markup_is_not_canonical(
    wp_lab: WordPressLab, editor: BlockEditor, fixture_posts: Path
) -> None:
    """Why the markup depends on the version: in 6.8 the 6.1 heading and list are valid only through a
    deprecated version (the editor migrates them) and the 6.1 table is re-saved with its layout attribute;
    in 6.1 the 6.8 classes are extra class names the editor would move into the comment."""
    other = "6.1" if wp_lab.wp_version == "6.8" else "6.8"
    content = render_post(load_fixture(fixture_posts, BACKFILL), now=NOW, wp_version=other).content
    editor.check_post(_any_post(wp_lab))  # the core blocks are registered on an editor page
    result = editor.check_markup(content)
    assert result.invalid == []
    assert not result.canonical
    if wp_lab.wp_version == "6.8":
        migrated = {line.split(":")[-1].split(" ")[0] for line in result.migrated}
        assert migrated == {"core/heading", "core/list"}, result.migrated
        assert '<!-- wp:table {"hasFixedLayout":false} -->' in result.serialized
    else:
        assert '"className":"wp-block-heading"' in result.serialized
    # The version's own markup is canonical in the same page.
    own = render_post(load_fixture(fixture_posts, BACKFILL), now=NOW, wp_version=wp_lab.wp_version).content
    assert editor.check_markup(own).canonical


def _any_post(lab: WordPressLab) -> int:
    """The id of some post of the lab (WordPress installs with "Hello world!")."""
    with lab.session(lab.admin) as session:
        response = session.get(f"{lab.url}/?rest_route=/wp/v2/posts&per_page=1&_fields=id", timeout=60)
        response.raise_for_status()
        posts = response.json()
        if posts:
            return int(posts[0]["id"])
        made = session.post(f"{lab.url}/?rest_route=/wp/v2/posts", json={"title": "x", "status": "draft"}, timeout=60)
        made.raise_for_status()
        return int(made.json()["id"])


@pytest.mark.wordpress
def test_an_update_without_changes_is_no_edit_and_a_typed_word_is_only_that(
    wp_lab: WordPressLab, editor: BlockEditor, fixture_posts: Path
) -> None:
    """Measured: 6.1's editor re-saves 6.8's markup in its own spelling on Update; 6.8's editor sends the
    stored content back unchanged when no block changed, but as soon as a person types anything every block
    is re-serialized, migrated ones included. Either way the normal form sees only what the person did."""
    other = "6.1" if wp_lab.wp_version == "6.8" else "6.8"
    folder = load_fixture(fixture_posts, BACKFILL)
    session = wp_lab.session(wp_lab.admin)
    created: list[int] = []

    def publish_and_update(content: str, typed: str = "") -> tuple[str, bool]:
        """The raw content after the editor's Update, and whether modified_gmt moved."""
        response = session.post(
            f"{wp_lab.url}/?rest_route=/wp/v2/posts",
            json={"title": "migration", "content": content, "status": "publish", "date_gmt": "2026-01-02T03:04:05"},
            timeout=60,
        )
        assert response.status_code == 201, response.text[:300]
        created.append(int(response.json()["id"]))
        editor.check_post(created[-1])
        if typed:
            editor.append_to_first_paragraph(typed)
        editor.save()
        stored = session.get(f"{wp_lab.url}/?rest_route=/wp/v2/posts/{created[-1]}&context=edit", timeout=60)
        stored.raise_for_status()
        data = stored.json()
        return str(data["content"]["raw"]), data["modified_gmt"] != response.json()["modified_gmt"]

    try:
        sent_other = render_post(folder, now=NOW, wp_version=other).content
        saved, moved = publish_and_update(sent_other)
        assert moved  # by date alone, this Update looks like an edit
        assert same_apart_from_migration(sent_other, saved)  # by content, it is none
        if wp_lab.wp_version == "6.1":
            assert saved != sent_other and '"className":"wp-block-heading"' in saved
        else:
            assert saved == sent_other

        own = render_post(folder, now=NOW, wp_version=wp_lab.wp_version).content
        assert publish_and_update(own)[0] == own  # the version's own markup comes back unchanged

        typed = " Edited by a person."
        edited, _ = publish_and_update(sent_other, typed=typed)
        assert not same_apart_from_migration(sent_other, edited)
        # The person's edit and nothing else: the first paragraph has the words, the rest only migrated.
        cut = sent_other.index("</p>")
        assert normal_form(edited) == normal_form(sent_other[:cut] + typed + sent_other[cut:])
        if wp_lab.wp_version == "6.8":
            assert '<h2 class="wp-block-heading">' in edited  # everything was re-serialized, migrated
    finally:
        for post_id in created:
            session.delete(f"{wp_lab.url}/?rest_route=/wp/v2/posts/{post_id}&force=true", timeout=60)
        session.close()
