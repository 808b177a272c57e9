"""The block tree (:mod:`.tree`) -> WordPress block markup or classic HTML.

``to_blocks`` writes the exact markup the target WordPress version's block editor saves for those core
blocks (see :class:`BlockDialect`: 6.1 and 6.8 differ); ``to_classic`` writes plain HTML with no newline
inside any paragraph or list item (safe from ``wpautop``; the same for every version).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..wordpress.markup_versions import CURRENT_WP_VERSION, markup_version
from .sanitize import SHORTCODE_BRACKET
from .tree import Block, Cell, Code, Footnotes, Heading, Html, Image, ListBlock, Paragraph, Quote, Separator, Table

# ---------------------------------------------------------------------------------------------------------------
# Text escaping in the editor's canonical form
# ---------------------------------------------------------------------------------------------------------------


def escape_text(text: str) -> str:
    """Text as ``innerHTML`` writes it: ``& < >`` and U+00A0."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\u00a0", "&nbsp;")


def escape_attr(value: str) -> str:
    """An attribute value as the block serializer writes it: ``&`` and ``"`` (and no ``< >`` at all)."""
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "").replace(">", "")


_URL_LINE_FIRST = re.compile(
    r"^([\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]*https?:)//"
    r"([^\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff<>\"]+"
    r"[\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]*)$",
    re.MULTILINE,
)
_URL_LINE_ALL = re.compile(r"^(\s*https?:)//([^\s<>\"]+\s*)$", re.MULTILINE)


def _code_text(text: str) -> str:
    return escape_text(text[:-1] if text.endswith("\n") else text)


def code_block_content(text: str) -> str:
    """core/code's ``escape()`` (6.1 ``code/utils.js``): ``[`` -> ``&#91;``, first isolated URL's ``//``."""
    escaped = _code_text(text).replace("[", "&#91;")
    return _URL_LINE_FIRST.sub(r"\1&#47;&#47;\2", escaped, count=1)


def classic_code_content(text: str) -> str:
    """Classic code: no shortcode and no oEmbed may start inside it, so every isolated URL is escaped."""
    escaped = _code_text(text).replace("[", SHORTCODE_BRACKET)
    return _URL_LINE_ALL.sub(r"\1&#047;&#047;\2", escaped)


# ---------------------------------------------------------------------------------------------------------------
# Block markup (core blocks, canonical serialisation of the target version's editor)
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BlockDialect:
    """What one WordPress version's block editor saves for the core blocks this converter emits, where
    versions differ (measured with ``wp.blocks.serialize(createBlock(...))`` in each version's editor; every
    other block is saved the same by 6.1 and 6.8)."""

    version: str
    #: ``<h2 class="wp-block-heading">`` (6.2 and later).
    heading_class: bool
    #: ``<ul class="wp-block-list">`` / ``<ol start="3" class="wp-block-list">``.
    list_class: bool
    #: Comment attributes of a table with automatic column widths: 6.8's table defaults to a fixed layout,
    #: so it says ``{"hasFixedLayout":false}``; 6.1's default is the automatic layout.
    table_attrs: tuple[tuple[str, Any], ...]


DIALECTS: dict[str, BlockDialect] = {
    "6.1": BlockDialect("6.1", heading_class=False, list_class=False, table_attrs=()),
    "6.8": BlockDialect("6.8", heading_class=True, list_class=True, table_attrs=(("hasFixedLayout", False),)),
}


def block_dialect(wp_version: str | None = CURRENT_WP_VERSION) -> BlockDialect:
    """The markup to emit for a site running ``wp_version`` (``"6.8"``, ``"6.8.12"``; None: the current line),
    chosen by :func:`~digest_publisher.wordpress.markup_versions.markup_version`."""
    return DIALECTS[markup_version(wp_version)]


def _comment(name: str, attrs: dict[str, Any] | None = None) -> str:
    if attrs:
        return f"<!-- wp:{name} {json.dumps(attrs, separators=(',', ':'))} -->"
    return f"<!-- wp:{name} -->"


def _wrap(name: str, inner: str, attrs: dict[str, Any] | None = None) -> str:
    return f"{_comment(name, attrs)}\n{inner}\n<!-- /wp:{name} -->"


def _list_blocks(block: ListBlock, dialect: BlockDialect) -> str:
    attrs: dict[str, Any] = {}
    if block.ordered:
        attrs["ordered"] = True
        if block.start is not None:
            attrs["start"] = block.start
    tag = "ol" if block.ordered else "ul"
    start = f' start="{block.start}"' if block.ordered and block.start is not None else ""
    css = ' class="wp-block-list"' if dialect.list_class else ""
    items = "\n\n".join(
        _wrap("list-item", f"<li>{item.html}{''.join(_list_blocks(c, dialect) for c in item.children)}</li>")
        for item in block.items
    )
    return _wrap("list", f"<{tag}{start}{css}>{items}</{tag}>", attrs)


def _cell_blocks(cell: Cell, tag: str) -> str:
    if cell.align:
        return f'<{tag} class="has-text-align-{cell.align}" data-align="{cell.align}">{cell.html}</{tag}>'
    return f"<{tag}>{cell.html}</{tag}>"


def _table_blocks(table: Table, dialect: BlockDialect) -> str:
    def section(rows: list[list[Cell]], tag: str, cell_tag: str) -> str:
        if not rows:
            return ""
        body = "".join("<tr>" + "".join(_cell_blocks(c, cell_tag) for c in row) + "</tr>" for row in rows)
        return f"<{tag}>{body}</{tag}>"

    inner = section(table.head, "thead", "th") + section(table.body, "tbody", "td")
    return _wrap("table", f'<figure class="wp-block-table"><table>{inner}</table></figure>', dict(dialect.table_attrs))


