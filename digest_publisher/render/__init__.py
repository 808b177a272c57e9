"""Rendering: a post source (Markdown + front matter) -> WordPress content that displays as previewed.

The pipeline, as :func:`render_post` runs it::

    post.md body --parse_markdown--> block tree (citations resolved, inline HTML sanitised by nh3)
                 (+ series.json --> a "More in the series" footer linking the post's siblings: render/series.py)
                 --to_blocks / to_classic--> content as SENT to WordPress (blocks: the markup the target
                                             version's editor saves, 6.8 by default)
                 --check_residue--> (raises ResidueError listing every problem)
                 --wp_display--> content.rendered, as that WordPress version will RETURN it
    front matter --> title, excerpt, status, date --> the dry-run post object (that version's keys:
                                                      6.8 has seed 000's)
                 --> featured image (generated card or the user's file)

Its modules:

    parser.py          Markdown -> the block tree (markdown-it-py; citations an inline rule), both conversions
    tree.py            the block tree's nodes (Paragraph, Heading, ListBlock, ...) and CitationResolver
    serialize.py       the block tree -> block markup of the target version's editor, or classic HTML
    sanitize.py        allowlist sanitising of inline and block HTML (nh3), shortcode escaping
    citations.py       ``[@id]`` -> links named by the paper's short name; the "Papers covered" section
    series.py          a series post's "More in the series" footer and the series' index page, as Markdown
    residue.py         check_residue: no literal Markdown, empty section or raw citation in the content
    wpformat.py        ports of WordPress 6.1's and 6.8's display filters (wptexturize, wpautop, ...), byte for byte
    dryrun.py          the dry-run post object, as WordPress's REST API will return it
    card.py            the featured image: a generated 1200x630 PNG card, or the user's image file checked
    preview.py         the standalone preview page (everything inline) and the local server that shows it
    factcheck_view.py  the preview page's fact-check view (a toggle): marks, sources, what was removed and why

Everything here is a pure function of the post folder, except :func:`write_preview`, which writes
``preview.html``, ``render.json`` and ``featured.png`` into the post folder atomically.
"""

from __future__ import annotations

import html
import importlib
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..choices import CONTENT_FORMATS
from ..errors import RenderError, ResidueError
from ..models import FeaturedImage, RenderedPost
from ..records import (
    PostFolder,
    PostSource,
    atomic_write_bytes,
    atomic_write_json,
    atomic_write_text,
    featured_image_file,
    load_series_links,
)
from ..wordpress.markup_versions import CURRENT_WP_VERSION, TESTED_WP_VERSIONS, markup_version
from . import wpformat
from .card import CardText, featured_file_image
from .card import featured_card as _featured_card
from .dryrun import effective_status, parse_post_date, post_object, wp_date

if TYPE_CHECKING:
    from .parser import markdown_to_blocks, markdown_to_classic
    from .preview import make_preview_server
    from .residue import check_residue, find_residue
    from .sanitize import sanitize_html
    from .serialize import to_blocks, to_classic
    from .series import IndexRow, index_page_content, index_title
    from .tree import Block

# The Markdown side (markdown-it, nh3, the block tree) and the preview page are loaded when first used, not with
# the package: a first publish starts its image upload (``render.card``, ``media.EarlyUpload``) before they load.
_LAZY = {
    "markdown_to_blocks": "parser", "markdown_to_classic": "parser",
    "make_preview_server": "preview", "check_residue": "residue", "find_residue": "residue",
    "sanitize_html": "sanitize", "to_blocks": "serialize", "to_classic": "serialize",
    "IndexRow": "series", "index_page_content": "series", "index_title": "series",
}  # fmt: skip


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


RENDER_JSON = "render.json"


def texturize(html_text: str) -> str:
    """WordPress's ``wptexturize`` (curly quotes, dashes, ellipsis, ``&#038;``), as 6.1 applies it."""
    return wpformat.wptexturize(html_text)


def wp_display(content: str, *, site_url: str = "", wp_version: str | None = CURRENT_WP_VERSION) -> str:
    """What the ``the_content`` filters of WordPress ``wp_version`` make of raw post content
    (``content.rendered``).

    ``site_url`` only matters for the one image smiley (``:mrgreen:``), whose URL is the site's.
    """
    return wpformat.the_content(content, site_url=site_url, wp_version=wp_version)


def kses_normalize(content: str) -> str:
    """What kses changes on save, for users without ``unfiltered_html``, in content this module emits."""
    return wpformat.kses_normalize(content)


def title_for(source: PostSource) -> str:
    """The title as sent: plain text with ``& < >`` escaped, so admins and authors store the same."""
    return title_text(source.title)


def title_text(title: str) -> str:
    """A post's or page's title as sent (see :func:`title_for`)."""
    return html.escape(" ".join(title.split()), quote=False)


