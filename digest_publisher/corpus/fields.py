"""What the listing-shaped readers share: one record's fields checked and turned into a Paper.

The listing JSONL, JSON array and Atom readers hand :func:`listing_paper` one record (a dict in the
arXiv listing shape); the CSV and snapshot readers use the field helpers. Every problem is a
:class:`~digest_publisher.errors.CorpusError` naming ``file:line`` (``where``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from ..errors import CorpusError
from ..models import (
    ARXIV_NEW_ID,
    MAX_PAPER_ABSTRACT_CHARS,
    MAX_PAPER_AUTHORS,
    MAX_PAPER_FIELD_CHARS,
    MAX_PAPER_TITLE_CHARS,
    Paper,
    arxiv_key,
    date_from_arxiv_id,
    split_arxiv_id,
)
from .text_cleanup import collapse_whitespace, split_authors, split_categories, unwrap_abstract

_DATE_IN_NAME = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_NEW_ID = ARXIV_NEW_ID.match


def json_problem(exc: json.JSONDecodeError) -> str:
    """``Unterminated string starting at column 29`` (json's own words, with the column)."""
    joiner = " column" if exc.msg.endswith(" at") else " at column"
    return f"malformed JSON: {exc.msg}{joiner} {exc.colno}"


def bad_record(where: str, what: str, hint: str = "Fix that record and run again") -> CorpusError:
    return CorpusError(f"{where}: {what}", hint)


def sized_papers(papers: Iterable[Paper]) -> Iterator[Paper]:
    """``papers``, each checked against the size limits of a paper (:meth:`Paper.oversized_field`)."""
    for paper in papers:
        problem = paper.oversized_field()
        if problem:
            raise bad_record(paper.source, f"record refused: {problem}", "Shorten that record or remove it")
        yield paper


def date_in_name(path: Path) -> date | None:
    match = _DATE_IN_NAME.search(path.name)
    if not match:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def parse_date(value: Any, where: str, key: str) -> date | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise bad_record(where, f"{key} must be a date string, got {type(value).__name__}")
    try:
        # "2026-05-18" or a timestamp such as "2026-05-18T17:59:58Z": the day is what counts.
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        raise bad_record(where, f"{key} {value!r} is not an ISO date (YYYY-MM-DD)") from None


def string_list(value: Any, where: str, key: str, split: Callable[[str], tuple[str, ...]]) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return split(value)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(item.strip() for item in value if item.strip())
    raise bad_record(where, f"{key} must be a list of strings or one string, got {json.dumps(value)[:80]}")


def optional_text(value: Any, where: str, key: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise bad_record(where, f"{key} must be a string, got {type(value).__name__}")
    value = collapse_whitespace(value)
    return value or None


def record_title(record: dict[str, Any], where: str) -> str:
    title = record.get("title")
    if title is None or (isinstance(title, str) and not title.strip()):
        raise bad_record(where, "record has no title", "Every paper needs a title: fix or remove that record")
    if not isinstance(title, str):
        raise bad_record(where, f"title must be a string, got {type(title).__name__}")
    return collapse_whitespace(title)


def record_identity(record: dict[str, Any], where: str) -> tuple[str | None, int | None]:
    raw_id = record.get("id")
    if raw_id is None:
        raw_id = record.get("arxiv_id")
    if raw_id is not None and not isinstance(raw_id, str):  # an id of 0 is an error, never "no id"
        raise bad_record(where, f"id must be a string, got {type(raw_id).__name__}")
    found = split_arxiv_id(raw_id) if raw_id else None
    if raw_id and found is None:
        raise bad_record(where, f"id {raw_id!r} is not an arXiv id (e.g. 2605.18529 or hep-th/9901001v2)")
    if found is None:
        abs_url = record.get("abs")
        found = split_arxiv_id(abs_url) if isinstance(abs_url, str) else None  # arxiv.org addresses only
    arxiv_id, version = found if found else (None, None)
    explicit = record.get("version")
    if isinstance(explicit, int) and not isinstance(explicit, bool):
        version = explicit if version is None else max(version, explicit)
    return arxiv_id, version


def record_submitted(
    record: dict[str, Any], where: str, listing_date: date | None, arxiv_id: str | None
) -> date | None:
    """The listing's date, else the record's ``date``, else the month of a new-style arXiv id."""
    submitted = listing_date or parse_date(record.get("date"), where, "date")
    if submitted is None and arxiv_id:
        submitted = date_from_arxiv_id(arxiv_id)
    return submitted


class Skimmed(NamedTuple):
    """What a scan needs of a record that no topic rule can select: its key and date (see :func:`skim_listing`)."""

    key: str
    submitted: date | None


class Screen(Protocol):
    """A topic's screen (:class:`~digest_publisher.screen.TopicScreen`): necessary conditions of its rules,
    on a listing record's raw JSON line and on its decoded title and abstract."""

    def may_select_line(self, line: bytes) -> bool: ...

    def may_select(self, title: str, abstract: str) -> bool: ...


def never_selected(title: str, abstract: str) -> bool:
    """The ``may_select`` of a record whose raw line the screen already ruled out."""
    return False


_MISSING = object()


def _plain_text(value: Any, limit: int = MAX_PAPER_FIELD_CHARS) -> bool:
    return value is None or (type(value) is str and len(value) <= limit)


def _plain_strings(value: Any, count: int) -> bool:
    if type(value) is list:
        if len(value) > count:
            return False
        try:  # one C call: only strings join, and none is longer than all of them together
            return len("".join(value)) <= MAX_PAPER_FIELD_CHARS
        except TypeError:
            return False
    return _plain_text(value)


def skim_listing(
    record: dict[str, Any], name: str, line: int, listing_date: date | None, may_select: Callable[[str, str], bool]
) -> Skimmed | None:
    """A listing record's key and date, without building its Paper, when ``may_select(title, abstract)``
    says no rule can select it; None when the Paper must be built (:func:`listing_paper`): the record may
    be selected, has no arXiv id, or a field is of another type or near a size limit (then the Paper
    reports exactly what is wrong). Raises what :func:`listing_paper` raises for a bad id or date.
    ``name:line`` is where the record is (for an error).

    Called for every record of a corpus (61,000 for a year of listings): the common record, a plain
    new-style id and a file named by its listing date, takes a path of a few C calls."""
    get = record.get
    title = get("title")
    abstract = get("summary", _MISSING)
    if abstract is _MISSING:
        abstract = get("abstract")
    raw_id = get("id")
    comment, doi, other_id = get("comment"), get("doi"), get("arxiv_id")
    # _plain_text of each, written out: a call each would cost more than the checks
    limit = MAX_PAPER_FIELD_CHARS
    if not (
        type(title) is str and len(title) <= MAX_PAPER_TITLE_CHARS and title.strip()
        and (abstract is None or (type(abstract) is str and len(abstract) <= MAX_PAPER_ABSTRACT_CHARS))
        and (raw_id is None or (type(raw_id) is str and len(raw_id) <= limit))
        and (comment is None or (type(comment) is str and len(comment) <= limit))
        and (doi is None or (type(doi) is str and len(doi) <= limit))
        and (other_id is None or (type(other_id) is str and len(other_id) <= limit))
        and _plain_strings(get("authors"), MAX_PAPER_AUTHORS)
        and _plain_strings(get("categories"), MAX_PAPER_AUTHORS)
    ):  # fmt: skip
        return None
    if may_select(title, abstract or ""):
        return None
    # record_identity's own first step, for the common record: an id like "2605.18529" or "2605.18529v2".
    found = _NEW_ID(raw_id) if raw_id else None
    if found is not None and listing_date is not None:
        return Skimmed(f"arxiv:{found.group('id')}", listing_date)
    where = f"{name}:{line}"
    arxiv_id, _ = record_identity(record, where)
    if arxiv_id is None:
        return None
    return Skimmed(arxiv_key(arxiv_id), record_submitted(record, where, listing_date, arxiv_id))


def listing_paper(record: dict[str, Any], where: str, listing_date: date | None) -> Paper:
    """One listing-shaped record (listing JSONL, JSON array, fetched Atom) -> Paper."""
    title = record_title(record, where)
    arxiv_id, version = record_identity(record, where)
    abstract = record.get("summary", record.get("abstract"))
    if abstract is not None and not isinstance(abstract, str):
        raise bad_record(where, f"summary must be a string, got {type(abstract).__name__}")
    submitted = record_submitted(record, where, listing_date, arxiv_id)
    abs_url = record.get("abs")
    return Paper(
        title=title,
        authors=string_list(record.get("authors"), where, "authors", split_authors),
        abstract=unwrap_abstract(abstract) if abstract else "",
        arxiv_id=arxiv_id,
        version=version,
        categories=string_list(record.get("categories"), where, "categories", split_categories),
        submitted=submitted,
        abs_url=abs_url if isinstance(abs_url, str) and abs_url else None,
        comment=optional_text(record.get("comment"), where, "comment"),
        doi=optional_text(record.get("doi"), where, "doi"),
        source=where,
    )
