"""The corpus stage: paper files of any supported format in, :class:`~digest_publisher.models.Paper` out.

- :func:`corpus_files` expands folders given on the command line into their corpus files.
- :func:`detect_format` / :func:`iter_papers` read listing JSONL, JSON arrays, CSV, BibTeX, arXiv
  Atom feeds and the bulk arXiv metadata snapshot (streamed), see :mod:`.readers`.
- :func:`fetch_arxiv` queries the arXiv API politely and writes a listing JSONL, see :mod:`.fetch`.
"""

from __future__ import annotations

from .fetch import FetchResult, fetch_arxiv
from .readers import FORMATS, corpus_files, detect_format, iter_papers, iter_papers_range, jsonl_ranges

__all__ = [
    "FORMATS",
    "FetchResult",
    "corpus_files",
    "detect_format",
    "fetch_arxiv",
    "iter_papers",
    "iter_papers_range",
    "jsonl_ranges",
]
