"""Corpus files -> :class:`~digest_publisher.models.Paper`, one reader per format.

Formats (``FORMATS``):

- ``listing``: JSON Lines in the arXiv daily-listing shape (``id``, ``title``, ``authors``,
  ``summary``, ``categories``, ``abs``, ``pdf``, ``comment``; ``date`` optional). Streamed.
- ``snapshot``: the bulk arXiv metadata snapshot (JSON Lines; ``authors`` one string,
  space-separated ``categories``, ``versions`` with RFC 2822 dates). Streamed line by line: the
  real file holds millions of records and several GB.
- ``json``: a JSON array of listing-shaped records. Parsed whole (such files are small), but each
  record still gets its own line number.
- ``csv``: CSV with a header row (``title``, ``authors``, ``abstract``, ``id``/``url``, ``date``,
  ``categories``, ``doi``, ``comment``); quoted newlines allowed. Streamed.
- ``bibtex``: see :mod:`.bibtex` (parsed whole).
- ``atom``: an arXiv API Atom feed, see :mod:`.atom` (parsed whole).

Every Paper carries ``source="<file>:<line>"``; every bad record raises
:class:`~digest_publisher.errors.CorpusError` naming file, line and what is wrong.
"""

from __future__ import annotations

import csv
import email.utils
import itertools
import json
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

from ..errors import CorpusError
from ..models import Paper, date_from_arxiv_id, split_arxiv_id
from ._files import decode_utf8, open_binary, read_text, unreadable
from .atom import AtomFormatError, parse_feed
from .bibtex import iter_bibtex
from .text import collapse_whitespace, latex_to_unicode, split_authors, split_categories, unwrap_abstract

FORMATS: tuple[str, ...] = ("listing", "json", "csv", "bibtex", "atom", "snapshot")

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
_DATE_IN_NAME = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_SNIFF_BYTES = 64 * 1024
# "@article{" at the start of a line; BibTeX files often open with % comments or free text.
_BIBTEX_ENTRY = re.compile(rb"^\s*@[A-Za-z]+\s*[{(]", re.M)
_FORMAT_HINT = "Pass --format with one of: " + ", ".join(FORMATS)
_JSONL_HINT = "Fix or remove that line: each line must hold one JSON object"
_MONTHS = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1
    )
}


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
# Field helpers shared by the listing, JSON and CSV readers


def _json_problem(exc: json.JSONDecodeError) -> str:
    """``Unterminated string starting at column 29`` (json's own words, with the column)."""
    joiner = " column" if exc.msg.endswith(" at") else " at column"
    return f"malformed JSON: {exc.msg}{joiner} {exc.colno}"


def _bad(where: str, what: str, hint: str = "Fix that record and run again") -> CorpusError:
    return CorpusError(f"{where}: {what}", hint)


def _date_in_name(path: Path) -> date | None:
    match = _DATE_IN_NAME.search(path.name)
    if not match:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def _parse_date(value: Any, where: str, key: str) -> date | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _bad(where, f"{key} must be a date string, got {type(value).__name__}")
    try:
        # "2026-05-18" or a timestamp such as "2026-05-18T17:59:58Z": the day is what counts.
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        raise _bad(where, f"{key} {value!r} is not an ISO date (YYYY-MM-DD)") from None


def _string_list(
    value: Any, where: str, key: str, split: Callable[[str], tuple[str, ...]]
) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return split(value)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(item.strip() for item in value if item.strip())
    raise _bad(where, f"{key} must be a list of strings or one string, got {json.dumps(value)[:80]}")


