"""The corpus stage: paper files of any supported format in, :class:`~digest_publisher.models.Paper` out.

- :func:`corpus_files` expands folders given on the command line into their corpus files.
- :func:`detect_format` / :func:`iter_papers` read listing JSONL, JSON arrays, CSV, BibTeX, arXiv
  Atom feeds and the bulk arXiv metadata snapshot (streamed), see :mod:`.readers`;
  :func:`jsonl_ranges` / :func:`iter_papers_range` (:func:`iter_screened_range`) read a JSON Lines corpus in
  parts, see :mod:`.jsonl`.
- :func:`fetch_arxiv` queries the arXiv API politely and writes a listing JSONL, see :mod:`.fetch`.

Its modules:

    readers.py    detect_format, corpus_files, iter_papers: one reader per format (FORMATS), by extension or content
    jsonl.py      JSON Lines (listing, snapshot), streamed, and split into byte ranges for parallel reads
    jsonarray.py  JSON arrays of listing-shaped records (parsed whole)
    csvfile.py    CSV with a header row and the common column synonyms (streamed)
    bibtex.py     BibTeX entries (bibtexparser v2, pylatexenc for accents; parsed whole)
    atom.py       arXiv API Atom feeds: one parser for the ``atom`` reader and ``corpus fetch``
    snapshot.py   the bulk arXiv metadata snapshot's records -> Papers
    fields.py     what the listing-shaped readers share: one record's fields checked and made a Paper
    text_cleanup.py  text clean-up: whitespace, abstracts, LaTeX accents, author and category lists
    file_io.py    opening corpus files with errors a user can act on; atomic outputs (records.atomic)
    fetch.py      ``corpus fetch``: the arXiv API, politely, as a listing JSONL
    harvest.py    ``corpus harvest``: an arXiv set over a date range by OAI-PMH, resumable, as a listing JSONL
    oai.py        OAI-PMH ``ListRecords`` pages in arXiv's metadata format -> listing-shaped records

Fetching (``requests``, ``tenacity``) is imported when it is first used, not with the package: reading and
selecting a corpus (`corpus select`) does not pay for the network stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .fields import Skimmed
from .jsonl import iter_papers_range, iter_screened_range, jsonl_ranges
from .readers import FORMATS, corpus_files, detect_format, iter_papers, iter_screened

if TYPE_CHECKING:
    from .fetch import FetchResult, fetch_arxiv

_LAZY = frozenset({"FetchResult", "fetch_arxiv"})


def __getattr__(name: str) -> Any:
    """``fetch_arxiv`` and ``FetchResult``, imported from :mod:`.fetch` on first use."""
    if name in _LAZY:
        from . import fetch

        return getattr(fetch, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "FORMATS",
    "FetchResult",
    "Skimmed",
    "corpus_files",
    "detect_format",
    "fetch_arxiv",
    "iter_papers",
    "iter_papers_range",
    "iter_screened",
    "iter_screened_range",
    "jsonl_ranges",
]
