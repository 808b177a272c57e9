"""The series' footer and index page as the renderer makes them (no WordPress): the footer comes from
series.json beside post.md, never from post.md; every verb's render (the pipeline's one path) carries it; names
are shown as written; the index page lists each topic with its window, papers discussed and link."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest_publisher.drafting import edited_since_draft
from digest_publisher.errors import ConfigError, PostSourceError
from digest_publisher.pipeline import render_for_site
from digest_publisher.publishing.series_site import SeriesMember, default_page_slug, publish_series_site
from digest_publisher.records import SeriesLinks, SiblingLink, load_folder, save_series_links, write_post
from digest_publisher.render import IndexRow, index_page_content
from digest_publisher.render.serialize import to_blocks
from digest_publisher.render.series import FOOTER_HEADING, footer_blocks
from digest_publisher.wordpress.connection_settings import WordPressSettings
from digest_publisher.wordpress.site import Site
from tests.series_site.serieshelpers import SERIES, TOPICS

LINKS = SeriesLinks(
    series=SERIES,
    siblings=(
        SiblingLink("03", "Agents & Tool Use", "http://wp.test/?p=11"),
        SiblingLink("12", "Vision *Language* [Models] | VLM", "http://wp.test/vision-language-models/"),
    ),
    index_title="The Frontier AI Research Digest backfill series",
    index_link="http://wp.test/?page_id=40",
)


def rendered(folder: Path) -> str:
    return render_for_site(folder, topics_path=TOPICS, cache="use")[1].content


def test_the_footer_links_each_sibling_and_the_index_page_by_name(members: Callable[..., list[SeriesMember]]) -> None:
    (member,) = members("07")
    before = rendered(member.folder)
    assert FOOTER_HEADING not in before  # in no series yet: no footer

    assert save_series_links(member.folder, LINKS)
    content = rendered(member.folder)

    assert f"<h2 class=\"wp-block-heading\">{FOOTER_HEADING}</h2>" in content
    assert '<a href="http://wp.test/?p=11">Agents &amp; Tool Use</a> (topic 03)' in content
    # A name with Markdown's characters is shown as written, not read as emphasis, a link or a table.
    assert '<a href="http://wp.test/vision-language-models/">Vision *Language* &#091;Models] | VLM</a>' in content
    assert '<a href="http://wp.test/?page_id=40">The Frontier AI Research Digest backfill series</a>' in content
    # The post's own text is unchanged: the footer follows it.
    assert content.startswith(before[: before.index("Papers covered")])
    assert content.index("backfill series, covering") < content.index(FOOTER_HEADING)


def test_the_footer_never_touches_post_md_nor_counts_as_an_edit(members: Callable[..., list[SeriesMember]]) -> None:
    (member,) = members("03")
    post_md = member.folder / "post.md"
    text = post_md.read_text(encoding="utf-8")
    assert not edited_since_draft(member.folder)

    save_series_links(member.folder, LINKS)

    assert post_md.read_text(encoding="utf-8") == text
    assert not edited_since_draft(member.folder)
    # An editor's change to post.md is kept, and the footer still follows it.
    post = load_folder(member.folder)
    write_post(member.folder, replace(post.source, body=post.source.body + "\n\nAn editor's closing line.\n"),
               list(post.papers.values()))  # fmt: skip
    assert edited_since_draft(member.folder)
    content = rendered(member.folder)
    assert content.index("closing line.") < content.index(FOOTER_HEADING)


def test_a_change_of_links_is_a_new_render_and_the_same_links_write_nothing(
    members: Callable[..., list[SeriesMember]],
) -> None:
    (member,) = members("12")
    save_series_links(member.folder, LINKS)
    first = rendered(member.folder)
    stamp = (member.folder / "series.json").stat().st_mtime_ns

    assert not save_series_links(member.folder, LINKS)  # the same links: no write
    assert (member.folder / "series.json").stat().st_mtime_ns == stamp
    assert rendered(member.folder) == first  # from the render cache, the same bytes

    moved = replace(LINKS, siblings=(SiblingLink("03", "Agents & Tool Use", "http://wp.test/agents/"),))
    assert save_series_links(member.folder, moved)
    second = rendered(member.folder)  # the cache sees series.json changed
    assert "http://wp.test/agents/" in second and "?p=11" not in second and "vision-language-models" not in second


def test_a_broken_series_file_is_a_clear_error(members: Callable[..., list[SeriesMember]]) -> None:
    (member,) = members("07")
    (member.folder / "series.json").write_text('{"series": "x", "siblings": [{"topic_number": "03"}]}', "utf-8")
    with pytest.raises(PostSourceError) as caught:
        render_for_site(member.folder, topics_path=TOPICS)
    assert "series.json: the series links are malformed" in caught.value.message
    assert "Delete it" in (caught.value.hint or "")
    (member.folder / "series.json").write_text("{not json", "utf-8")
    with pytest.raises(PostSourceError, match=r"series\.json:1: the series links are not JSON"):
        render_for_site(member.folder, topics_path=TOPICS)


def test_the_index_page_lists_every_topic_with_window_count_and_link() -> None:
    rows = [
        IndexRow("07", "RL & Post-Training", date(2025, 5, 5), date(2026, 5, 5), 50, "RL: a *year* | more",
                 "http://wp.test/?p=7"),
        IndexRow("03", "Agents & Tool Use", date(2025, 5, 1), date(2025, 5, 22), 1234, "Agents", None),
    ]  # fmt: skip
    content = index_page_content(SERIES, rows, "6.8")

    assert content.startswith("<!-- wp:paragraph -->")
    assert "2 topics, 1,284 papers discussed in all." in content
    table = content[content.index("<!-- wp:table") :]
    body_rows = table.split("<tr>")[2:]  # after the head row
    assert [r.split("</td>")[0] for r in body_rows] == ["<td>03", "<td>07"]  # ordered by topic number
    assert "<td>Agents &amp; Tool Use</td><td>May 1 – 22, 2025</td>" in body_rows[0]
    assert ">1,234</td><td>not published yet</td>" in body_rows[0]
    assert "<td>May 2025 – May 2026</td>" in body_rows[1]
    assert '>50</td><td><a href="http://wp.test/?p=7">RL: a *year* | more</a></td>' in body_rows[1]


def test_arguments_that_name_no_series_are_refused_before_anything_is_sent(
    members: Callable[..., list[SeriesMember]], tmp_path: Path
) -> None:
    settings = WordPressSettings(url="http://127.0.0.1:9", username="nobody", app_password="x" * 24)
    (member,) = members("07")

    def never(folder: Path) -> object:
        raise AssertionError("nothing may be rendered")

    for arguments, slug, message in (
        ([], None, "the series has no members"),
        ([member, member], None, "topic(s) 07 appear twice"),
        ([member], "Not A Slug", "is not one WordPress keeps"),
    ):
        with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
            publish_series_site(arguments, series=SERIES, posts_dir=tmp_path, site=Site(settings), render=never,  # type: ignore[arg-type]
                                page_slug=slug)  # fmt: skip
    assert default_page_slug(SERIES) == "the-frontier-ai-research-digest-backfill-series"
    assert not (member.folder / "series.json").exists()
    assert json.loads((member.folder / "draft-report.json").read_text("utf-8"))["kind"] == "backfill"


NAMES = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=30).filter(str.strip)


def _shown(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", fragment)).split())


@settings(max_examples=300, deadline=None)
@given(name=NAMES, title=NAMES)
def test_any_name_and_title_are_shown_exactly_as_written(name: str, title: str) -> None:
    """Markdown's syntax, entities (``&LT;``), a citation's ``[@id]``, ``~~``, ``|``: all shown as typed."""
    links = SeriesLinks(SERIES, (SiblingLink("01", name, "http://wp.test/?p=1"),), title, "http://wp.test/?page_id=2")
    footer = to_blocks(footer_blocks(links), "6.8")
    assert _shown(re.findall(r'<a href="http://wp.test/\?p=1">(.*?)</a>', footer, re.S)[0]) == " ".join(name.split())
    assert _shown(re.findall(r'<a href="http://wp.test/\?page_id=2">(.*?)</a>', footer, re.S)[0]) == " ".join(
        title.split())
    page = index_page_content(SERIES, [IndexRow("01", name, date(2025, 5, 1), date(2026, 5, 31), 3, title,
                                                 "http://wp.test/?p=1")], "6.8")  # fmt: skip
    cells = re.findall(r"<td[^>]*>(.*?)</td>", page, re.S)
    assert [_shown(c) for c in cells] == ["01", " ".join(name.split()), "May 2025 – May 2026", "3",
                                          " ".join(title.split())]  # fmt: skip
