"""Markdown -> the block tree (:mod:`.tree`), and the two conversions end to end.

markdown-it-py (CommonMark, plus GFM tables and strikethrough and footnotes from mdit-py-plugins)
parses; the token stream becomes a small tree of blocks (:class:`~.tree.Paragraph`, :class:`~.tree.Heading`,
:class:`~.tree.ListBlock`, ...), each holding sanitised inline HTML, which :mod:`.serialize` writes as
block markup or classic HTML.

Citations ``[@2605.18529]`` / ``[@a; @b]`` are an inline rule of the parser, so they are never looked for
inside code. A :class:`~.tree.CitationResolver` turns ids into links; ids it does not know stay as literal
text, which the residue check reports.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import unescapeAll
from markdown_it.renderer import RendererHTML
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.footnote import footnote_plugin

from ..wordpress.markup_versions import CURRENT_WP_VERSION
from .sanitize import SHORTCODE_TAGS, sanitize_html, sanitize_inline
from .serialize import classic_html, to_blocks, to_classic
from .tree import (
    Block,
    Cell,
    CitationResolver,
    Code,
    Footnote,
    Footnotes,
    Heading,
    Html,
    Image,
    ListBlock,
    ListItem,
    Paragraph,
    Quote,
    Separator,
    Table,
)

_CITE_ID = r"[A-Za-z0-9][\w.\-/]*"
CITATION_RE = re.compile(r"\[@(" + _CITE_ID + r")((?:[ \t]*;[ \t]*@" + _CITE_ID + r")*)[ \t]*\]")
_CITE_IDS = re.compile(r"@(" + _CITE_ID + r")")


def _citation_rule(state: StateInline, silent: bool) -> bool:
    if not state.src.startswith("[@", state.pos):
        return False
    m = CITATION_RE.match(state.src, state.pos)
    if not m:
        return False
    if not silent:
        token = state.push("citation", "", 0)
        token.meta = {"ids": _CITE_IDS.findall(m.group(0)), "literal": m.group(0)}
    state.pos = m.end()
    return True


# The characters at which some inline rule after "text" can match: newline "\n", escape "\\", backticks
# "`", strikethrough "~", emphasis "_*", citation/link/footnote_ref "[", image "!", footnote_inline "^",
# autolink/html_inline "<", entity "&" (each rule's first test is on the character at state.pos).
_RULE_START_CHARS = frozenset("\n\\`~_*[!^<&")


def _plain_char_rule(state: StateInline, silent: bool) -> bool:
    """Runs right after "text": a terminator no rule can start at (``-``, ``:``, ``#``...) is plain text.

    markdown-it would try every remaining rule, see each fail, then add the character to the pending
    text (or, in silent mode, just step over it); this does the same without the failing calls.
    """
    char = state.src[state.pos]
    if char in _RULE_START_CHARS:
        return False
    if not silent:
        state.append_pending(char)
    state.pos += 1
    return True


def make_parser() -> MarkdownIt:
    """The project's Markdown dialect: CommonMark + tables + strikethrough + footnotes + citations."""
    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).use(footnote_plugin)
    md.inline.ruler.before("link", "citation", _citation_rule)
    md.inline.ruler.after("text", "plain_char", _plain_char_rule)
    # markdown-it leaves a link to javascript:/data:/file: as literal "[text](url)" text, which the residue
    # check then reports as unconverted Markdown and the whole post fails. Parse every link; the walker
    # keeps the text of a link it won't publish, drops the link, and says so (see _Walker.safe_children).
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    return md


_PARSER = make_parser()


def _render_softbreak(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict,
                      env: EnvType) -> str:  # fmt: skip
    # A soft line break is a space to the reader; a newline would become <br /> under wpautop.
    return " "


def _render_hardbreak(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict,
                      env: EnvType) -> str:  # fmt: skip
    return "<br>"


def _render_citation(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict,
                     env: EnvType) -> str:  # fmt: skip
    meta = tokens[idx].meta
    resolver: CitationResolver | None = env.get("resolver")
    rendered = resolver.cite(meta["ids"]) if resolver is not None else None
    if rendered is None:
        env.setdefault("unresolved", []).extend(meta["ids"])
        return html.escape(meta["literal"], quote=False)
    return rendered