def _footnotes_html(notes: Footnotes) -> str:
    items = []
    for note in notes.items:
        # One paragraph stays inline; several keep their <p> (no newline: classic content is wpautop'd).
        inner = note.paragraphs[0] if len(note.paragraphs) == 1 else "".join(f"<p>{p}</p>" for p in note.paragraphs)
        items.append(f'<li id="fn{note.number}" class="footnote-item">{inner}</li>')
    return f'<section class="footnotes"><ol class="footnotes-list">{"".join(items)}</ol></section>'


SEPARATOR_BLOCK = _wrap("separator", '<hr class="wp-block-separator has-alpha-channel-opacity"/>')


def _block_markup(block: Block, dialect: BlockDialect) -> str:
    if isinstance(block, Paragraph):
        return _wrap("paragraph", f"<p>{block.html}</p>")
    if isinstance(block, Heading):
        attrs = None if block.level == 2 else {"level": block.level}
        css = ' class="wp-block-heading"' if dialect.heading_class else ""
        return _wrap("heading", f"<h{block.level}{css}>{block.html}</h{block.level}>", attrs)
    if isinstance(block, ListBlock):
        return _list_blocks(block, dialect)
    if isinstance(block, Quote):
        inner = "\n\n".join(_block_markup(b, dialect) for b in block.children)
        return _wrap("quote", f'<blockquote class="wp-block-quote">{inner}</blockquote>')
    if isinstance(block, Separator):
        return SEPARATOR_BLOCK
    if isinstance(block, Table):
        return _table_blocks(block, dialect)
    if isinstance(block, Code):
        return _wrap("code", f'<pre class="wp-block-code"><code>{code_block_content(block.text)}</code></pre>')
    if isinstance(block, Image):
        img = f'<img src="{escape_attr(block.src)}" alt="{escape_attr(block.alt)}"/>'
        return _wrap("image", f'<figure class="wp-block-image">{img}</figure>')
    if isinstance(block, Html):
        return _wrap("html", block.html)
    return SEPARATOR_BLOCK + "\n\n" + _wrap("html", _footnotes_html(block))


def to_blocks(blocks: Sequence[Block], wp_version: str | None = CURRENT_WP_VERSION) -> str:
    """Serialise as the block markup the editor of ``wp_version`` saves (see :func:`block_dialect`; blocks
    joined by a blank line, as ``serialize`` does)."""
    dialect = block_dialect(wp_version)
    return "\n\n".join(_block_markup(b, dialect) for b in blocks)


# ---------------------------------------------------------------------------------------------------------------
# Classic HTML (no newline inside any paragraph or list item)
# ---------------------------------------------------------------------------------------------------------------


def _classic_list_html(block: ListBlock) -> str:
    tag = "ol" if block.ordered else "ul"
    start = f' start="{block.start}"' if block.ordered and block.start is not None else ""
    items = "".join(
        f"<li>{item.html}{''.join(_classic_list_html(c) for c in item.children)}</li>" for item in block.items
    )
    return f"<{tag}{start}>{items}</{tag}>"


def _one_line(fragment: str) -> str:
    """Newlines outside ``<pre>`` become spaces, so wpautop adds no ``<br />``."""
    parts = re.split(r"(<pre\b.*?</pre>)", fragment, flags=re.DOTALL)
    return "".join(p if p.startswith("<pre") else p.replace("\n", " ") for p in parts)


def _classic_block(block: Block) -> str:
    if isinstance(block, Paragraph):
        return f"<p>{block.html}</p>"
    if isinstance(block, Heading):
        return f"<h{block.level}>{block.html}</h{block.level}>"
    if isinstance(block, ListBlock):
        return _classic_list_html(block)
    if isinstance(block, Quote):
        return f"<blockquote>{''.join(_classic_block(b) for b in block.children)}</blockquote>"
    if isinstance(block, Separator):
        return "<hr>"
    if isinstance(block, Table):

        def cell(c: Cell, tag: str) -> str:
            style = f' style="text-align:{c.align}"' if c.align else ""
            return f"<{tag}{style}>{c.html}</{tag}>"

        head = "".join("<tr>" + "".join(cell(c, "th") for c in row) + "</tr>" for row in block.head)
        body = "".join("<tr>" + "".join(cell(c, "td") for c in row) + "</tr>" for row in block.body)
        return (
            "<table>"
            + (f"<thead>{head}</thead>" if head else "")
            + (f"<tbody>{body}</tbody>" if body else "")
            + "</table>"
        )
    if isinstance(block, Code):
        cls = f' class="language-{escape_attr(block.language)}"' if block.language else ""
        return f"<pre><code{cls}>{classic_code_content(block.text)}</code></pre>"
    if isinstance(block, Image):
        return f'<figure><img src="{escape_attr(block.src)}" alt="{escape_attr(block.alt)}"></figure>'
    if isinstance(block, Html):
        return _one_line(block.html)
    return '<hr class="footnotes-sep">' + _footnotes_html(block)


def classic_html(blocks: Sequence[Block]) -> str:
    return "".join(_classic_block(b) for b in blocks)


def to_classic(blocks: Sequence[Block]) -> str:
    """Serialise as plain HTML: one element per line, blank line between blocks."""
    return "\n\n".join(_classic_block(b) for b in blocks)