def term_name(name: str) -> str:
    """A category or tag name as WordPress stores and shows it: plain text (``sanitize_text_field`` on every
    term name), so lookups by name find on every run what the first run created."""
    text = " ".join(name.split())
    for _ in range(3):  # "&lt;b&gt;x" unescapes to a tag, which a second pass strips: stop at a fixed point
        cleaned = html.unescape(wpformat.sanitize_text_field(text))
        if cleaned == text:
            break
        text = cleaned
    return text


def _term_names(names: tuple[str, ...], field: str, where: str) -> tuple[str, ...]:
    cleaned = tuple(dict.fromkeys(term_name(n) for n in names))
    empty = [n for n in names if not term_name(n)]
    if empty:
        what = f"the {field} {empty[0]!r} is" if len(empty) == 1 else f"the {field}s {', '.join(map(repr, empty))} are"
        raise RenderError(
            f"{where}: {what} empty once WordPress strips the HTML (term names are plain text)",
            f"Write the {field} names in post.md's front matter as plain text, or remove them; nothing was sent",
        )
    return cleaned


def excerpt_text(source: PostSource) -> str:
    """The excerpt as sent: the front matter's (escaped, on one line), or "" to let WordPress make one."""
    if not source.excerpt:
        return ""
    return html.escape(" ".join(source.excerpt.split()), quote=False)


def excerpt_for(
    content: str,
    excerpt: str = "",
    *,
    site_url: str = "",
    rendered: str | None = None,
    wp_version: str | None = CURRENT_WP_VERSION,
) -> str:
    """``excerpt.rendered``: the given (sent) excerpt, else WordPress's 55 words of the content + `` [&hellip;]``.

    ``rendered``: ``wp_display(content, site_url=site_url, wp_version=wp_version)`` if already computed
    (spares filtering it again).
    """
    return wpformat.the_excerpt(excerpt, content, site_url=site_url, rendered=rendered, wp_version=wp_version)


def _card_text(source: PostSource, topic_label: str | None, paper_count: int) -> CardText:
    window = ""
    if source.window_from and source.window_to:
        window = f"{source.window_from} \u2013 {source.window_to}"
    elif source.window_from or source.window_to:
        window = source.window_from or source.window_to or ""
    series = str(source.extra.get("series") or "Frontier AI Research Digest")
    return CardText(
        title=" ".join(source.title.split()),
        topic=topic_label or source.topic or "",  # no topic: no label on the card
        paper_count=paper_count,
        window=window,
        series=series,
        kind=str(source.kind).capitalize() if source.kind else "",
    )


def featured_card(source: PostSource, *, topic_label: str | None = None, paper_count: int = 0) -> FeaturedImage:
    """The generated 1200x630 card for a post (identical bytes for identical inputs)."""
    return _featured_card(_card_text(source, topic_label, paper_count), source.slug)


def _featured_image(folder: PostFolder, topic_label: str | None, paper_count: int) -> FeaturedImage | None:
    if featured_image_file(folder.source) is None:
        choice = (folder.source.featured_image or "").strip().lower()
        if choice == "generated":
            return featured_card(folder.source, topic_label=topic_label, paper_count=paper_count)
        return None
    return featured_file_image(folder)


def _short_names(source: PostSource, where: str) -> Mapping[str, str]:
    raw = source.extra.get("short_names") or {}
    if not isinstance(raw, dict) or not all(isinstance(v, str | int | float) for v in raw.values()):
        raise RenderError(f"{where}: 'short_names' must map paper ids to names", "Write short_names: {id: Name}")
    return {str(k): str(v) for k, v in raw.items()}


