"""BibTeX entries -> Papers, with bibtexparser (v2) for the syntax and pylatexenc for accents.

A .bib file is parsed whole: reference lists are small, and BibTeX's ``@string`` macros can be
defined anywhere in the file, so a record cannot be finished before the file is read.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from bibtexparser.entrypoint import parse_string
from bibtexparser.model import DuplicateBlockKeyBlock, DuplicateFieldKeyBlock, Entry, ParsingFailedBlock

from ..errors import CorpusError
from ..models import Paper, date_from_arxiv_id, split_arxiv_id
from .file_io import read_text
from .text_cleanup import collapse_whitespace, latex_to_unicode, unwrap_abstract

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
# "arXiv preprint arXiv:2605.18529" in journal/note fields of Google Scholar-style entries.
_ARXIV_IN_TEXT = re.compile(
    r"arxiv[:\s]*(?:abs/)?([a-z\-]+(?:\.[A-Z]{2})?/\d{7}(?:v\d+)?|\d{4}\.\d{4,5}(?:v\d+)?)", re.I
)
_AND = re.compile(r"\s+and\s+", re.I)
_TIE = re.compile(r"(?<!\\)~")  # "D.~E. Knuth": a tie is a space, but \~{n} is an accent
_HINT = "Fix that entry in the .bib file (or remove it) and run again"


def _split_top_level_and(value: str) -> list[str]:
    """Split on `` and `` outside braces: ``{Barnes and Noble}`` is one corporate author."""
    names: list[str] = []
    depth = 0
    start = 0
    index = 0
    while index < len(value):
        char = value[index]
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif depth == 0 and char.isspace():
            match = _AND.match(value, index)
            if match:
                names.append(value[start:index])
                start = index = match.end()
                continue
        index += 1
    names.append(value[start:])
    return names


def bibtex_name(raw: str) -> str:
    """``M{\\"u}ller, J{\\"o}rg`` -> ``Jörg Müller``; ``Last, Jr, First`` -> ``First Last Jr``."""
    text = collapse_whitespace(_TIE.sub(" ", raw))
    parts: list[str] = []
    depth = 0
    current = ""
    for char in text:  # commas inside braces do not separate name parts
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    parts.append(current.strip())
    if len(parts) == 2:
        text = f"{parts[1]} {parts[0]}"
    elif len(parts) >= 3:
        text = f"{parts[2]} {parts[0]} {parts[1]}"
    return latex_to_unicode(collapse_whitespace(text))


def _fields(entry: Entry) -> dict[str, str]:
    return {f.key.lower(): str(f.value) for f in entry.fields}


def _arxiv_id(fields: dict[str, str]) -> tuple[str, int | None] | None:
    prefix = fields.get("archiveprefix", "arxiv").lower()
    eprint = fields.get("eprint")
    if eprint and prefix == "arxiv":
        found = split_arxiv_id(eprint)
        if found:
            return found
    for key in ("url", "journal", "note", "howpublished"):
        value = fields.get(key)
        if not value:
            continue
        found = split_arxiv_id(value) if "arxiv.org/" in value else None
        if found:
            return found
        match = _ARXIV_IN_TEXT.search(value)
        if match:
            found = split_arxiv_id(match.group(1))
            if found:
                return found
    return None


def _submitted(fields: dict[str, str], arxiv_id: str | None, where: str) -> date | None:
    if fields.get("date"):
        try:
            return date.fromisoformat(fields["date"].strip()[:10])
        except ValueError:
            raise CorpusError(
                f"{where}: date {fields['date']!r} is not an ISO date (YYYY-MM-DD)", _HINT
            ) from None
    if arxiv_id:
        from_id = date_from_arxiv_id(arxiv_id)
        if from_id:
            return from_id
    year, month = fields.get("year", "").strip(), fields.get("month", "").strip().lower()
    # A year alone says too little to place a paper in a date window; only year + month counts.
    if year.isdigit() and month:
        number = int(month) if month.isdigit() else _MONTHS.get(month)
        if number and 1 <= number <= 12:
            return date(int(year), number, 1)
    return None


def _entry_to_paper(entry: Entry, where: str) -> Paper:
    fields = _fields(entry)
    title = latex_to_unicode(collapse_whitespace(fields.get("title", "")))
    if not title:
        raise CorpusError(f"{where}: entry {entry.key!r} has no title", _HINT)
    found = _arxiv_id(fields)
    arxiv_id, version = found if found else (None, None)
    authors = tuple(
        name
        for name in (bibtex_name(raw) for raw in _split_top_level_and(fields.get("author", "")))
        if name and name.lower() != "others"
    )
    primary = fields.get("primaryclass", "").strip()
    url = fields.get("url", "").strip()
    comment = fields.get("comment") or fields.get("comments")
    doi = fields.get("doi", "").strip()
    return Paper(
        title=title,
        authors=authors,
        # Abstracts keep their LaTeX verbatim (math, \emph ...); only the wrapping is undone.
        abstract=unwrap_abstract(fields.get("abstract", ""), indent_breaks=False),
        arxiv_id=arxiv_id,
        version=version,
        categories=(primary,) if primary else (),
        submitted=_submitted(fields, arxiv_id, where),
        abs_url=url if "arxiv.org/abs/" in url else None,
        comment=collapse_whitespace(comment) if comment else None,
        doi=doi or None,
        source=where,
    )


def iter_bibtex(path: Path) -> Iterator[Paper]:
    """Yield one Paper per BibTeX entry, in file order; ``source`` is the entry's first line."""
    text = read_text(path)
    # bibtexparser logs every failed block itself; we raise instead, with file and line.
    logging.getLogger("bibtexparser").setLevel(logging.ERROR)
    library = parse_string(text)
    for block in library.blocks:
        line = (block.start_line or 0) + 1  # bibtexparser counts lines from 0
        where = f"{path}:{line}"
        if isinstance(block, DuplicateBlockKeyBlock):
            # Merged reference lists repeat keys; de-duplication is done later by arXiv id / DOI.
            duplicate = block.ignore_error_block
            if isinstance(duplicate, Entry):
                yield _entry_to_paper(duplicate, where)
            continue
        if isinstance(block, DuplicateFieldKeyBlock):
            keys = ", ".join(sorted(block.duplicate_keys))
            raise CorpusError(f"{where}: BibTeX entry repeats the field(s) {keys}", _HINT)
        if isinstance(block, ParsingFailedBlock):
            error = block.error
            reason = getattr(error, "abort_reason", None) or getattr(error, "message", None) or str(error)
            raw = (block.raw or "").strip().splitlines()
            start = raw[0][:60] if raw else ""
            raise CorpusError(
                f"{where}: BibTeX entry {start!r} could not be parsed: {reason or type(error).__name__}",
                "Check that entry's braces, quotes and commas",
            )
        if isinstance(block, Entry):
            yield _entry_to_paper(block, where)
