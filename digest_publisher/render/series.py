"""The series on the site, as Markdown rendered by the project's own renderer: the "More in the series" footer
of each post (from the post's ``series.json``, see :mod:`digest_publisher.records.series_links`) and the
series' index page (a table of each topic's post: number, name, window, papers discussed, link).

Both are written as Markdown with every name shown literally (:func:`~digest_publisher.mdtext.md_literal`) and
go through :func:`~digest_publisher.render.parser.parse_markdown` and the block serializer like a post body, so
WordPress stores the canonical block markup of the site's version, and the residue check reads them like any
post.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from ..errors import ResidueError
from ..mdtext import format_window, md_literal
from ..records.series_links import SeriesLinks
from .parser import parse_markdown
from .residue import find_residue
from .serialize import to_blocks
from .tree import Block

FOOTER_HEADING = "More in the series"


def footer_markdown(links: SeriesLinks) -> str:
    """The footer of a post of the series: its siblings, each by topic name linked to its post, and the index
    page. Empty when there is nothing to link yet."""
    if links.empty:
        return ""
    parts = [f"## {FOOTER_HEADING}"]
    if links.siblings:
        parts.append(f"The other topics of the {md_literal(links.series)} backfill series:")
        items = [f"- [{md_literal(s.topic_name)}]({_url(s.link)}) (topic {md_literal(s.topic_number)})"
                 for s in links.siblings]  # fmt: skip
        parts.append("\n".join(items))
    if links.index_link:
        title = md_literal(links.index_title or f"The {links.series} backfill series")
        parts.append(f"Every topic with its window and papers: [{title}]({_url(links.index_link)})")
    return "\n\n".join(parts) + "\n"


def footer_blocks(links: SeriesLinks | None) -> list[Block]:
    """The footer as blocks, to append to a post's body (none when the post is in no series)."""
    if links is None or links.empty:
        return []
    return parse_markdown(footer_markdown(links))[0]


@dataclass(frozen=True)
class IndexRow:
    """One topic's post as the index page lists it (``link`` None: not published yet)."""

    topic_number: str
    topic_name: str
    window_from: date
    window_to: date
    discussed: int
    title: str  # the post's title, plain text
    link: str | None


def index_title(series: str) -> str:
    """The index page's title, as plain text."""
    return f"The {' '.join(series.split())} backfill series"


def index_markdown(series: str, rows: Sequence[IndexRow]) -> str:
    """The index page: a short intro and a table of every topic's post."""
    total = sum(row.discussed for row in rows)
    topics = f"{len(rows)} topic{'s' if len(rows) != 1 else ''}"
    intro = (
        f"Each post of the {md_literal(series)} backfill series reads one topic of the digest over its window "
        f"and discusses the papers its curation kept. {topics}, {total:,} papers discussed in all."
    )
    lines = ["| Topic | Name | Window | Papers discussed | Post |", "| --- | --- | --- | ---: | --- |"]
    for row in sorted(rows, key=lambda r: r.topic_number):
        post = f"[{md_literal(row.title)}]({_url(row.link)})" if row.link else "not published yet"
        lines.append(
            f"| {md_literal(row.topic_number)} | {md_literal(row.topic_name)} | "
            f"{format_window(row.window_from, row.window_to)} | {row.discussed:,} | {post} |"
        )
    return intro + "\n\n" + "\n".join(lines) + "\n"


def index_page_content(series: str, rows: Sequence[IndexRow], wp_version: str | None) -> str:
    """The index page's content as block markup of ``wp_version``; raises
    :class:`~digest_publisher.errors.ResidueError` when any of it would show as literal Markdown."""
    warnings: list[str] = []
    blocks, _ = parse_markdown(index_markdown(series, rows), None, warnings)
    content = to_blocks(blocks, wp_version)
    problems = find_residue(content, verbatim=[r.title for r in rows] + [r.topic_name for r in rows]) + warnings
    if problems:
        raise ResidueError(problems, f"the index page of the {series} series")
    return content


def _url(link: str | None) -> str:
    """A link as a Markdown destination: in angle brackets, so parentheses and spaces stay part of it."""
    return "<" + (link or "").replace("<", "%3C").replace(">", "%3E") + ">"