def _looks_numeric(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def _has_papers_covered(blocks: list[Block]) -> bool:
    from .citations import PAPERS_COVERED_TITLE
    from .tree import Heading

    return any(isinstance(b, Heading) and PAPERS_COVERED_TITLE.lower() in b.html.lower() for b in blocks)


def render_post(
    folder: PostFolder,
    *,
    content_format: str = "blocks",
    topic_label: str | None = None,
    now: datetime | None = None,
    site_url: str = "",
    wp_version: str | None = CURRENT_WP_VERSION,
) -> RenderedPost:
    """Render one post folder: content to send, the dry-run object, the featured image.

    ``now`` decides publish/future for dated posts; ``site_url`` (the WordPress site, if known) only
    changes the URL of the ``:mrgreen:`` smiley image. ``wp_version``: the site's WordPress (a release
    line like ``"6.8"`` or a full version like ``"6.8.12"``; None when unknown: the current line) decides
    the block markup (what that version's editor saves) and the dry-run object (what it returns).

    Raises :class:`~digest_publisher.errors.ResidueError` (listing every problem) when the content
    would show literal Markdown, an empty section or an unresolved citation.
    """
    from .citations import Citations, authors_line, papers_covered
    from .parser import parse_markdown
    from .residue import find_residue
    from .serialize import to_blocks, to_classic
    from .series import footer_blocks
    from .tree import Footnotes

    if content_format not in CONTENT_FORMATS:
        raise RenderError(f"unknown content format {content_format!r}", f"Use one of: {', '.join(CONTENT_FORMATS)}")
    source = folder.source
    where = str(folder.source_file)
    now = now or datetime.now(UTC)
    citations = Citations(folder.papers, _short_names(source, where))
    warnings: list[str] = []
    blocks, _unresolved = parse_markdown(source.body, citations, warnings)
    if not blocks:
        raise RenderError(f"{where}: the post body is empty", "Write the post (or draft it) before rendering")

    covered = list(dict.fromkeys([*source.papers, *citations.cited]))
    missing = [i for i in covered if i not in folder.papers]
    if source.papers_covered and covered and not _has_papers_covered(blocks):
        section = papers_covered([i for i in covered if i in folder.papers], folder.papers)
        cut = next((n for n, b in enumerate(blocks) if isinstance(b, Footnotes)), len(blocks))
        blocks = [*blocks[:cut], *section, *blocks[cut:]]
    # A post of a series ends with links to its siblings, from its series.json (never written into post.md).
    links = load_series_links(folder.path)
    series = footer_blocks(links)
    if series:
        cut = next((n for n, b in enumerate(blocks) if isinstance(b, Footnotes)), len(blocks))
        blocks = [*blocks[:cut], *series, *blocks[cut:]]
    content = to_blocks(blocks, wp_version) if content_format == "blocks" else to_classic(blocks)

    shown = [folder.papers[i] for i in covered if i in folder.papers]
    verbatim = [t for paper in shown for t in (" ".join(paper.title.split()), authors_line(paper))]
    names = [s.topic_name for s in links.siblings] if links else []  # the footer shows topic names as written
    problems = find_residue(content, verbatim=[*verbatim, *(citations.name(i) for i in citations.cited), *names])
    for i in missing:
        hint = " (an unquoted id in YAML is read as a number: write it in quotes)" if _looks_numeric(i) else ""
        problems.append(f"paper {i} is listed in the front matter but not in papers.json{hint}")
    if problems:
        raise ResidueError(problems, where)

    date_gmt = parse_post_date(source.date, where)
    status = effective_status(source.status, date_gmt, now)
    title = title_for(source)
    excerpt = excerpt_text(source)
    content_rendered = wp_display(content, site_url=site_url, wp_version=wp_version)
    obj = post_object(
        slug=source.slug,
        status=status,
        date_gmt=date_gmt,
        title_rendered=wpformat.the_title(title, status=status),
        content_rendered=content_rendered,
        excerpt_rendered=excerpt_for(
            content, excerpt, site_url=site_url, rendered=content_rendered, wp_version=wp_version
        ),
        wp_version=wp_version,
    )
    return RenderedPost(
        slug=source.slug,
        title=title,
        content=content,
        excerpt=excerpt,
        content_format=content_format,
        status=status,
        date_gmt=wp_date(date_gmt) if date_gmt is not None else None,
        categories=_term_names(source.categories, "category", where),
        tags=_term_names(source.tags, "tag", where),
        featured_image=_featured_image(folder, topic_label, len(covered) - len(missing)),
        post_object=obj,
        warnings=tuple(warnings),
    )


def write_preview(
    folder: PostFolder, rendered: RenderedPost, *, topic_label: str | None = None, now: datetime | None = None,
    factcheck: Mapping[str, Any] | None = None, patterns: Mapping[str, str] | None = None,
) -> Path:
    """Write ``preview.html``, ``render.json`` and (for a generated card) ``featured.png``; return the page.
    ``factcheck`` (with its numbers' page ``patterns``) adds the fact-check view's toggle to the page only."""
    from .preview import FEATURED_PNG, PREVIEW_FILE, preview_html

    shown = datetime.fromisoformat(rendered.date_gmt + "+00:00") if rendered.date_gmt else (now or datetime.now(UTC))
    image = rendered.featured_image
    if image is not None and folder.source.featured_image == "generated":
        atomic_write_bytes(folder.path / FEATURED_PNG, image.data)
    atomic_write_json(folder.path / RENDER_JSON, rendered.post_object)
    page = folder.path / PREVIEW_FILE
    label = topic_label or folder.source.topic or ""
    atomic_write_text(page, preview_html(rendered, shown_date=shown, topic_label=label, factcheck=factcheck,
                                         patterns=patterns))
    return page


__all__ = [
    "CONTENT_FORMATS",
    "CURRENT_WP_VERSION",
    "TESTED_WP_VERSIONS",
    "IndexRow",
    "check_residue",
    "excerpt_for",
    "featured_card",
    "featured_file_image",
    "find_residue",
    "index_page_content",
    "index_title",
    "kses_normalize",
    "make_preview_server",
    "markdown_to_blocks",
    "markdown_to_classic",
    "markup_version",
    "render_post",
    "sanitize_html",
    "texturize",
    "title_text",
    "to_blocks",
    "to_classic",
    "wp_display",
    "write_preview",
]
