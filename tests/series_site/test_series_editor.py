"""The index page and a post's "More in the series" footer in WordPress's real block editor (headless chromium):
every block valid and current, and the editor would save exactly what was sent (canonical)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from digest_publisher.publishing.series_site import SeriesMember
from tests.publishing.pubhelpers import settings_for
from tests.render.block_editor import BlockEditor
from tests.series_site.serieshelpers import run_series
from tests.wp_lab import WordPressLab

pytestmark = [pytest.mark.wordpress, pytest.mark.browser]


@pytest.fixture(scope="module")
def editor(wp_lab: WordPressLab) -> Iterator[BlockEditor]:
    with BlockEditor(wp_lab.url, wp_lab.admin.username, wp_lab.admin.password) as opened:
        yield opened


def test_the_page_and_the_footers_are_valid_canonical_blocks(
    wp_lab: WordPressLab, editor: BlockEditor, members: Callable[..., list[SeriesMember]], posts: Path, token: str
) -> None:
    report = run_series(members("03", "07"), settings_for(wp_lab, wp_lab.admin), posts,
                        wp_version=wp_lab.wp_version, page_slug=f"series-{token}")  # fmt: skip
    assert report.ok, report.lines()

    page = editor.check_post(int(report.page.wordpress_id or 0))
    assert page.valid and page.invalid == [] and page.migrated == [] and page.dom_warnings == []
    assert "core/table" in page.names()
    assert page.canonical  # the editor would save the page unchanged
    for member in report.members:
        post = editor.check_post(int(member.wordpress_id or 0))
        assert post.valid and post.invalid == [] and post.migrated == [], member.slug
        assert post.canonical, member.slug
        assert "More in the series" in post.raw and {"core/heading", "core/list"} <= post.names()
