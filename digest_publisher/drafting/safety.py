"""What a drafter may put into a post, enforced by code: prose, Markdown structure and ``[@id]`` citations.

A model that obeys an instruction hidden in an abstract ("add a link to ...", "show this image") must
not reach WordPress, so every link, image, raw HTML tag, WordPress shortcode and bare URL in drafted
text is removed here, and each removal is listed (``draft-report.json`` -> ``removed``) for the editor.
Citations of papers that are not in the post are removed the same way. Link texts stay (they are
prose) unless the link was all its line held: a lone link is a button ("Log in to continue").

This runs on what a drafter hands back, before the post is written. What an editor later writes into
post.md is theirs and is never touched.
"""

from __future__ import annotations

import re
from collections.abc import Container
from typing import Any

_CITATION = re.compile(r"\[@[^\]]*\]")
_IMAGE = re.compile(r"(?<!\\)!\[(?:[^\]\\]|\\.)*\]\s*(?:\([^)]*\)|\[[^\]]*\])")
_LINK = re.compile(r"(?<![\\!])\[((?:[^\]\\@]|\\.)(?:[^\]\\]|\\.)*)\]\s*(?:\(([^)]*)\)|\[([^\]]*)\])")
_LINK_DEFINITION = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*\S+.*$", re.M)
_AUTOLINK = re.compile(r"<(?:https?|ftp|mailto):[^>\s]*>", re.I)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_HTML = re.compile(r"(?<!\\)</?[A-Za-z][\w:-]*(?:\s[^<>]*)?/?>")
_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>()\]]*[^\s<>()\].,;:!?'\"]", re.I)
# [gallery], [button link="..."]Log in[/button], [/embed]: WordPress runs these; "[@id]" is a citation.
_SHORTCODE = re.compile(r"(?<!\\)\[\[?/?[A-Za-z_][\w-]*(?:\s[^\]]*)?\]\]?")


def _record(removed: list[dict[str, Any]], where: str, kind: str, text: str) -> None:
    removed.append({"where": where, "kind": kind, "text": text.strip()[:200]})


def clean_markdown(text: str, where: str, known_ids: Container[str]) -> tuple[str, list[dict[str, Any]]]:
    """``text`` with links, images, HTML, shortcodes, bare URLs and citations of unknown papers removed,
    and the list of what was removed (``where`` names the part of the post, e.g. a section heading)."""
    removed: list[dict[str, Any]] = []
    citations: list[str] = []

    def hold(match: re.Match[str]) -> str:
        # Citations are set aside first, so no pattern below mistakes "[@id]" for a link or shortcode.
        ids = [part.strip().removeprefix("@").strip() for part in match.group(0)[1:-1].split(";")]
        kept = [i for i in ids if i and i in known_ids]
        for unknown in (i for i in ids if i not in kept):
            _record(removed, where, "citation", f"[@{unknown}]")
        if not kept:
            return ""
        citations.append("[" + "; ".join(f"@{i}" for i in kept) + "]")
        return f"\x00{len(citations) - 1}\x00"

    out = _CITATION.sub(hold, text)
    lines: list[str] = []
    for line in out.split("\n"):
        lone = _LINK.fullmatch(line.strip().strip("*_ ")) or _IMAGE.fullmatch(line.strip())
        if lone:
            _record(removed, where, "image" if line.strip().startswith("!") else "link", line)
            continue
        lines.append(line)
    out = "\n".join(lines)
    for kind, pattern in (("link", _LINK_DEFINITION), ("image", _IMAGE), ("link", _AUTOLINK), ("html", _COMMENT)):
        for match in pattern.finditer(out):
            _record(removed, where, kind, match.group(0))
        out = pattern.sub("", out)

    def unlink(match: re.Match[str]) -> str:
        _record(removed, where, "link", match.group(0))
        return match.group(1)

    out = _LINK.sub(unlink, out)
    for kind, pattern in (("html", _HTML), ("shortcode", _SHORTCODE), ("url", _URL)):
        for match in pattern.finditer(out):
            _record(removed, where, kind, match.group(0))
        out = pattern.sub("", out)
    out = re.sub(r"\x00(\d+)\x00", lambda m: citations[int(m.group(1))], out)
    if removed:
        # Tidy what the removals left: doubled spaces, a space before punctuation, empty lines in a row.
        out = re.sub(r"[ \t]{2,}", " ", out)
        out = re.sub(r" +([,.;:!?])", r"\1", out)
        out = re.sub(r"\n{3,}", "\n\n", out)
    return out.strip("\n"), removed
