"""Curation: from the N papers a topic selects to the K papers its post discusses (see ``base``).

- :func:`curate` (:mod:`.curate`): the stage and its coverage rule, over any :class:`Scorer`;
- :class:`BuiltinScorer` (:mod:`.builtin`): offline, deterministic signals; the Claude triage scorer
  (:mod:`.claude`, over the shared ``claude`` service) satisfies the same :class:`Scorer` protocol;
- :mod:`.report`: ``draft-report.json``'s ``curation`` object and the shortlist ``curation.md``.
"""

from __future__ import annotations

from .base import Curation, CurationProgress, Decision, PaperScore, Scorer, Scores
from .builtin import BuiltinScorer
from .curate import DEFAULT_K, curate, default_k, periods, quarter_shares, with_pins
from .report import SHORTLIST_FILE, curation_usage, report_dict, screened_ids, shortlist_markdown

__all__ = [
    "DEFAULT_K",
    "SHORTLIST_FILE",
    "BuiltinScorer",
    "Curation",
    "CurationProgress",
    "Decision",
    "PaperScore",
    "Scorer",
    "Scores",
    "curate",
    "curation_usage",
    "default_k",
    "periods",
    "quarter_shares",
    "report_dict",
    "screened_ids",
    "shortlist_markdown",
    "with_pins",
]
