"""The residue check: rendered content must hold no literal Markdown, no empty section, no raw citation."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from ..errors import ResidueError
from .citations import VERBATIM_CLASS
from .parser import CITATION_RE
from .wpformat import unescape_shortcodes

_CODE = re.compile(r"<(pre|code|kbd|tt|samp)\b[^>]*>.*?</\1>", re.DOTALL | re.IGNORECASE)
_VERBATIM = re.compile(rf'<span class="{VERBATIM_CLASS}">[^<]*</span>')
_BLOCK_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_PARAGRAPH = re.compile(r"<p\b[^>]*>(.*?)</p>", re.DOTALL | re.IGNORECASE)
_HEADING = re.compile(r"<h([1-6])\b[^>]*>(.*?)</h\1>", re.DOTALL | re.IGNORECASE)
_MD_LINK = re.compile(r"\[[^\]\n]+\]\((?:[^()\s]+|\([^()\s]*\))*\)")
_MD_HEADING_START = re.compile(r"^#{1,6}(?:\s|$)")
_RULE_ONLY = re.compile(r"^(?:-{3,}|\*{3,}|_{3,}|[\u2014\u2013]+|-{2})$")
_VISIBLE_BLOCK = re.compile(r"<(img|table|pre|code|figure|blockquote|ul|ol|li|iframe|video|audio)\b", re.IGNORECASE)


def _text(fragment: str) -> str:
    """The text a reader sees: tags removed, WordPress's escaped shortcodes shown as it shows them
    (``[[gallery]]`` -> ``[gallery]``), entities decoded."""
    shown = unescape_shortcodes(unescape_shortcodes(fragment, ("embed",)))
    return html.unescape(_TAG.sub("", shown))


def _snippet(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= width else text[: width - 1] + "\u2026")


def find_residue(content: str, verbatim: Iterable[str] = ()) -> list[str]:
    """Every problem in rendered content (block or classic HTML), in document order of kind.

    ``verbatim`` are texts shown exactly as the corpus has them (paper titles, author lists, short names):
    a title with ``**`` or ``[a](b)`` in it is data, not Markdown left unconverted, so those texts are
    left out of the literal-Markdown checks.
    """
    problems: list[str] = []
    body = _BLOCK_COMMENT.sub("", content)
    visible = _VERBATIM.sub(" ", _CODE.sub(" ", body))  # corpus text marked as data is not Markdown
    exempt = sorted({v for v in verbatim if any(c in v for c in "*[#>")}, key=len, reverse=True)

    for m in _PARAGRAPH.finditer(visible):
        text = _text(m.group(1)).strip()
        if text.startswith(">"):
            problems.append(f"paragraph starts with a literal '>' (a Markdown quote left as text): {_snippet(text)}")
        if _MD_HEADING_START.match(text):
            problems.append(f"paragraph starts with '#' (a Markdown heading left as text): {_snippet(text)}")
        if _RULE_ONLY.match(text.replace(" ", "")):
            problems.append(f"paragraph holds only a rule or dash (Markdown '---' left as text): {_snippet(text)}")

    text = _text(visible)
    for piece in exempt:
        text = text.replace(piece, " ")
    first = text.find("**")
    if first != -1:
        count = text.count("**")
        around = text[max(0, first - 30) : first + 32]
        problems.append(f"literal '**' (unconverted bold), {count} occurrence(s), first: {_snippet(around)}")
    for m in _MD_LINK.finditer(text):
        if not m.group(0).startswith("[@"):
            problems.append(f"Markdown link left as text: {_snippet(m.group(0))}")
    unresolved = [m.group(0) for m in CITATION_RE.finditer(text)]
    if unresolved:
        problems.append(
            "unresolved citation(s) "
            + ", ".join(dict.fromkeys(unresolved))
            + ": no such paper in the post's papers.json"
        )
    problems.extend(_empty_sections(body))
    return problems


def _empty_sections(body: str) -> list[str]:
    """A heading followed directly by a heading of the same or a higher level, or by the end of the post.

    A heading followed by a deeper one has subsections; those are checked in turn.
    """
    problems: list[str] = []
    headings = list(_HEADING.finditer(body))
    for index, heading in enumerate(headings):
        level = int(heading.group(1))
        nxt = headings[index + 1] if index + 1 < len(headings) else None
        between = body[heading.end() : nxt.start() if nxt else len(body)]
        if _text(between).strip() or _VISIBLE_BLOCK.search(between):
            continue
        if nxt is not None and int(nxt.group(1)) > level:
            continue
        title = _text(heading.group(2)).strip()
        what = "the end of the post" if nxt is None else f"the heading {_snippet(_text(nxt.group(2)))}"
        problems.append(f"empty section: heading {_snippet(title)} (h{level}) is followed directly by {what}")
    return problems


def check_residue(html_content: str, where: str = "") -> None:
    """Raise :class:`~digest_publisher.errors.ResidueError` listing ALL problems, or return quietly."""
    problems = find_residue(html_content)
    if problems:
        raise ResidueError(problems, where)
