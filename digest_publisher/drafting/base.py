"""The drafter interface and the plain data that flows between drafting's parts.

A :class:`Drafter` turns a :class:`DraftRequest` (topic, selected papers, kind, window) into a
:class:`DraftContent`: title, excerpt, tags, a hook and the sections, each a Markdown body with
``[@id]`` citations. Code, not the drafter, adds the parts that must be exact (the "N papers
analyzed" line, separators, the series footer, the Run Metadata table), then checks grounding
(:mod:`.grounding`) and writes the post (:mod:`digest_publisher.records`).

Like simonw/llm's ``Model.execute``, the interface is one method, so the built-in extractive
drafter and the Claude engine are interchangeable, and tests can swap one for the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from ..claude.usage import StageUsage as StageUsage  # re-exported: drafting's reports are built from it
from ..models import NullProgress as NullProgress  # re-exported: drafting's callers import it from here
from ..models import Paper, PostKind, Topic
from ..models import Progress as Progress
from ..names import cite_key as cite_key  # re-exported: drafting modules import it from here


@dataclass(frozen=True)
class DraftRequest:
    topic: Topic
    papers: tuple[Paper, ...]
    kind: PostKind
    window: tuple[date, date]
    short_names: dict[str, str]  # cite key -> short name used in the text
    # How many candidates curation screened to choose ``papers`` (None: no curation, the post is about
    # every paper it was given): the header then reads "K papers discussed of N screened".
    screened: int | None = None

    @property
    def by_key(self) -> dict[str, Paper]:
        return {cite_key(p): p for p in self.papers}


@dataclass(frozen=True)
class Section:
    """One H2 section: its heading (without ``##``) and its Markdown body (may hold ``###``)."""

    heading: str
    body: str
    papers: tuple[str, ...] = ()  # cite keys the section is about


@dataclass
class DraftContent:
    """What a drafter hands back: everything model- or corpus-derived, no code-written parts."""

    title: str
    excerpt: str
    tags: tuple[str, ...]
    hook: str
    sections: list[Section]
    drafter: str  # "builtin" or "claude"
    model: str | None = None
    left_out: dict[str, str] = field(default_factory=dict)  # cite key -> reason
    cards: dict[str, str] = field(default_factory=dict)  # cite key -> card text (grounding source)
    stages: dict[str, StageUsage] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    # What the drafter repaired or trimmed on its way, by kind, for draft-report.json ("numbers_repaired",
    # "card_fields_trimmed", "sections_condensed", ...): each a list of small dicts saying where and what.
    report: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


class Drafter(Protocol):
    """Turns selected papers into post content. ``name`` is what reports and the CLI show."""

    name: str

    def draft(self, request: DraftRequest, progress: Progress) -> DraftContent: ...

    def describe(self) -> str:
        """One line for the CLI: which drafter (and model) writes the post."""
        ...
