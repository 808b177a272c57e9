"""Allowlist sanitising of HTML that came from a model or a corpus (nh3), and shortcode escaping.

Two allowlists: INLINE for what goes inside a paragraph, heading, list item or table cell (phrasing
elements only, so that the block editor's rich text and the browser's parser keep the markup as sent),
and BLOCK for raw HTML blocks. Both are subsets of WordPress 6.1's ``$allowedposttags``, so kses on save
(authors, editors on multisite) removes nothing we send.

nh3 (html5ever) serialises exactly as a browser's ``innerHTML`` does: text escapes ``& < >`` and U+00A0,
attributes ``& "`` and U+00A0, void elements as ``<br>``. That is the form the block editor's
serializer produces, which keeps emitted blocks byte-canonical.
"""

from __future__ import annotations

import re

import nh3

from .wpformat import EMBED_SHORTCODE, SHORTCODE_TAGS, STOCK_SHORTCODES

INLINE_TAGS = frozenset(
    {
        "a", "abbr", "b", "br", "cite", "code", "del", "dfn", "em", "i", "img", "ins", "kbd", "mark", "q", "s",
        "samp", "small", "span", "strong", "sub", "sup", "u", "var",
    }
)  # fmt: skip
BLOCK_TAGS = INLINE_TAGS | frozenset(
    {
        "blockquote", "caption", "col", "colgroup", "dd", "details", "div", "dl", "dt", "figcaption", "figure",
        "h1", "h2", "h3", "h4", "h5", "h6", "hr", "li", "ol", "p", "pre", "section", "summary", "table", "tbody",
        "td", "tfoot", "th", "thead", "tr", "ul",
    }
)  # fmt: skip
# Elements removed together with their content (the rest of the disallowed ones keep their text).
DROP_WITH_CONTENT = frozenset({"script", "style", "iframe", "object", "embed", "svg", "math", "form", "textarea",
                               "select", "button", "template", "noscript", "title"})  # fmt: skip

_GLOBAL_ATTRS = {"class", "id", "title", "lang", "dir"}
_ATTRS: dict[str, set[str]] = {
    "*": _GLOBAL_ATTRS,
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "ol": {"start", "reversed"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "abbr": {"title"},
    "q": {"cite"},
    "blockquote": {"cite"},
}
_SAFE_HREF = re.compile(r"^(?:https?://|mailto:|#)", re.IGNORECASE)
_SAFE_SRC = re.compile(r"^https?://", re.IGNORECASE)


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    """Only http(s)/mailto links and in-page anchors; only http(s) image sources."""
    if attr == "href":
        return value if _SAFE_HREF.match(value.strip()) else None
    if attr in {"src", "cite"}:
        return value if _SAFE_SRC.match(value.strip()) else None
    return value


def _cleaner(tags: frozenset[str]) -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=set(tags),
        clean_content_tags=set(DROP_WITH_CONTENT),
        attributes={k: set(v) for k, v in _ATTRS.items()},
        attribute_filter=_attribute_filter,
        strip_comments=True,
        link_rel=None,
        url_schemes={"http", "https", "mailto"},
    )


_INLINE = _cleaner(INLINE_TAGS)
_BLOCK = _cleaner(BLOCK_TAGS)

# A "[" that could open a shortcode: "[name", "[/name" or "[[name" where name starts like an identifier.
# Plugins register many shortcodes, so any letter counts, not only the stock ones in SHORTCODE_TAGS.
_SHORTCODE_OPEN = re.compile(r"\[(?=[\[/]?[A-Za-z_])")
# kses pads numeric entities to three digits, so emitting "&#091;" keeps admin and author content equal.
SHORTCODE_BRACKET = "&#091;"
# A start tag as html5ever writes it: attribute values always double-quoted, their own quotes as &quot;.
_START_TAG = re.compile(r'<[a-zA-Z][^\s/>]*(?:\s+[^\s"\'>/=]+(?:="[^"]*")?)*\s*/?>')
_ATTR_VALUE = re.compile(r'="([^"]*)"')


# An image whose source the filter removed (data:, javascript:, relative) shows nothing: drop the tag.
_IMG_WITHOUT_SRC = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")


# A link whose URL the filter removed (javascript:, data:, relative) is no link: keep its text only. Links
# cannot nest, so the first "</a>" after the opening tag is its own.
_A_WITHOUT_HREF = re.compile(r"<a(?![^>]*\shref=)(?:\s[^>]*)?>(.*?)</a>", re.DOTALL)


def _finish(clean: str) -> str:
    if "<img" in clean:
        clean = _IMG_WITHOUT_SRC.sub("", clean)
    if "<a" in clean:
        clean = _A_WITHOUT_HREF.sub(r"\1", clean)
    if '="' in clean:
        clean = _angles_in_attributes(clean)
    return escape_shortcodes(clean)


def _angles_in_attributes(fragment: str) -> str:
    """Escape ``<`` and ``>`` inside attribute values, as Chromium's ``innerHTML`` does since the 2025
    HTML serialisation change; the block editor re-serialises paragraph HTML through ``innerHTML``."""

    def value(m: re.Match[str]) -> str:
        text = m.group(1)
        if "<" not in text and ">" not in text:
            return m.group(0)
        return '="' + text.replace("<", "&lt;").replace(">", "&gt;") + '"'

    return _START_TAG.sub(lambda t: _ATTR_VALUE.sub(value, t.group(0)), fragment)


def escape_shortcodes(html: str) -> str:
    """Write shortcode-like text so that WordPress shows it as text, in text and attribute values alike.

    WordPress's own shortcodes (SHORTCODE_TAGS) are escaped its own way, by doubling their brackets
    (``[gallery]`` -> ``[[gallery]]``; ``do_shortcode`` shows ``[gallery]``): plain text, so the block
    editor saves it unchanged. ``[embed]`` is unescaped once more before (``WP_Embed::run_shortcode``),
    so it gets two pairs. Any other ``[`` that could open a shortcode (a plugin's, whose names we cannot
    know) is written ``&#091;``: shown as ``[`` and never run as sent; the block editor saves it back as
    ``[``, which runs only where a plugin registers that name.
    """
    if "[" not in html:
        return html
    out: list[str] = []
    pos = 0
    for m in STOCK_SHORTCODES.finditer(html):
        out.append(_SHORTCODE_OPEN.sub(SHORTCODE_BRACKET, html[pos : m.start()]))
        out.append(f"[{m.group(0)}]")
        pos = m.end()
    out.append(_SHORTCODE_OPEN.sub(SHORTCODE_BRACKET, html[pos:]))
    doubled = "".join(out)
    if "[embed" not in doubled:
        return doubled
    return EMBED_SHORTCODE.sub(lambda e: f"[{e.group(0)}]", doubled)


def sanitize_inline(html: str) -> str:
    """Sanitise phrasing content (the inside of a paragraph, heading, list item or cell)."""
    return _finish(_INLINE.clean(html))


def sanitize_html(html: str) -> str:
    """Sanitise a fragment of block-level HTML: allowlisted tags and attributes, safe URLs, shortcodes escaped."""
    return _finish(_BLOCK.clean(html))


__all__ = [
    "BLOCK_TAGS",
    "INLINE_TAGS",
    "SHORTCODE_BRACKET",
    "SHORTCODE_TAGS",
    "escape_shortcodes",
    "sanitize_html",
    "sanitize_inline",
]
