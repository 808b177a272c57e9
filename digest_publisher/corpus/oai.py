"""OAI-PMH 2.0 ``ListRecords`` pages in arXiv's ``arXiv`` metadata format -> listing-shaped records.

Why ``metadataPrefix=arXiv``: of the three formats arXiv's OAI-PMH interface serves, ``oai_dc`` mixes
categories into free ``dc:subject`` text and has no separate comments field; ``arXivRaw`` gives the
version history but authors as one string to split again; ``arXiv`` gives the categories as one
space-separated field, the comments, the DOI, each author as ``keyname``/``forenames``/``suffix`` and
``created``, the day version 1 was submitted: the date a listing reader expects.

A page is parsed whole (arXiv serves about a thousand records a page, a few MB). Each record becomes a
dict in the project's listing JSONL shape (``id``, ``categories``, ``pdf``, ``abs``, ``authors``,
``title``, ``comment``, ``summary``, ``date``, plus ``doi`` when there is one), which
:func:`digest_publisher.corpus.fields.listing_paper` reads back.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

from ..models import split_arxiv_id
from .text_cleanup import collapse_whitespace, unwrap_abstract

OAI = "{http://www.openarchives.org/OAI/2.0/}"
ARXIV_FORMAT = "{http://arxiv.org/OAI/arXiv/}"
METADATA_PREFIX = "arXiv"


class OaiFormatError(ValueError):
    """The answer is not an OAI-PMH document this harvester can read; ``line`` is 1-based when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class OaiPage:
    """One answer to ``ListRecords``: its records, what it left out, and where the list goes on."""

    records: list[dict[str, Any]] = field(default_factory=list)
    deleted: int = 0  # records the archive marks as withdrawn (header status="deleted")
    # The next page's token: None on the last page (absent or empty <resumptionToken>).
    token: str | None = None
    complete_size: int | None = None  # the whole list's size, when the service says
    cursor: int | None = None  # this page's first record's position in the list
    error_code: str | None = None  # an OAI-PMH <error code="..."> (e.g. noRecordsMatch)
    error_message: str = ""


def _text(parent: ET.Element, tag: str) -> str | None:
    element = parent.find(tag)
    if element is None or element.text is None:
        return None
    return element.text


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _author(element: ET.Element) -> str:
    parts = [_text(element, f"{ARXIV_FORMAT}{tag}") for tag in ("forenames", "keyname", "suffix")]
    return collapse_whitespace(" ".join(part for part in parts if part))


def _record(metadata: ET.Element, identifier: str) -> dict[str, Any]:
    """The listing-shaped record of one ``<arXiv>`` element; OaiFormatError when it has no usable id or title."""
    raw_id = (_text(metadata, f"{ARXIV_FORMAT}id") or "").strip()
    found = split_arxiv_id(raw_id) if raw_id else None
    if found is None:
        raise OaiFormatError(f"record {identifier!r} has no arXiv <id> (got {raw_id!r})")
    arxiv_id = found[0]
    title = collapse_whitespace(_text(metadata, f"{ARXIV_FORMAT}title") or "")
    if not title:
        raise OaiFormatError(f"record {arxiv_id} has no <title>")
    created = (_text(metadata, f"{ARXIV_FORMAT}created") or "").strip()
    comment = collapse_whitespace(_text(metadata, f"{ARXIV_FORMAT}comments") or "")
    doi = (_text(metadata, f"{ARXIV_FORMAT}doi") or "").strip()
    record: dict[str, Any] = {
        "id": arxiv_id,
        "categories": (_text(metadata, f"{ARXIV_FORMAT}categories") or "").split(),
        "pdf": f"https://arxiv.org/pdf/{arxiv_id}",
        "abs": f"https://arxiv.org/abs/{arxiv_id}",
        "authors": [
            name for name in map(_author, metadata.iterfind(f"{ARXIV_FORMAT}authors/{ARXIV_FORMAT}author")) if name
        ],
        "title": title,
        "comment": comment or None,
        "summary": unwrap_abstract(_text(metadata, f"{ARXIV_FORMAT}abstract") or ""),
        "date": created[:10] or None,
    }
    if doi:
        record["doi"] = doi
    return record


def parse_page(body: bytes) -> OaiPage:
    """Parse one OAI-PMH answer. Raises :class:`OaiFormatError` for anything that is not a well-formed
    OAI-PMH document holding ``ListRecords`` (or an ``<error>``) in the ``arXiv`` format, so that a page
    is taken whole or not at all."""
    try:
        root = ET.fromstring(body)  # noqa: S314 (expat: no external entities, as in atom.py)
    except ET.ParseError as exc:
        line = exc.position[0] if exc.position else None
        raise OaiFormatError(f"not well-formed XML: {exc}", line) from None
    if root.tag != f"{OAI}OAI-PMH":
        raise OaiFormatError(f"the root element is <{root.tag}>, not an OAI-PMH 2.0 <OAI-PMH>")
    error = root.find(f"{OAI}error")
    if error is not None:
        return OaiPage(error_code=error.get("code") or "unknown", error_message=collapse_whitespace(error.text or ""))
    listing = root.find(f"{OAI}ListRecords")
    if listing is None:
        raise OaiFormatError("the document holds neither <ListRecords> nor <error>")
    records: list[dict[str, Any]] = []
    deleted = 0
    for item in listing.iterfind(f"{OAI}record"):
        header = item.find(f"{OAI}header")
        if header is None:
            raise OaiFormatError("a <record> has no <header>")
        identifier = (_text(header, f"{OAI}identifier") or "").strip()
        if header.get("status") == "deleted":
            deleted += 1
            continue
        metadata = item.find(f"{OAI}metadata/{ARXIV_FORMAT}arXiv")
        if metadata is None:
            raise OaiFormatError(f"record {identifier!r} has no <metadata> in the arXiv format ({ARXIV_FORMAT[1:-1]})")
        records.append(_record(metadata, identifier))
    token_element = listing.find(f"{OAI}resumptionToken")
    token = None
    complete_size = cursor = None
    if token_element is not None:
        token = (token_element.text or "").strip() or None
        complete_size = _int(token_element.get("completeListSize"))
        cursor = _int(token_element.get("cursor"))
    return OaiPage(records=records, deleted=deleted, token=token, complete_size=complete_size, cursor=cursor)
