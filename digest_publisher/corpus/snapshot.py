"""The bulk arXiv metadata snapshot's records -> Papers (``authors`` one string or ``authors_parsed``,
space-separated ``categories``, ``versions`` with RFC 2822 dates).

The real snapshot holds millions of records: the per-record code avoids generators and full date
parsing in its hot loops. The file itself is streamed by :mod:`.jsonl`.
"""

from __future__ import annotations

import email.utils
import json
from datetime import date
from typing import Any

from ..models import Paper, date_from_arxiv_id, split_arxiv_id
from .fields import bad_record, optional_text, record_title, string_list
from .text_cleanup import collapse_whitespace, latex_to_unicode, split_authors, split_categories, unwrap_abstract

_MONTHS = {
    m: i
    for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1)
}


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
            if type(item) is not list or len(item) < 2 or type(item[0]) is not str or type(item[1]) is not str:
                raise bad_record(where, "authors_parsed must be a list of [last, first, suffix] lists")
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
        return string_list(authors, where, "authors", split_authors)
    return split_authors(authors)


def snapshot_paper(record: dict[str, Any], where: str) -> Paper:
    title = record_title(record, where)
    raw_id = record.get("id")
    if not isinstance(raw_id, str) or not raw_id:
        raise bad_record(where, "record has no arXiv id (snapshot records need 'id')")
    found = split_arxiv_id(raw_id)
    if found is None:
        raise bad_record(where, f"id {raw_id!r} is not an arXiv id")
    arxiv_id = found[0]
    version = found[1]
    submitted: date | None = None
    versions = record.get("versions")
    if versions:
        if not isinstance(versions, list):
            raise bad_record(where, "versions must be a list of {version, created} objects")
        for item in versions:
            label = item.get("version") if isinstance(item, dict) else None
            if not isinstance(label, str) or not label[1:].isdigit():
                raise bad_record(where, f"version entry {json.dumps(item)[:80]} has no 'vN' version")
            number = int(label[1:])
            version = number if version is None else max(version, number)
            if number == 1 and isinstance(item.get("created"), str):
                try:
                    submitted = _rfc2822_day(item["created"])
                except (TypeError, ValueError):
                    raise bad_record(where, f"v1 date {item['created']!r} is not an RFC 2822 date") from None
    if submitted is None:
        submitted = date_from_arxiv_id(arxiv_id)
    abstract = record.get("abstract")
    if abstract is not None and not isinstance(abstract, str):
        raise bad_record(where, f"abstract must be a string, got {type(abstract).__name__}")
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
        else string_list(categories, where, "categories", split_categories),
        submitted=submitted,
        abs_url=f"https://arxiv.org/abs/{arxiv_id}",
        comment=optional_text(record.get("comments", record.get("comment")), where, "comments"),
        doi=optional_text(record.get("doi"), where, "doi"),
        source=where,
    )
