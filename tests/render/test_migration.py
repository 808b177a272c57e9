"""The normal form that tells an editor's migration of our markup from a person's edit (without a site; the
real editors' re-saves are in test_browser.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest_publisher.render import kses_normalize, markdown_to_blocks, render_post
from digest_publisher.wordpress.migration import normal_form, same_apart_from_migration

from .conftest import BACKFILL, FIXTURE_SLUGS, NOW, load_fixture


def _both(posts_dir: Path, slug: str) -> tuple[str, str]:
    folder = load_fixture(posts_dir, slug)
    return (
        render_post(folder, now=NOW, wp_version="6.1").content,
        render_post(folder, now=NOW, wp_version="6.8").content,
    )


def _as_61_editor_saves(markup_68: str) -> str:
    """What 6.1's editor saves for 6.8's markup (measured, block-editor notes §5): the extra classes move into
    the comment's ``className``, the table's layout attribute is 6.1's default and goes."""
    out = re.sub(
        r"<!-- wp:heading( \{(.*?)\})? -->",
        lambda m: (
            "<!-- wp:heading {" + (m.group(2) + "," if m.group(2) else "") + '"className":"wp-block-heading"} -->'
        ),
        markup_68,
    )
    out = re.sub(
        r"<!-- wp:list( \{(.*?)\})? -->",
        lambda m: "<!-- wp:list {" + (m.group(2) + "," if m.group(2) else "") + '"className":"wp-block-list"} -->',
        out,
    )
    return out.replace('<!-- wp:table {"hasFixedLayout":false} -->', "<!-- wp:table -->")


@pytest.mark.parametrize("slug", FIXTURE_SLUGS)
def test_one_post_in_every_versions_spelling_has_one_normal_form(posts_dir: Path, slug: str) -> None:
    old, new = _both(posts_dir, slug)
    assert old != new
    forms = {
        normal_form(spelling)
        for spelling in (old, new, kses_normalize(old), kses_normalize(new), _as_61_editor_saves(new))
    }
    assert len(forms) == 1
    assert same_apart_from_migration(old, new) and same_apart_from_migration(kses_normalize(new), old)


def test_the_normal_form_keeps_the_text_and_the_structure(posts_dir: Path) -> None:
    old, _ = _both(posts_dir, BACKFILL)
    form = normal_form(old)
    assert "<!-- wp:heading -->\n<h2>Credit Assignment Comes First</h2>\n<!-- /wp:heading -->" in form
    assert '<!-- wp:list -->\n<ul><!-- wp:list-item -->\n<li>token-level advantages (<a href="https://arxiv' in form
    assert '<!-- wp:table -->\n<figure class="wp-block-table"><table><thead>' in form


@pytest.mark.parametrize(
    ("edit", "why"),
    [
        (lambda c: c.replace("Credit Assignment Comes First", "Credit Assignment Comes Last", 1), "a word"),
        (lambda c: c.replace("https://arxiv.org/abs/2605.18529", "https://arxiv.org/abs/2605.18530", 1), "a link"),
        (
            lambda c: c.replace(
                '<!-- wp:heading -->\n<h2 class="wp-block-heading">Credit',
                '<!-- wp:heading {"level":3} -->\n<h3 class="wp-block-heading">Credit',
                1,
            ).replace("Comes First</h2>", "Comes First</h3>", 1),
            "a heading level",
        ),
        (
            lambda c: c.replace(
                '<!-- wp:table {"hasFixedLayout":false} -->\n<figure class="wp-block-table"><table>',
                '<!-- wp:table -->\n<figure class="wp-block-table"><table class="has-fixed-layout">',
                1,
            ),
            "a fixed table layout",
        ),
        (
            lambda c: c.replace(
                '<!-- wp:heading -->\n<h2 class="wp-block-heading">Credit',
                '<!-- wp:heading {"className":"is-style-fancy"} -->\n'
                '<h2 class="wp-block-heading is-style-fancy">Credit',
                1,
            ),
            "a block style",
        ),
        (lambda c: c.replace("&#91;", "&lt;", 1) if "&#91;" in c else c + "x", "an escaped character"),
    ],
)
def test_a_human_edit_is_not_a_migration(posts_dir: Path, edit: object, why: str) -> None:
    old, new = _both(posts_dir, BACKFILL)
    assert callable(edit)
    edited = edit(new)
    assert edited != new, f"the {why} edit did not apply"
    assert not same_apart_from_migration(new, edited), why
    assert not same_apart_from_migration(old, edited), why


_WORDS = st.text(alphabet=st.sampled_from("abcxyz ['\"&<>-é中"), min_size=1, max_size=12).map(str.strip).filter(bool)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.one_of(
            _WORDS.map(lambda w: f"## {w}"),
            _WORDS.map(lambda w: f"### {w}"),
            st.lists(_WORDS, min_size=1, max_size=3).map(lambda ws: "\n".join(f"- {w}" for w in ws)),
            st.lists(_WORDS, min_size=1, max_size=3).map(lambda ws: "\n".join(f"3. {w}" for w in ws)),
            _WORDS.map(lambda w: f"> {w}"),
            _WORDS.map(lambda w: f"| A | B |\n|---|--:|\n| {w} | 1 |"),
            _WORDS.map(lambda w: f"```\n{w} [x]\n```"),
            _WORDS,
        ),
        min_size=1,
        max_size=6,
    )
)
def test_any_markdown_has_one_normal_form_across_versions(parts: list[str]) -> None:
    markdown = "\n\n".join(parts)
    old, new = markdown_to_blocks(markdown, wp_version="6.1"), markdown_to_blocks(markdown, wp_version="6.8")
    assert normal_form(old) == normal_form(new) == normal_form(kses_normalize(new))
    # Changing the text is always seen.
    assert normal_form(markdown_to_blocks(markdown + "\n\nmore", wp_version="6.8")) != normal_form(old)