def _footnote_ids(meta: dict[str, Any]) -> tuple[int, str]:
    """The footnote's number and the id of the reference to it (``fnref2``, ``fnref2:1`` for a second one)."""
    n = int(meta["id"]) + 1
    return n, f"fnref{n}" + (f":{meta['subId']}" if meta.get("subId", 0) > 0 else "")


def _render_footnote_ref(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict,
                         env: EnvType) -> str:  # fmt: skip
    n, ref_id = _footnote_ids(tokens[idx].meta)
    return f'<sup class="footnote-ref"><a href="#fn{n}" id="{ref_id}">[{n}]</a></sup>'


def _render_footnote_anchor(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict,
                            env: EnvType) -> str:  # fmt: skip
    _, ref_id = _footnote_ids(tokens[idx].meta)
    # U+21A9 with VS15 (text presentation), as markdown-it renders it.
    return f' <a href="#{ref_id}" class="footnote-backref">\u21a9\ufe0e</a>'


_INLINE_RULES: dict[str, Callable[..., str]] = {
    "softbreak": _render_softbreak,
    "hardbreak": _render_hardbreak,
    "citation": _render_citation,
    "footnote_ref": _render_footnote_ref,
    "footnote_anchor": _render_footnote_anchor,
}
for _name, _rule in _INLINE_RULES.items():
    _PARSER.add_render_rule(_name, _rule)
assert isinstance(_PARSER.renderer, RendererHTML)
_RENDERER: RendererHTML = _PARSER.renderer

_BARE_URL = re.compile(r"^https?://[^\s<>\"]+$")
_HTTP_URL = re.compile(r"^https?://", re.IGNORECASE)


_PUBLISHED_HREF = re.compile(r"^(?:https?://|mailto:|#)", re.IGNORECASE)
_TAG_NAME = re.compile(r"<\s*([A-Za-z][A-Za-z0-9-]*)")
_EVENT_ATTR = re.compile(r"\s(on[a-z]+)\s*=", re.IGNORECASE)
_CODE_SPAN = re.compile(r"<(code|pre)\b[^>]*>.*?</\1>", re.DOTALL | re.IGNORECASE)
_SHORTCODE_LIKE = re.compile(r"\[\[?([A-Za-z_][\w-]*)[^\]\n]*\]")


def _shorten(text: str, width: int = 50) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "\u2026"


def dropped_markup(raw: str, clean: str) -> list[str]:
    """What sanitising removed from ``raw``: tag names (``<script>``) and event attributes, in order."""
    kept = {name.lower() for name in _TAG_NAME.findall(clean)}
    lost = [f"<{name.lower()}>" for name in _TAG_NAME.findall(raw) if name.lower() not in kept]
    lost += [f"{attr.lower()}=" for attr in _EVENT_ATTR.findall(raw)]
    return list(dict.fromkeys(lost))


