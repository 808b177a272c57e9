"""Corpus files -> :class:`~digest_publisher.models.Paper`, one reader per format.

Formats (``FORMATS``):

- ``listing``: JSON Lines in the arXiv daily-listing shape (``id``, ``title``, ``authors``,
  ``summary``, ``categories``, ``abs``, ``pdf``, ``comment``; ``date`` optional). Streamed, see
  :mod:`.jsonl` (the record's fields: :mod:`.fields`).
- ``snapshot``: the bulk arXiv metadata snapshot (JSON Lines; ``authors`` one string,
  space-separated ``categories``, ``versions`` with RFC 2822 dates). Streamed line by line: the
  real file holds millions of records and several GB. See :mod:`.snapshot`.
- ``json``: a JSON array of listing-shaped records, see :mod:`.jsonarray`.
- ``csv``: CSV with a header row, see :mod:`.csvfile`. Streamed.
- ``bibtex``: see :mod:`.bibtex` (parsed whole).
- ``atom``: an arXiv API Atom feed, see :mod:`.atom` (parsed whole; the reader is here).

This module chooses the reader (:func:`detect_format`, :func:`corpus_files`) and dispatches to it
(:func:`iter_papers`). The readers of the other formats (BibTeX brings ``bibtexparser`` and ``pylatexenc``)
are imported when a file of theirs is read: selecting from a year of JSON Lines loads none of them.

Every Paper carries ``source="<file>:<line>"``; every bad record raises
:class:`~digest_publisher.errors.CorpusError` naming file, line and what is wrong.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..choices import CORPUS_FORMATS
from ..errors import CorpusError
from ..models import Paper
from .fields import Screen, Skimmed, bad_record, listing_paper, sized_papers
from .file_io import decode_utf8, open_binary, unreadable
from .jsonl import iter_jsonl, iter_listing_screened

FORMATS = CORPUS_FORMATS

_EXTENSIONS = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json-or-jsonl",
    ".csv": "csv",
    ".bib": "bibtex",
    ".bibtex": "bibtex",
    ".xml": "atom",
    ".atom": "atom",
}
_SNIFF_BYTES = 64 * 1024
# "@article{" at the start of a line; BibTeX files often open with % comments or free text.
_BIBTEX_ENTRY = re.compile(rb"^\s*@[A-Za-z]+\s*[{(]", re.M)
_FORMAT_HINT = "Pass --format with one of: " + ", ".join(FORMATS)


# --------------------------------------------------------------------------------------------
# Format detection


def _head(path: Path) -> bytes:
    with open_binary(path) as handle:
        try:
            return handle.read(_SNIFF_BYTES)
        except OSError as exc:
            raise unreadable(path, exc) from exc


def _jsonl_kind(head: bytes) -> str:
    """``snapshot`` if the first record looks like the bulk metadata snapshot, else ``listing``."""
    first = next((line for line in head.splitlines() if line.strip()), b"")
    try:
        record = json.loads(first)
    except ValueError:
        return "listing"  # the reader will report the malformed line with its number
    if isinstance(record, dict) and (
        "versions" in record or "update_date" in record or isinstance(record.get("authors"), str)
    ):
        return "snapshot"
    return "listing"


def _sniff(head: bytes) -> str | None:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"["):
        return "json"
    if text.startswith(b"{"):
        return _jsonl_kind(text)
    if _BIBTEX_ENTRY.search(text):
        return "bibtex"
    if text.startswith(b"<") and b"<feed" in text:
        return "atom"
    first_line = text.split(b"\n", 1)[0].lower()
    if b"," in first_line and b"title" in first_line:
        return "csv"
    return None


def detect_format(path: Path) -> str:
    """Choose the reader for ``path``: by extension, then by sniffing the first bytes or record.

    A ``.jsonl`` (or ``.json`` holding JSON Lines, as the snapshot download is named) whose first
    record has ``versions``/``update_date``/a string ``authors`` is ``snapshot``; a ``.json`` array is
    ``json``. Raises :class:`CorpusError` when nothing matches, naming the file and the choices.
    """
    by_extension = _EXTENSIONS.get(path.suffix.lower())
    if by_extension in ("csv", "bibtex", "atom"):
        return by_extension
    head = _head(path)
    if by_extension == "jsonl":
        return _jsonl_kind(head)
    sniffed = _sniff(head)
    if sniffed:
        return sniffed
    if by_extension == "json-or-jsonl":
        return "json"  # the JSON reader reports what is wrong with the content
    raise CorpusError(
        f"{path}: unknown corpus format (extension {path.suffix or '(none)'!r}, and the content is "
        "not JSON, JSON Lines, CSV with a header, BibTeX or an Atom feed)",
        _FORMAT_HINT,
    )


# --------------------------------------------------------------------------------------------
# Atom (parsed whole)


def _iter_atom(path: Path) -> Iterator[Paper]:
    from .atom import AtomFormatError, parse_feed

    name = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise unreadable(path, exc) from exc
    decode_utf8(data, path)  # a clear error for a non-UTF-8 file before XML parsing
    try:
        feed = parse_feed(data)
    except AtomFormatError as exc:
        raise bad_record(f"{name}:{exc.line or 1}", str(exc), "Pass an arXiv API Atom feed, or --format") from None
    if feed.api_error:
        raise bad_record(f"{name}:1", f"the feed is an arXiv API error: {feed.api_error}", "Fetch the page again")
    for number, entry in enumerate(feed.entries, 1):
        where = f"{name}:{entry.line}" if entry.line else f"{name}:entry {number}"
        if entry.problem:
            raise bad_record(where, entry.problem)
        yield listing_paper(entry.record, where, None)


# --------------------------------------------------------------------------------------------


def corpus_files(paths: Iterable[Path]) -> list[Path]:
    """Expand folders into the corpus files they hold; files are passed through as given.

    A folder contributes its files with a known corpus extension (``.jsonl``, ``.json``, ``.csv``,
    ``.bib``, ``.xml`` ...), sorted by name, not recursing and skipping hidden files. A folder with
    none raises :class:`CorpusError` naming it. Missing paths are passed through, so that
    :func:`iter_papers` reports them.
    """
    found: list[Path] = []
    for path in map(Path, paths):
        if not path.is_dir():
            found.append(path)
            continue
        inside = sorted(
            child
            for child in path.iterdir()
            if child.suffix.lower() in _EXTENSIONS and not child.name.startswith(".") and child.is_file()
        )
        if not inside:
            raise CorpusError(
                f"{path} is a folder with no corpus files in it",
                "Pass files ending in " + ", ".join(sorted(_EXTENSIONS)) + ", or a folder that holds some",
            )
        found.extend(inside)
    return found


def iter_papers(path: Path, fmt: str | None = None) -> Iterator[Paper]:
    """Yield the papers of one corpus file, in file order, as it is read.

    ``fmt`` is one of :data:`FORMATS`, or None to :func:`detect_format`. JSON Lines (listing,
    snapshot) and CSV are streamed a line/row at a time, so memory does not grow with the file;
    JSON arrays, BibTeX and Atom feeds are small by nature and parsed whole.

    Raises :class:`CorpusError` naming ``file:line`` and what is wrong, at the first bad record
    (papers before it have already been yielded: callers that write output must not commit it).
    """
    path = Path(path)
    if fmt is None:
        fmt = detect_format(path)
    if fmt == "listing":
        return sized_papers(iter_jsonl(path, snapshot=False))
    if fmt == "snapshot":
        return sized_papers(iter_jsonl(path, snapshot=True))
    if fmt == "json":
        from .jsonarray import iter_json_array

        return sized_papers(iter_json_array(path))
    if fmt == "csv":
        from .csvfile import iter_csv

        return sized_papers(iter_csv(path))
    if fmt == "bibtex":
        from .bibtex import iter_bibtex

        return sized_papers(iter_bibtex(path))
    if fmt == "atom":
        return sized_papers(_iter_atom(path))
    raise CorpusError(f"{path}: unknown corpus format {fmt!r}", _FORMAT_HINT)


def iter_screened(path: Path, fmt: str | None, screen: Screen | None) -> Iterator[Paper | Skimmed]:
    """:func:`iter_papers`, except that a listing JSONL record the topic's ``screen`` rules out is yielded
    as :class:`~.fields.Skimmed` (its key and date) instead of a Paper. Other formats, and no ``screen``,
    yield every Paper."""
    path = Path(path)
    if screen is not None and (fmt or detect_format(path)) == "listing":
        return iter_listing_screened(path, screen)
    return iter_papers(path, fmt)
