"""Comparing what was sent with what WordPress kept: HTML compared by meaning (entity spelling, attribute
order, whitespace aside), titles as text, the hash of stored fields (``fingerprint``) and THE rule of
whether a post was edited in WordPress since our last write (``remote_edit``), and the ownership rule for
a post found by its slug (``holds_our_post``)."""

from __future__ import annotations

import hashlib
import html
import json
from collections.abc import Mapping
from html.parser import HTMLParser
from typing import Any

from ..errors import WordPressError
from ..models import RenderedPost
from .publisher import KnownState, parse_gmt


def holds_our_post(stored_content: str, post: RenderedPost) -> bool:
    """Ownership without a marker: is a post found by its slug this post as a run of ours sent it?

    Nothing of ours is written into the content (an HTML comment outside the blocks opens as a Classic
    block in the editor, and post meta needs a plugin to register it). What identifies our post is
    the local record (its WordPress id); when the record is lost (or a run died between the create and
    saving the id), a post that holds this slug AND exactly this content is the one we wrote: updating it
    changes nothing a person wrote (a title changed locally since is still ours to send). Any other
    holder of the slug is refused.
    """
    return first_html_difference(post.content, stored_content) is None


class _Fingerprint(HTMLParser):
    """HTML as a token list that ignores what WordPress's filters change without changing meaning:
    entity spelling (``&`` vs ``&amp;`` vs ``&#038;``), attribute order and quoting, ``<br>`` vs
    ``<br />``, and whitespace between tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tokens: list[tuple[str, ...]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        shown = " ".join(f"{k}={(v or '').strip()}" for k, v in sorted(attrs))
        self.tokens.append(("<", tag, shown))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        self.tokens.append(("</", tag))

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if text:
            if self.tokens and self.tokens[-1][0] == "text":
                text = self.tokens.pop()[1] + " " + text
            self.tokens.append(("text", text))

    def handle_comment(self, data: str) -> None:
        self.tokens.append(("<!--", " ".join(data.split())))


def html_tokens(markup: str) -> list[tuple[str, ...]]:
    parser = _Fingerprint()
    parser.feed(markup)
    parser.close()
    return parser.tokens


def first_html_difference(sent: str, got: str) -> str | None:
    """None when both mean the same HTML; else a short description of the first difference."""
    a, b = html_tokens(sent), html_tokens(got)
    if a == b:
        return None
    for index, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return f"at token {index}: sent {_show(x)}, WordPress kept {_show(y)}"
    if len(a) > len(b):
        return f"WordPress dropped the end, from {_show(a[len(b)])} ({len(a) - len(b)} tokens)"
    return f"WordPress added {_show(b[len(a)])} at the end"


def _show(token: tuple[str, ...]) -> str:
    kind = token[0]
    if kind == "<":
        return f"<{token[1]}{' ' + token[2] if token[2] else ''}>"
    if kind == "</":
        return f"</{token[1]}>"
    if kind == "<!--":
        return f"<!-- {token[1]} -->"
    text = token[1]
    return repr(text if len(text) <= 60 else text[:57] + "...")


def same_text(sent: str, got: str) -> bool:
    """Titles: WordPress stores ``&`` as ``&amp;`` for some roles; compare what a reader reads."""
    return " ".join(html.unescape(sent).split()) == " ".join(html.unescape(got).split())


def verification_error(what: str, where: str, problems: list[str], url: str | None = None) -> WordPressError:
    return WordPressError(
        f"{what}: WordPress answered with success but did not keep what was sent ({where}): "
        + "; ".join(problems),
        "Nothing was retried. Fix the cause named above (a missing term, image, or a capability the user "
        "lacks, e.g. unfiltered_html for script/iframe/style) and publish again: the post is updated in "
        "place",
        url=url,
    )


def fingerprint(transport: str, fields: Mapping[str, Any]) -> str:
    """``transport:sha256`` of the fields WordPress stored; only compared within one transport."""
    text = json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str)
    return f"{transport}:{hashlib.sha256(text.encode()).hexdigest()}"


def remote_edit(known: KnownState, modified_gmt: str | None, remote_fingerprint: str) -> bool:
    """Was the post changed in WordPress since our last write? With a fingerprint of the markup's normal form
    (``rest-normal``) the fields decide: a save that changed none of them (the editor re-spelling our markup,
    Update clicked without a change) is no edit. Otherwise a newer modified date is one too."""
    prefix = remote_fingerprint.split(":", 1)[0]
    comparable = bool(known.remote_fingerprint and known.remote_fingerprint.startswith(prefix + ":"))
    if comparable and prefix in MIGRATION_TOLERANT:
        return known.remote_fingerprint != remote_fingerprint
    if known.modified_gmt and modified_gmt and parse_gmt(modified_gmt) != parse_gmt(known.modified_gmt):
        return True
    return comparable and known.remote_fingerprint != remote_fingerprint


#: Fingerprint kinds taken over a normal form of the content, so that a re-save is not an edit.
MIGRATION_TOLERANT = frozenset({"rest-normal"})