@dataclass
class _Walker:
    tokens: list[Token]
    env: dict[str, Any]
    pos: int = 0

    def warn(self, message: str) -> None:
        warnings: list[str] | None = self.env.get("warnings")
        if warnings is not None and message not in warnings:
            warnings.append(message)

    # -- inline -------------------------------------------------------------------------------------------------
    def safe_children(self, children: list[Token]) -> list[Token]:
        """Warn about each link or image of ``children`` that won't be published (the sanitiser removes its URL).

        Only http(s), mailto and in-page links are published, and only http(s) images: a ``javascript:``
        link from a hostile abstract must neither run nor stop an unattended run, and its author should
        hear that the link is gone (its text stays).
        """
        for tok in children:
            if tok.type == "link_open":
                href = str(tok.attrGet("href") or "")
                if not _PUBLISHED_HREF.match(href.strip()):
                    self.warn(f"link to {_shorten(href)!r} removed, its text kept (only http(s), mailto and "
                              "#anchor links are published)")  # fmt: skip
            elif tok.type == "image":
                src = str(tok.attrGet("src") or "")
                if not _HTTP_URL.match(src.strip()):
                    self.warn(f"image {_shorten(src)!r} removed (only http(s) images are published)")
            elif tok.type == "html_inline":
                for lost in dropped_markup(tok.content, sanitize_inline(tok.content)):
                    self.warn(f"raw HTML {lost} removed (not allowed in a post)")
        return children

    def inline(self, token: Token) -> str:
        children = self.safe_children(token.children or [])
        if len(children) == 1 and children[0].type == "text" and _BARE_URL.match(children[0].content):
            # A URL alone in a paragraph would be oEmbedded by WordPress; make it an ordinary link.
            url = children[0].content
            raw = f'<a href="{html.escape(url)}">{html.escape(url, quote=False)}</a>'
        else:
            raw = _RENDERER.renderInline(children, _PARSER.options, self.env)
        self.warn_shortcodes(raw)
        return sanitize_inline(raw)

    def warn_shortcodes(self, raw: str) -> None:
        """A WordPress shortcode (``[embed]…``) is escaped, not run: say so, as it shows as literal text."""
        if "[" not in raw:
            return
        for m in _SHORTCODE_LIKE.finditer(_CODE_SPAN.sub(" ", raw)):
            if m.group(1).lower() not in SHORTCODE_TAGS:
                continue  # "[x] done" is just text; only WordPress's own shortcode names look like an intent
            self.warn(f"shortcode-like text {_shorten(m.group(0))!r} is shown as literal text (shortcodes are "
                      "not run in published posts; put it in `code` to show it as code)")  # fmt: skip

    # -- blocks -------------------------------------------------------------------------------------------------
    def blocks(self, until: str | None = None) -> list[Block]:
        out: list[Block] = []
        while self.pos < len(self.tokens):
            tok = self.tokens[self.pos]
            if until is not None and tok.type == until:
                self.pos += 1
                return out
            block = self.block()
            if block is not None:
                out.append(block)
        return out

    def block(self) -> Block | None:
        tok = self.tokens[self.pos]
        kind = tok.type
        if kind == "paragraph_open":
            return self.paragraph()
        if kind == "heading_open":
            inline = self.tokens[self.pos + 1]
            self.pos += 3
            return Heading(int(tok.tag[1]), self.inline(inline))
        if kind in ("bullet_list_open", "ordered_list_open"):
            return self.list_block()
        if kind == "blockquote_open":
            self.pos += 1
            return Quote(self.blocks(until="blockquote_close"))
        if kind == "hr":
            self.pos += 1
            return Separator()
        if kind in ("fence", "code_block"):
            self.pos += 1
            info = unescapeAll(tok.info or "").strip().split()
            return Code(tok.content, info[0] if info else "")
        if kind == "html_block":
            self.pos += 1
            clean = sanitize_html(tok.content).strip()
            for lost in dropped_markup(tok.content, clean):
                self.warn(f"raw HTML {lost} removed (not allowed in a post)")
            self.warn_shortcodes(tok.content)
            return Html(clean) if clean else None
        if kind == "table_open":
            return self.table()
        if kind == "footnote_block_open":
            return self.footnotes()
        self.pos += 1  # anything else (closing tokens of hidden wrappers) carries no content
        return None

    def paragraph(self) -> Block | None:
        inline = self.tokens[self.pos + 1]
        self.pos += 2
        trailing = ""
        # Inside a footnote the plugin puts its back-reference anchor between inline and paragraph_close.
        while self.tokens[self.pos].type != "paragraph_close":
            tok = self.tokens[self.pos]
            if tok.type == "footnote_anchor":
                trailing += _render_footnote_anchor(_RENDERER, self.tokens, self.pos, _PARSER.options, self.env)
            self.pos += 1
        self.pos += 1
        if trailing:
            return Paragraph(self.inline(inline) + sanitize_inline(trailing))
        children = inline.children or []
        if len(children) == 1 and children[0].type == "image":
            img = children[0]
            self.safe_children(children)  # warns when the image won't be published
            src = str(img.attrGet("src") or "")
            if _HTTP_URL.match(src):
                alt = _RENDERER.renderInlineAsText(img.children or [], _PARSER.options, self.env)
                return Image(src, alt)
        text = self.inline(inline)
        # Nothing left to show (an image or raw HTML that was removed): no empty paragraph block.
        return Paragraph(text) if text.strip() else None

    def list_block(self) -> Block:
        open_tok = self.tokens[self.pos]
        ordered = open_tok.type == "ordered_list_open"
        close_type = "ordered_list_close" if ordered else "bullet_list_close"
        start_attr = open_tok.attrGet("start")
        start = int(start_attr) if start_attr is not None else None
        self.pos += 1
        items: list[ListItem] = []
        raw_items: list[list[Block]] = []
        representable = True
        while self.tokens[self.pos].type != close_type:
            self.pos += 1  # list_item_open
            children = self.blocks(until="list_item_close")
            raw_items.append(children)
            texts: list[str] = []
            lists: list[ListBlock] = []
            for child in children:
                if isinstance(child, Paragraph) and not lists:
                    texts.append(child.html)
                elif isinstance(child, ListBlock):
                    lists.append(child)
                else:
                    # core/list-item holds rich text then nested lists only: anything else (code, quote,
                    # text after a nested list) cannot be a list block without losing or moving content.
                    representable = False
            items.append(ListItem("<br><br>".join(texts), lists))
        self.pos += 1
        if representable:
            return ListBlock(ordered, items, start)
        tag = "ol" if ordered else "ul"
        start_attr_html = f' start="{start}"' if ordered and start is not None else ""
        lis = "".join(f"<li>{classic_html(children)}</li>" for children in raw_items)
        return Html(f"<{tag}{start_attr_html}>{lis}</{tag}>")

    def table(self) -> Table:
        self.pos += 1
        head: list[list[Cell]] = []
        body: list[list[Cell]] = []
        section = body
        while self.tokens[self.pos].type != "table_close":
            tok = self.tokens[self.pos]
            if tok.type == "thead_open":
                section = head
            elif tok.type == "tbody_open":
                section = body
            elif tok.type == "tr_open":
                section.append([])
            elif tok.type in ("th_open", "td_open"):
                style = str(tok.attrGet("style") or "")
                m = re.search(r"text-align:(left|center|right)", style)
                inline = self.tokens[self.pos + 1]
                section[-1].append(Cell(self.inline(inline), m.group(1) if m else None))
                self.pos += 2
            self.pos += 1
        self.pos += 1
        return Table(head, body)

    def footnotes(self) -> Footnotes:
        self.pos += 1
        items: list[Footnote] = []
        while self.tokens[self.pos].type != "footnote_block_close":
            tok = self.tokens[self.pos]
            if tok.type == "footnote_open":
                number = tok.meta["id"] + 1
                self.pos += 1
                paragraphs: list[str] = []
                for child in self.blocks(until="footnote_close"):
                    if isinstance(child, Paragraph):
                        paragraphs.append(child.html)
                    else:
                        paragraphs.append(classic_html([child]))
                items.append(Footnote(number, paragraphs))
                continue
            self.pos += 1
        self.pos += 1
        return Footnotes(items)


