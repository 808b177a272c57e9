"""Overlap between a series' topics: a paper several topics select is discussed only where it is central.

The rule: a paper that two or more of the series' topics select may be discussed only in the posts of the
topics where its triage score (the curation scorer's 0-10 importance to that topic) is its HIGHEST; a tie
keeps every tied topic. In the other topics' curation it is held out (``Scores.held``) with the reason
naming where it is discussed, so the shortlist says why, and a pin still brings it back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from ..curation import Scores


def hold_shared(scores: Mapping[str, Scores]) -> tuple[dict[str, Scores], int]:
    """Every topic's scores with the shared papers it is not central to held out, and how many distinct
    papers were shared (selected by two topics or more)."""
    where: dict[str, dict[str, float]] = {}
    for number, topic_scores in scores.items():
        for pid, found in topic_scores.by_id.items():
            where.setdefault(pid, {})[number] = found.score
    shared = {pid: by_topic for pid, by_topic in where.items() if len(by_topic) > 1}
    held: dict[str, dict[str, str]] = {number: {} for number in scores}
    for pid, by_topic in shared.items():
        best = max(by_topic.values())
        central = sorted(n for n, s in by_topic.items() if s == best)
        for number, score in by_topic.items():
            if score < best:
                held[number][pid] = (f"shared with topic {', '.join(central)}, where it is central (score {best:g} "
                                     f"there, {score:g} here): discussed in that post")  # fmt: skip
    out = {number: replace(s, held={**s.held, **held[number]}) for number, s in scores.items()}
    return out, len(shared)
