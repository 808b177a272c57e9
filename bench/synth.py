"""Large synthetic corpora for the corpus benchmark: the real week's records repeated under new unique ids.

``write_synthetic_listing`` writes the listing JSONL shape; ``write_synthetic_snapshot`` writes the
bulk-snapshot shape (author string + ``authors_parsed``, space-separated categories, hard-wrapped
title and abstract, ``versions`` with RFC 2822 dates), as arXiv's metadata download does. Both
stream their output and hold only the (small) source records in memory.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from digest_publisher.corpus.file_io import atomic_output

_IDS_PER_MONTH = 99_999  # new-style ids have five digits after the yymm
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _load(source_files: Iterable[Path]) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for path in source_files:
        with Path(path).open(encoding="utf-8") as handle:
            records.extend(json.loads(line) for line in handle if line.strip())
    if not records:
        raise ValueError("no source records: pass real listing files (e.g. arxiv-week-2026-05-18/*.jsonl)")
    return records


def synthetic_id(index: int, newest: tuple[int, int] = (2026, 5)) -> tuple[str, date]:
    """The ``index``-th new id, counting back month by month from ``newest``: 2605.00001, ..."""
    months_back, number = divmod(index, _IDS_PER_MONTH)
    year, month = newest
    month -= months_back
    while month < 1:
        month += 12
        year -= 1
    return f"{year % 100:02d}{month:02d}.{number + 1:05d}", date(year, month, 1)


def _rfc2822(day: date, index: int) -> str:
    seconds = index % 86_400
    return (
        f"{_WEEKDAYS[day.weekday()]}, {day.day} {_MONTHS[day.month - 1]} {day.year} "
        f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d} GMT"
    )


def write_synthetic_listing(out: Path, n: int, source_files: Iterable[Path]) -> int:
    """Write ``n`` listing records cycling through the source records with new ids; returns n."""
    records = _load(source_files)
    with atomic_output(out) as handle:
        for index in range(n):
            record = dict(records[index % len(records)])
            new_id, _ = synthetic_id(index)
            record["id"] = new_id
            record["abs"] = f"https://arxiv.org/abs/{new_id}"
            record["pdf"] = f"https://arxiv.org/pdf/{new_id}"
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return n


def _snapshot_template(record: dict[str, Any]) -> dict[str, Any]:
    """The snapshot form of one listing record, wrapped once (wrapping is the slow part)."""
    paragraphs = [p.strip() for p in str(record.get("summary") or "").split("\n  ")]
    # arXiv wraps at spaces only; a wrap inside "multi-casting" would not survive unwrapping.
    wrap = textwrap.TextWrapper(80, break_long_words=False, break_on_hyphens=False)
    abstract = "\n".join("  " + wrap.fill(p) for p in paragraphs if p) + "\n"
    authors: list[str] = list(record.get("authors") or [])
    # arXiv writes "A, B and C"; the reader must split that form.
    author_string = ", ".join(authors[:-1]) + " and " + authors[-1] if len(authors) > 1 else "".join(authors)
    parsed = []
    for name in authors:
        first, _, last = name.rpartition(" ")
        parsed.append([last, first, ""])
    return {
        "submitter": authors[0] if authors else None,
        "authors": author_string,
        "title": textwrap.fill(
            str(record["title"]), 70, subsequent_indent="  ", break_long_words=False, break_on_hyphens=False
        ),
        "comments": record.get("comment"),
        "journal-ref": None,
        "report-no": None,
        "categories": " ".join(record.get("categories") or []),
        "license": "http://arxiv.org/licenses/nonexclusive-distrib/1.0/",
        "abstract": abstract,
        "authors_parsed": parsed,
    }


def write_synthetic_snapshot(out: Path, n: int, source_files: Iterable[Path]) -> int:
    """Write ``n`` snapshot-shaped records (every third has a v2) with new ids; returns n."""
    templates = [_snapshot_template(record) for record in _load(source_files)]
    with atomic_output(out) as handle:
        for index in range(n):
            new_id, month = synthetic_id(index)
            submitted = month + timedelta(days=index % 28)
            versions = [{"version": "v1", "created": _rfc2822(submitted, index)}]
            if index % 3 == 0:
                versions.append({"version": "v2", "created": _rfc2822(submitted + timedelta(days=3), index)})
            record = {
                "id": new_id,
                **templates[index % len(templates)],
                "doi": f"10.48550/arXiv.{new_id}" if index % 10 == 0 else None,
                "versions": versions,
                "update_date": (submitted + timedelta(days=3)).isoformat(),
            }
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return n
