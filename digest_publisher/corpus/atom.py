"""arXiv API Atom feeds: one parser shared by the ``atom`` reader and ``corpus fetch``.

A feed is parsed whole (API pages are at most a few MB). Each entry becomes a record in the
project's JSONL listing shape (``id``, ``categories``, ``pdf``, ``abs``, ``authors``, ``title``,
``comment``, ``summary``) plus ``date`` (the ``<published>`` day, i.e. the v1 submission),
``version`` and ``doi``, so a fetched page can be written out and read back by the listing reader.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

from ..models import split_arxiv_id
from .text_cleanup import collapse_whitespace, unwrap_abstract

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"

# ElementTree reports no line numbers; entries are located by scanning the raw text once.
_ENTRY_TAG = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?entry[\s>/]")


class AtomFormatError(ValueError):
    """The document is not a well-formed Atom feed; ``line`` is 1-based when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class AtomEntry:
    """One ``<entry>``: the listing-shaped record, the line where it starts, and what is wrong with it."""

    record: dict[str, Any]
    line: int | None
    problem: str | None = None


@dataclass(frozen=True)
class AtomFeed:
    total_results: int | None
    start_index: int | None
    items_per_page: int | None
    entries: list[AtomEntry] = field(default_factory=list)
    # The arXiv API reports bad queries as a feed holding one entry titled "Error".
    api_error: str | None = None


def _text(element: ET.Element | None) -> str | None:
    if element is None or element.text is None:
        return None
    return element.text


def _int(element: ET.Element | None) -> int | None:
    text = _text(element)
    if text is None:
        return None
    try:
        return int(text.strip())
    except ValueError:
        return None


def _entry_lines(text: str) -> list[int]:
    lines: list[int] = []
    last_pos, last_line = 0, 1
    for match in _ENTRY_TAG.finditer(text):
        last_line += text.count("\n", last_pos, match.start())
        last_pos = match.start()
        lines.append(last_line)
    return lines


def _entry_record(entry: ET.Element) -> tuple[dict[str, Any], str | None]:
    raw_id = (_text(entry.find(f"{ATOM}id")) or "").strip()
    parsed = split_arxiv_id(raw_id)
    title = collapse_whitespace(_text(entry.find(f"{ATOM}title")) or "")
    problem = None
    if parsed is None:
        problem = f"entry id {raw_id!r} is not an arXiv abs URL" if raw_id else "entry has no <id>"
    elif not title:
        problem = "entry has no <title>"
    arxiv_id, version = parsed if parsed else (None, None)

    categories: list[str] = []
    primary = entry.find(f"{ARXIV}primary_category")
    if primary is not None and primary.get("term"):
        categories.append(str(primary.get("term")))
    for category in entry.findall(f"{ATOM}category"):
        term = category.get("term")
        if term and term not in categories:
            categories.append(term)

    published = (_text(entry.find(f"{ATOM}published")) or "").strip()
    comment = _text(entry.find(f"{ARXIV}comment"))
    doi = _text(entry.find(f"{ARXIV}doi"))
    record: dict[str, Any] = {
        "id": arxiv_id,
        "categories": categories,
        "pdf": f"https://arxiv.org/pdf/{arxiv_id}" if arxiv_id else None,
        "abs": f"https://arxiv.org/abs/{arxiv_id}" if arxiv_id else None,
        "authors": [
            collapse_whitespace(name.text)
            for name in entry.iterfind(f"{ATOM}author/{ATOM}name")
            if name.text and name.text.strip()
        ],
        "title": title,
        "comment": collapse_whitespace(comment) if comment and comment.strip() else None,
        "summary": unwrap_abstract(_text(entry.find(f"{ATOM}summary")) or ""),
        "date": published[:10] or None,
        "version": version,
        "doi": doi.strip() if doi and doi.strip() else None,
    }
    return record, problem


def parse_feed(data: bytes) -> AtomFeed:
    """Parse one Atom document. Raises :class:`AtomFormatError` if it is not XML or not a feed.

    Entries that cannot become papers (no title, no arXiv id) are returned with ``problem`` set, so
    the caller decides whether that is fatal and can name the line.
    """
    try:
        # The stdlib parser is safe for this input: ElementTree never fetches external entities or
        # DTDs, and the bundled expat (>= 2.4) caps entity expansion ("billion laughs").
        root = ET.fromstring(data)  # noqa: S314
    except ET.ParseError as exc:
        line = exc.position[0] if exc.position else None
        raise AtomFormatError(f"not well-formed XML: {exc}", line) from exc
    if root.tag != f"{ATOM}feed":
        tag = root.tag.split("}")[-1]
        raise AtomFormatError(f"not an Atom feed: the root element is <{tag}>, expected <feed>", 1)

    text = data.decode("utf-8", errors="replace")
    lines = _entry_lines(text)
    elements = root.findall(f"{ATOM}entry")
    if len(lines) != len(elements):  # e.g. "<entry" inside a comment: positions would be wrong
        lines = []

    entries: list[AtomEntry] = []
    api_error = None
    for index, element in enumerate(elements):
        entry_id = _text(element.find(f"{ATOM}id")) or ""
        if "/api/errors" in entry_id:
            summary = _text(element.find(f"{ATOM}summary")) or "unknown error"
            api_error = collapse_whitespace(summary)
            continue
        record, problem = _entry_record(element)
        entries.append(AtomEntry(record, lines[index] if lines else None, problem))
    return AtomFeed(
        total_results=_int(root.find(f"{OPENSEARCH}totalResults")),
        start_index=_int(root.find(f"{OPENSEARCH}startIndex")),
        items_per_page=_int(root.find(f"{OPENSEARCH}itemsPerPage")),
        entries=entries,
        api_error=api_error,
    )