def parse_markdown(
    md: str, resolver: CitationResolver | None = None, warnings: list[str] | None = None
) -> tuple[list[Block], list[str]]:
    """Markdown -> block tree; also the citation ids that could not be resolved (in order, repeated).

    ``warnings`` (when given) receives one line per thing the reader won't see as written: a link or image
    removed for its URL, raw HTML removed by the allowlist, shortcode-like text shown literally.
    """
    env: dict[str, Any] = {"resolver": resolver, "warnings": warnings}
    tokens = _PARSER.parse(md, env)
    walker = _Walker(tokens, env)
    blocks = walker.blocks()
    # Footnotes last, wherever the plugin put them.
    ordered = [b for b in blocks if not isinstance(b, Footnotes)] + [b for b in blocks if isinstance(b, Footnotes)]
    return ordered, list(env.get("unresolved", []))


def markdown_to_blocks(
    md: str, resolver: CitationResolver | None = None, wp_version: str | None = CURRENT_WP_VERSION
) -> str:
    """Markdown -> block markup of ``wp_version`` (canonical core blocks; default: the current line)."""
    return to_blocks(parse_markdown(md, resolver)[0], wp_version)


def markdown_to_classic(md: str, resolver: CitationResolver | None = None) -> str:
    """Markdown -> classic HTML (no newline inside paragraphs or list items)."""
    return to_classic(parse_markdown(md, resolver)[0])
