"""JSON Lines corpora (``listing`` and ``snapshot``), streamed line by line, and split into byte
ranges for reading in parallel."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ..errors import CorpusError
from ..models import Paper
from .fields import (
    Screen,
    Skimmed,
    bad_record,
    date_in_name,
    json_problem,
    listing_paper,
    never_selected,
    sized_papers,
    skim_listing,
)
from .file_io import open_binary

JSONL_HINT = "Fix or remove that line: each line must hold one JSON object"


#: The longest line of a JSON Lines corpus read (a record's own fields are limited by Paper.oversized_field).
MAX_RECORD_BYTES = 4 * 1024 * 1024


# What json.loads hands a str to (a decoder without hooks) ends in its scanner, which reads one value from
# an index and returns it with the index after it; decode then skips whitespace and refuses anything left.
# (JSONDecoder sets scan_once in __init__; the stubs do not list it.)
_SCAN_ONCE: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]
_JSON_WHITESPACE = " \t\n\r"


def _parse_line(raw: bytes, where: str) -> dict[str, Any]:
    """One line as a JSON object, or the corpus's error for it (the line's own check)."""
    if len(raw) > MAX_RECORD_BYTES:  # refused before it is parsed (a paper's fields are capped too)
        what = f"record refused: its line has {len(raw):,} bytes, over the {MAX_RECORD_BYTES:,} allowed"
        raise bad_record(where, what, "Shorten that record or remove it")
    try:
        record = json.loads(raw)
    except UnicodeDecodeError:
        raise bad_record(where, "line is not valid UTF-8", "Re-save the file as UTF-8") from None
    except json.JSONDecodeError as exc:
        raise bad_record(where, json_problem(exc), JSONL_HINT) from None
    if not isinstance(record, dict):
        what = f"expected a JSON object, got a JSON {type(record).__name__}"
        raise bad_record(where, what, JSONL_HINT)
    return record


def _records(
    path: Path, byte_range: tuple[int, int] | None, first_line: int
) -> Iterator[tuple[int, dict[str, Any], bytes]]:
    """``(line number, record, the line's bytes)`` of each non-blank line; with ``byte_range``, only the
    lines that START in [start, end) (``start`` must be 0 or just after a newline), numbered from
    ``first_line``.

    The common line, one that starts with ``{`` and has no NUL byte after it (json's own encoding detection
    says UTF-8 then), is decoded as json.loads decodes it and handed to the same decoder's scanner, without
    json.loads's per-call checks (a year of listings is 61,000 calls); a line with anything but JSON
    whitespace after its object, any other line, and any line that fails go through :func:`_parse_line`:
    the same records and the same errors."""
    name = str(path)
    lineno = first_line - 1
    scan_once = _SCAN_ONCE
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
                if raw[:1] == b"{" and raw[1:2] != b"\x00" and len(raw) <= MAX_RECORD_BYTES:
                    try:
                        text = raw.decode("utf-8", "surrogatepass")
                        record, after = scan_once(text, 0)  # an object: it starts with {
                    except (ValueError, StopIteration):  # JSONDecodeError, UnicodeDecodeError: the line's own error
                        record = _parse_line(raw, f"{name}:{lineno}")
                    else:
                        if after != len(text) and text[after:].strip(_JSON_WHITESPACE):
                            record = _parse_line(raw, f"{name}:{lineno}")  # "Extra data"
                elif raw.isspace():
                    continue
                else:
                    record = _parse_line(raw, f"{name}:{lineno}")
                yield lineno, record, raw
        except OSError as exc:
            raise bad_record(f"{name}:{lineno + 1}", f"read failed: {exc.strerror or exc}") from exc


def iter_jsonl(
    path: Path, snapshot: bool, byte_range: tuple[int, int] | None = None, first_line: int = 1
) -> Iterator[Paper]:
    """Records of a JSON Lines file; with ``byte_range``, only the lines that START in [start, end)
    (``start`` must be 0 or just after a newline), numbered from ``first_line``."""
    name = str(path)
    if snapshot:
        from .snapshot import snapshot_paper  # (and email.utils) only for a snapshot file

        for lineno, record, _ in _records(path, byte_range, first_line):
            yield snapshot_paper(record, f"{name}:{lineno}")
        return
    listing_date = date_in_name(path)
    for lineno, record, _ in _records(path, byte_range, first_line):
        yield listing_paper(record, f"{name}:{lineno}", listing_date)


def iter_listing_screened(
    path: Path, screen: Screen, byte_range: tuple[int, int] | None = None, first_line: int = 1
) -> Iterator[Paper | Skimmed]:
    """The records of a listing JSONL file (or of a byte range of it) as :func:`iter_jsonl` yields them
    (checked against the size limits), except that a record the ``screen`` rules out (its raw line, else
    its title and abstract) is only :class:`Skimmed` (key and date; see :func:`~.fields.skim_listing`): the
    same papers, keys and dates at a fraction of the cost when a topic selects few. Every line is decoded
    and checked all the same: a bad record is reported wherever it is."""
    listing_date = date_in_name(path)
    name = str(path)
    may_select_line, may_select = screen.may_select_line, screen.may_select
    for lineno, record, raw in _records(path, byte_range, first_line):
        decide = may_select if may_select_line(raw) else never_selected
        skimmed = skim_listing(record, name, lineno, listing_date, decide)
        if skimmed is not None:
            yield skimmed
            continue
        yield from sized_papers((listing_paper(record, f"{name}:{lineno}", listing_date),))


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
    return sized_papers(
        iter_jsonl(Path(path), snapshot=fmt == "snapshot", byte_range=(start, end), first_line=first_line)
    )


def iter_screened_range(
    path: Path, fmt: str, start: int, end: int, first_line: int, screen: Screen | None
) -> Iterator[Paper | Skimmed]:
    """:func:`iter_papers_range`, screened as :func:`~.readers.iter_screened` screens a whole file: a listing
    record that ``screen`` rules out is only :class:`Skimmed`."""
    if screen is not None and fmt == "listing":
        return iter_listing_screened(Path(path), screen, (start, end), first_line)
    return iter_papers_range(path, fmt, start, end, first_line)
