"""The curation stage's contract: from N selected candidates to the K papers a post discusses.

    candidates (selection) -> Scorer.score() -> coverage re-ranking -> pins/excludes -> Curation
                               builtin (offline signals) or Claude (triage on the cheap model)

A :class:`Scorer` gives every candidate an importance to the topic (0-10) and a one-line reason; the
stage, not the scorer, decides which K papers are discussed (coverage over time and themes, the editor's
pins and excludes), so both strategies get the same rule. Every candidate gets a :class:`Decision`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..models import Paper, Progress, Topic

#: What a scorer reports while it works: the package's one progress protocol.
CurationProgress = Progress


@dataclass(frozen=True)
class PaperScore:
    """One candidate's importance to the topic: ``score`` in 0..10, ``reason`` one line, ``theme`` a short
    label of the idea it belongs to (used by the coverage rule) when the scorer knows one."""

    paper_id: str
    score: float
    reason: str
    theme: str | None = None


@dataclass
class Scores:
    """A scorer's answer: a score per candidate id (every candidate it was given), plus what it did."""

    by_id: dict[str, PaperScore]
    # usage per stage name (StageUsage.to_dict() shape) when the scorer called a model
    usage: dict[str, dict[str, Any]] = field(default_factory=dict)
    # what was trimmed (ids not asked), re-asked (ids missing) or left unscored, each a small dict
    notes: list[dict[str, Any]] = field(default_factory=list)
    # ids curation must not discuss, each with why (a series' overlap rule: "discussed in 03's post, ..."):
    # like the editor's excludes, but said in its own words; a pin still wins
    held: dict[str, str] = field(default_factory=dict)


class Scorer(Protocol):
    """Scores candidates for a topic. ``name`` is what reports show ("builtin", "claude")."""

    name: str

    def score(self, candidates: Sequence[Paper], topic: Topic, progress: CurationProgress) -> Scores: ...


@dataclass(frozen=True)
class Decision:
    """What curation decided for one candidate (draft-report.json ``curation.decisions``)."""

    paper_id: str
    title: str
    discussed: bool
    rank: int  # 1 = most important, over all candidates
    score: float
    reason: str  # the scorer's one line
    why: str  # why discussed or not: "top score", "pinned", "excluded by the editor", "coverage: Q3",
    #           "below the cut (rank 74 of 3,120)", ...
    theme: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.paper_id,
            "title": self.title,
            "discussed": self.discussed,
            "rank": self.rank,
            "score": round(self.score, 3),
            "reason": self.reason,
            "why": self.why,
            **({"theme": self.theme} if self.theme else {}),
        }


@dataclass(frozen=True)
class Curation:
    """The stage's result: the papers to discuss (in rank order) and a decision for every candidate."""

    discussed: tuple[Paper, ...]
    decisions: tuple[Decision, ...]
    scorer: str
    k: int
    candidates: int
    scores: Scores | None = None
    # what the editor should know: a pinned or excluded id that is not a candidate, ...
    notes: tuple[str, ...] = ()