def _optional_text(value: Any, where: str, key: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _bad(where, f"{key} must be a string, got {type(value).__name__}")
    value = collapse_whitespace(value)
    return value or None


def _title(record: dict[str, Any], where: str) -> str:
    title = record.get("title")
    if title is None or (isinstance(title, str) and not title.strip()):
        raise _bad(where, "record has no title", "Every paper needs a title: fix or remove that record")
    if not isinstance(title, str):
        raise _bad(where, f"title must be a string, got {type(title).__name__}")
    return collapse_whitespace(title)


def _identity(record: dict[str, Any], where: str) -> tuple[str | None, int | None]:
    raw_id = record.get("id") or record.get("arxiv_id")
    if raw_id is not None and not isinstance(raw_id, str):
        raise _bad(where, f"id must be a string, got {type(raw_id).__name__}")
    found = split_arxiv_id(raw_id) if raw_id else None
    if raw_id and found is None:
        raise _bad(where, f"id {raw_id!r} is not an arXiv id (e.g. 2605.18529 or hep-th/9901001v2)")
    if found is None:
        abs_url = record.get("abs")
        found = split_arxiv_id(abs_url) if isinstance(abs_url, str) else None
    arxiv_id, version = found if found else (None, None)
    explicit = record.get("version")
    if isinstance(explicit, int) and not isinstance(explicit, bool):
        version = explicit if version is None else max(version, explicit)
    return arxiv_id, version


def _listing_paper(record: dict[str, Any], where: str, listing_date: date | None) -> Paper:
    """One listing-shaped record (listing JSONL, JSON array, fetched Atom) -> Paper."""
    title = _title(record, where)
    arxiv_id, version = _identity(record, where)
    abstract = record.get("summary", record.get("abstract"))
    if abstract is not None and not isinstance(abstract, str):
        raise _bad(where, f"summary must be a string, got {type(abstract).__name__}")
    submitted = listing_date or _parse_date(record.get("date"), where, "date")
    if submitted is None and arxiv_id:
        submitted = date_from_arxiv_id(arxiv_id)
    abs_url = record.get("abs")
    return Paper(
        title=title,
        authors=_string_list(record.get("authors"), where, "authors", split_authors),
        abstract=unwrap_abstract(abstract) if abstract else "",
        arxiv_id=arxiv_id,
        version=version,
        categories=_string_list(record.get("categories"), where, "categories", split_categories),
        submitted=submitted,
        abs_url=abs_url if isinstance(abs_url, str) and abs_url else None,
        comment=_optional_text(record.get("comment"), where, "comment"),
        doi=_optional_text(record.get("doi"), where, "doi"),
        source=where,
    )


# --------------------------------------------------------------------------------------------
# JSON Lines: listing and snapshot (streamed)


def _rfc2822_day(value: str) -> date:
    """``"Mon, 2 Apr 2007 19:18:42 GMT"`` -> 2007-04-02, without the cost of a full date parser."""
    parts = value.split()
    try:
        return date(int(parts[3]), _MONTHS[parts[2]], int(parts[1]))
    except (IndexError, KeyError, ValueError):
        parsed = email.utils.parsedate_to_datetime(value)  # raises ValueError/TypeError if hopeless
        return parsed.date()


def _snapshot_authors(record: dict[str, Any], where: str) -> tuple[str, ...]:
    parsed = record.get("authors_parsed")
    if isinstance(parsed, list) and parsed:
        names: list[str] = []
        # Hot loop (tens of names per record, millions of records): plain indexing, no generators.
        for item in parsed:
            if (
                type(item) is not list
                or len(item) < 2
                or type(item[0]) is not str
                or type(item[1]) is not str
            ):
                raise _bad(where, "authors_parsed must be a list of [last, first, suffix] lists")
            last, first = item[0], item[1]
            name = f"{first} {last}".strip() if first else last.strip()
            if len(item) > 2 and item[2] and type(item[2]) is str:
                name = f"{name} {item[2]}"
            if name:
                if "\\" in name or "{" in name or "  " in name:
                    name = latex_to_unicode(collapse_whitespace(name))
                names.append(name)
        return tuple(names)
    authors = record.get("authors")
    if authors is None:
        return ()
    if not isinstance(authors, str):
        return _string_list(authors, where, "authors", split_authors)
    return split_authors(authors)


def _snapshot_paper(record: dict[str, Any], where: str) -> Paper:
    title = _title(record, where)
    raw_id = record.get("id")
    if not isinstance(raw_id, str) or not raw_id:
        raise _bad(where, "record has no arXiv id (snapshot records need 'id')")
    found = split_arxiv_id(raw_id)
    if found is None:
        raise _bad(where, f"id {raw_id!r} is not an arXiv id")
    arxiv_id = found[0]
    version = found[1]
    submitted: date | None = None
    versions = record.get("versions")
    if versions:
        if not isinstance(versions, list):
            raise _bad(where, "versions must be a list of {version, created} objects")
        for item in versions:
            label = item.get("version") if isinstance(item, dict) else None
            if not isinstance(label, str) or not label[1:].isdigit():
                raise _bad(where, f"version entry {json.dumps(item)[:80]} has no 'vN' version")
            number = int(label[1:])
            version = number if version is None else max(version, number)
            if number == 1 and isinstance(item.get("created"), str):
                try:
                    submitted = _rfc2822_day(item["created"])
                except (TypeError, ValueError):
                    raise _bad(where, f"v1 date {item['created']!r} is not an RFC 2822 date") from None
    if submitted is None:
        submitted = date_from_arxiv_id(arxiv_id)
    abstract = record.get("abstract")
    if abstract is not None and not isinstance(abstract, str):
        raise _bad(where, f"abstract must be a string, got {type(abstract).__name__}")
    categories = record.get("categories")
    return Paper(
        title=title,
        authors=_snapshot_authors(record, where),
        abstract=unwrap_abstract(abstract) if abstract else "",
        arxiv_id=arxiv_id,
        version=version,
        # The snapshot always separates categories by single spaces: str.split is enough (and fast).
        categories=tuple(categories.split())
        if isinstance(categories, str)
        else _string_list(categories, where, "categories", split_categories),
        submitted=submitted,
        abs_url=f"https://arxiv.org/abs/{arxiv_id}",
        comment=_optional_text(record.get("comments", record.get("comment")), where, "comments"),
        doi=_optional_text(record.get("doi"), where, "doi"),
        source=where,
    )


def _iter_jsonl(
    path: Path, snapshot: bool, byte_range: tuple[int, int] | None = None, first_line: int = 1
) -> Iterator[Paper]:
    """Records of a JSON Lines file; with ``byte_range``, only the lines that START in [start, end)
    (``start`` must be 0 or just after a newline), numbered from ``first_line``."""
    listing_date = None if snapshot else _date_in_name(path)
    name = str(path)
    lineno = first_line - 1
    with open_binary(path) as handle:
        try:
            position, end = (0, -1) if byte_range is None else byte_range
            if position:
                handle.seek(position)
            for lineno, raw in enumerate(handle, first_line):
                if end >= 0:
                    if position >= end:
                        break
                    position += len(raw)
                if raw.isspace():
                    continue
                where = f"{name}:{lineno}"
                try:
                    record = json.loads(raw)
                except UnicodeDecodeError:
                    raise _bad(where, "line is not valid UTF-8", "Re-save the file as UTF-8") from None
                except json.JSONDecodeError as exc:
                    what = _json_problem(exc)
                    raise _bad(where, what, _JSONL_HINT) from None
                if not isinstance(record, dict):
                    what = f"expected a JSON object, got a JSON {type(record).__name__}"
                    raise _bad(where, what, _JSONL_HINT)
                if snapshot:
                    yield _snapshot_paper(record, where)
                else:
                    yield _listing_paper(record, where, listing_date)
        except OSError as exc:
            raise _bad(f"{name}:{lineno + 1}", f"read failed: {exc.strerror or exc}") from exc


def jsonl_ranges(path: Path, parts: int) -> list[tuple[int, int, int]]:
    """Split a JSON Lines file into ``parts`` byte ranges that start at line starts, as
    ``(start, end, first_line)``, for reading in parallel with :func:`iter_papers_range`."""
    size = path.stat().st_size
    cuts = [0]
    with open_binary(path) as handle:
        for k in range(1, parts):
            handle.seek(max(size * k // parts, cuts[-1]))
            handle.readline()  # to the start of the next line
            cuts.append(min(handle.tell(), size))
    cuts.append(size)
    ranges: list[tuple[int, int, int]] = []
    line = 1
    with open_binary(path) as handle:
        for index, (start, end) in enumerate(itertools.pairwise(cuts)):
            ranges.append((start, end, line))
            if index == len(cuts) - 2:
                break  # no range follows the last one: its lines need no counting
            remaining = end - start
            while remaining > 0:  # count this range's lines: the next range's first line number
                block = handle.read(min(remaining, 1 << 24))
                if not block:
                    break
                line += block.count(b"\n")
                remaining -= len(block)
    return [r for r in ranges if r[1] > r[0]]


def iter_papers_range(path: Path, fmt: str, start: int, end: int, first_line: int) -> Iterator[Paper]:
    """The records of a JSON Lines corpus (``listing`` or ``snapshot``) whose lines start in [start, end)."""
    if fmt not in ("listing", "snapshot"):
        raise CorpusError(f"{path}: format {fmt!r} cannot be read in parts", "Read it whole with iter_papers")
    return _iter_jsonl(Path(path), snapshot=fmt == "snapshot", byte_range=(start, end), first_line=first_line)


# --------------------------------------------------------------------------------------------
# JSON array (parsed whole, element by element so each record keeps its line number)

_WHITESPACE = re.compile(r"[ \t\r\n]*")


def _iter_json_array(path: Path) -> Iterator[Paper]:
    text = read_text(path)
    name = str(path)
    decoder = json.JSONDecoder()
    pos = _WHITESPACE.match(text, 0).end()  # type: ignore[union-attr]  # `*` always matches
    if not text.startswith("[", pos):
        line = text.count("\n", 0, pos) + 1
        raise _bad(
            f"{name}:{line}",
            "expected a JSON array of paper records ('[' ...)",
            "Use a .jsonl file for one record per line, or pass --format",
        )
    pos += 1
    line, counted_to = 1, 0
    index = 0
    listing_date = _date_in_name(path)
    while True:
        pos = _WHITESPACE.match(text, pos).end()  # type: ignore[union-attr]
        if text.startswith("]", pos):
            break
        if index:
            if not text.startswith(",", pos):
                line += text.count("\n", counted_to, pos)
                raise _bad(
                    f"{name}:{line}",
                    f"malformed JSON: expected ',' or ']' after record {index}",
                    "Fix the JSON array",
                )
            pos = _WHITESPACE.match(text, pos + 1).end()  # type: ignore[union-attr]
        line += text.count("\n", counted_to, pos)
        counted_to = pos
        where = f"{name}:{line}"
        try:
            record, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise _bad(
                f"{name}:{exc.lineno}",
                _json_problem(exc),
                "Fix the JSON array",
            ) from None
        index += 1
        if not isinstance(record, dict):
            raise _bad(where, f"record {index} is a JSON {type(record).__name__}, expected an object")
        yield _listing_paper(record, where, listing_date)
    rest = text[pos + 1 :].strip()
    if rest:
        line += text.count("\n", counted_to, pos)
        raise _bad(f"{name}:{line}", "unexpected content after the closing ']'", "Fix the JSON array")


# --------------------------------------------------------------------------------------------
# CSV (streamed)

_CSV_COLUMNS = {
    "title": "title",
    "authors": "authors",
    "author": "authors",
    "abstract": "abstract",
    "summary": "abstract",
    "id": "id",
    "arxiv_id": "id",
    "arxiv id": "id",
    "eprint": "id",
    "url": "url",
    "abs": "url",
    "link": "url",
    "date": "date",
    "submitted": "date",
    "published": "date",
    "categories": "categories",
    "category": "categories",
    "doi": "doi",
    "comment": "comment",
    "comments": "comment",
}


def _csv_authors(value: str) -> tuple[str, ...]:
    # "A; B; C" keeps "Last, First" names whole; otherwise "A, B and C" as arXiv writes them.
    if ";" in value:
        return tuple(name for name in (collapse_whitespace(part) for part in value.split(";")) if name)
    return split_authors(value)


def _csv_paper(row: dict[str, str], where: str) -> Paper:
    title = collapse_whitespace(row.get("title", ""))
    if not title:
        raise _bad(
            where, "row has no title", "Every paper needs a title: fill the title column or drop the row"
        )
    found = None
    for key in ("id", "url"):
        value = row.get(key, "").strip()
        if value:
            found = split_arxiv_id(value)
            if found is None and key == "id":
                raise _bad(where, f"id {value!r} is not an arXiv id (e.g. 2605.18529 or hep-th/9901001v2)")
            if found:
                break
    arxiv_id, version = found if found else (None, None)
    submitted = _parse_date(row.get("date", "").strip(), where, "date")
    if submitted is None and arxiv_id:
        submitted = date_from_arxiv_id(arxiv_id)
    url = row.get("url", "").strip()
    return Paper(
        title=title,
        authors=_csv_authors(row.get("authors", "")),
        abstract=unwrap_abstract(row.get("abstract", ""), indent_breaks=False),
        arxiv_id=arxiv_id,
        version=version,
        categories=split_categories(row.get("categories", "")),
        submitted=submitted,
        abs_url=url or None,
        comment=collapse_whitespace(row.get("comment", "")) or None,
        doi=row.get("doi", "").strip() or None,
        source=where,
    )


def _iter_csv(path: Path) -> Iterator[Paper]:
    name = str(path)
    try:
        # utf-8-sig: spreadsheets save CSV with a byte-order mark.
        handle = path.open("r", encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise unreadable(path, exc) from exc
    with handle:
        reader = csv.reader(handle, strict=True)
        previous_end = 0
        try:
            header = next(reader, None)
            if header is None:
                return
            previous_end = reader.line_num
            columns = [_CSV_COLUMNS.get(cell.strip().lower(), "") for cell in header]
            if "title" not in columns:
                shown = ", ".join(repr(cell) for cell in header[:4])
                raise _bad(
                    f"{name}:1",
                    f"CSV has no header row (the first row is {shown}...; "
                    "a header must name a 'title' column)",
                    "Add a first line naming the columns, e.g. title,authors,abstract,id,date,categories",
                )
            for row in reader:
                start = previous_end + 1
                previous_end = reader.line_num
                if not any(cell.strip() for cell in row):
                    continue
                where = f"{name}:{start}"
                if len(row) != len(header):
                    raise _bad(
                        where,
                        f"row has {len(row)} fields but the header has {len(header)}",
                        "Quote fields that contain commas or newlines",
                    )
                values = {column: cell for column, cell in zip(columns, row, strict=True) if column}
                yield _csv_paper(values, where)
        except csv.Error as exc:
            raise _bad(
                f"{name}:{previous_end + 1}", f"malformed CSV: {exc}", "Check the quoting of that row"
            ) from None
        except UnicodeDecodeError:
            raise _bad(f"{name}:{previous_end + 1}", "not valid UTF-8", "Re-save the file as UTF-8") from None
        except OSError as exc:
            raise _bad(f"{name}:{previous_end + 1}", f"read failed: {exc.strerror or exc}") from exc


# --------------------------------------------------------------------------------------------
# Atom (parsed whole)


def _iter_atom(path: Path) -> Iterator[Paper]:
    name = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise unreadable(path, exc) from exc
    decode_utf8(data, path)  # a clear error for a non-UTF-8 file before XML parsing
    try:
        feed = parse_feed(data)
    except AtomFormatError as exc:
        raise _bad(f"{name}:{exc.line or 1}", str(exc), "Pass an arXiv API Atom feed, or --format") from None
    if feed.api_error:
        raise _bad(f"{name}:1", f"the feed is an arXiv API error: {feed.api_error}", "Fetch the page again")
    for number, entry in enumerate(feed.entries, 1):
        where = f"{name}:{entry.line}" if entry.line else f"{name}:entry {number}"
        if entry.problem:
            raise _bad(where, entry.problem)
        yield _listing_paper(entry.record, where, None)


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
        return _iter_jsonl(path, snapshot=False)
    if fmt == "snapshot":
        return _iter_jsonl(path, snapshot=True)
    if fmt == "json":
        return _iter_json_array(path)
    if fmt == "csv":
        return _iter_csv(path)
    if fmt == "bibtex":
        return iter_bibtex(path)
    if fmt == "atom":
        return _iter_atom(path)
    raise CorpusError(f"{path}: unknown corpus format {fmt!r}", _FORMAT_HINT)
