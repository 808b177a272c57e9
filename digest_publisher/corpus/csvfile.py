"""CSV corpora with a header row (``title``, ``authors``, ``abstract``, ``id``/``url``, ``date``,
``categories``, ``doi``, ``comment``, and their common synonyms); quoted newlines allowed. Streamed."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from ..models import Paper, date_from_arxiv_id, split_arxiv_id
from .fields import bad_record, parse_date
from .file_io import unreadable
from .text_cleanup import collapse_whitespace, split_authors, split_categories, unwrap_abstract

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
        raise bad_record(where, "row has no title", "Every paper needs a title: fill the title column or drop the row")
    found = None
    for key in ("id", "url"):
        value = row.get(key, "").strip()
        if value:
            found = split_arxiv_id(value)
            if found is None and key == "id":
                raise bad_record(where, f"id {value!r} is not an arXiv id (e.g. 2605.18529 or hep-th/9901001v2)")
            if found:
                break
    arxiv_id, version = found if found else (None, None)
    submitted = parse_date(row.get("date", "").strip(), where, "date")
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


def iter_csv(path: Path) -> Iterator[Paper]:
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
                raise bad_record(
                    f"{name}:1",
                    f"CSV has no header row (the first row is {shown}...; a header must name a 'title' column)",
                    "Add a first line naming the columns, e.g. title,authors,abstract,id,date,categories",
                )
            for row in reader:
                start = previous_end + 1
                previous_end = reader.line_num
                if not any(cell.strip() for cell in row):
                    continue
                where = f"{name}:{start}"
                if len(row) != len(header):
                    raise bad_record(
                        where,
                        f"row has {len(row)} fields but the header has {len(header)}",
                        "Quote fields that contain commas or newlines",
                    )
                values = {column: cell for column, cell in zip(columns, row, strict=True) if column}
                yield _csv_paper(values, where)
        except csv.Error as exc:
            raise bad_record(
                f"{name}:{previous_end + 1}", f"malformed CSV: {exc}", "Check the quoting of that row"
            ) from None
        except UnicodeDecodeError:
            raise bad_record(f"{name}:{previous_end + 1}", "not valid UTF-8", "Re-save the file as UTF-8") from None
        except OSError as exc:
            raise bad_record(f"{name}:{previous_end + 1}", f"read failed: {exc.strerror or exc}") from exc
