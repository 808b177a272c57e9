"""Drafting: from selected papers to a grounded post source (``posts/<slug>/post.md``).

The pipeline reads top to bottom in :func:`draft_post`:

    request (topic, papers, kind, window, short names)
      -> drafter.draft()          BuiltinDrafter (extractive, offline) or ClaudeDrafter (the engine)
      -> assemble_body()          code writes the header line, separators, footer, Run Metadata
      -> check_grounding()        citations, names, numbers, section lengths; fails the draft
      -> records.write_post()     papers.json + post.md, atomically; then draft-report.json

Nothing is written unless every check passed, so a failed draft never leaves a half-done post.

    base.py             the Drafter interface and the data between the parts (DraftRequest, DraftContent, Section)
    builtin.py          BuiltinDrafter: deterministic, offline, extractive (sentences from the abstracts)
    themes.py           theme discovery from a selection's phrases, per-paper sentence roles (analyse_paper)
    claude.py           ClaudeDrafter: cards -> outline -> sections -> title/hook/excerpt/tags, cached on disk
    claude_cards.py     the card stage: excerpt cards made by code, else model cards cached per paper
    claude_plan.py      the outline stage: every paper in a section or left out with a reason
    claude_sections.py  the section stage: sections in parallel, checked, repaired, condensed
    claude_context.py   what the stages of one Claude draft share (request, prompts, cache key, paper blocks)
    claude_estimate.py  the Claude engine's calls and tokens per stage before any call (``draft --estimate``)
    prompts.py          drafting's prompt set (one file per stage in ``prompts/<kind>/``)
    assemble.py         the parts code writes: the header line, separators, series footer, Run Metadata
    safety.py           links, images, HTML, shortcodes and foreign citations removed from drafted text
    citing.py           how ``[@id]`` reads: doubled names dropped, dangling citations put in parentheses
    grounding.py        check_grounding: citations, names, numbers and section lengths, by code
    numbers.py          numbers as careful writers state them, matched against the numbers a paper states
    number_context.py   what a number is about: two numbers swapped, or one put where another belongs
    attribution.py      which paper each number of a sentence that cites several is about
    alignment.py        a post's sentence that restates an abstract's sentence closely: swaps, dropped hedges
    hedges.py           a claim keeps its paper's certainty: hedges kept, none invented (soften)
    removal.py          unverified numbers taken out so the prose stays whole; a restated closing dropped
    factcheck.py        the editor's fact-check view: each number and cited claim with the sentence it rests on
    prose.py            string helpers: sentences, LaTeX clean-up, numbers, key terms, word counts, window phrases
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from .. import records
from ..errors import DraftError, PostSourceError
from ..models import Paper, PostKind, Topic
from ..names import method_names, short_names
from .assemble import assemble_body, section_stats, totals
from .base import (
    DraftContent,
    Drafter,
    DraftRequest,
    NullProgress,
    Progress,
    Section,
    StageUsage,
    cite_key,
)
from .builtin import BuiltinDrafter
from .citing import tidy_citations
from .factcheck import fact_check, fact_check_view
from .grounding import EXEMPT_SECTIONS, GroundingReport, SectionLimits, check_grounding
from .prose import word_count
from .removal import drop_restated_closing, remove_unverified_numbers
from .safety import clean_markdown

__all__ = [
    "BuiltinDrafter",
    "DraftContent",
    "DraftRequest",
    "DraftResult",
    "Drafter",
    "NullProgress",
    "Progress",
    "Section",
    "StageUsage",
    "default_slug",
    "draft_post",
    "edited_since_draft",
    "fact_check",
    "fact_check_view",
    "resolve_window",
    "unverified_policy",
]

REPORT_FILE = "draft-report.json"
LIMITS = {PostKind.BACKFILL: SectionLimits(60, 25), PostKind.BRIEF: SectionLimits(30, 25)}


@dataclass(frozen=True)
class DraftResult:
    slug: str
    folder: Path
    report: dict[str, Any]
    drafter: str


def default_slug(topic: Topic, kind: PostKind, window: tuple[date, date]) -> str:
    """``backfill-07-rl-post-training`` / ``brief-07-rl-post-training-2026-05-22``."""
    if kind is PostKind.BACKFILL:
        return f"backfill-{topic.number}-{topic.slug}"
    return f"brief-{topic.number}-{topic.slug}-{window[1].isoformat()}"


def resolve_window(topic: Topic, papers: list[Paper], window: tuple[date, date] | None) -> tuple[date, date]:
    """The window a post covers: given, else the topic's, else the papers' submission dates."""
    if window is not None:
        return window
    dates = sorted(p.submitted for p in papers if p.submitted is not None)
    start = topic.window_from or (dates[0] if dates else None)
    end = topic.window_to or (dates[-1] if dates else None)
    if start is None or end is None:
        raise DraftError(
            "the post's date window is unknown: no --from/--to, no window in the topic, "
            "and no paper has a date",
            "Pass --from and --to",
        )
    return start, end


def _body_hash(body: str) -> str:
    return hashlib.sha256(body.strip().encode("utf-8")).hexdigest()


def _guard_edits(folder: Path, overwrite: bool) -> None:
    """Refuse to replace a post.md an editor changed since the last draft (unless told to)."""
    if not overwrite and edited_since_draft(folder):
        post_md = folder / records.POST_FILE
        raise DraftError(
            f"{post_md} was edited since it was drafted; drafting again would overwrite the edits",
            "Move the edited file away, or pass --force to replace it",
        )


def edited_since_draft(folder: Path) -> bool:
    """Was the post's post.md changed since it was last drafted (its body against the draft report's
    hash)? False when there is no post.md or it cannot be read (nothing to protect)."""
    post_md = folder / records.POST_FILE
    if not post_md.exists():
        return False
    records.complete_post_writes(folder)  # a redraft killed part way is finished, never taken for an edit
    try:
        current = records.parse_post_source(post_md.read_text(encoding="utf-8"), str(post_md))
    except (OSError, UnicodeDecodeError, PostSourceError):
        return False
    report_path = folder / REPORT_FILE
    previous: str | None = None
    if report_path.exists():
        import json

        try:
            previous = json.loads(report_path.read_text(encoding="utf-8")).get("body_sha256")
        except (OSError, ValueError):
            previous = None
    return previous != _body_hash(current.body)


def unverified_policy(drafter: Drafter) -> str:
    """The drafter's policy for unverified claims: its settings' ``unverified`` ("remove" or "report", from
    prompts/models.toml for Claude); "remove" for a drafter without settings (the built-in one)."""
    return str(getattr(getattr(drafter, "settings", None), "unverified", "remove"))


def draft_post(
    topic: Topic,
    papers: list[Paper],
    *,
    kind: PostKind | None,
    drafter: Drafter,
    posts_dir: Path,
    window: tuple[date, date] | None,
    progress: Progress | None = None,
    now: datetime | None = None,
    slug: str | None = None,
    unverified: str = "fail",
    overwrite: bool = False,
    report_extra: dict[str, Any] | None = None,
    screened: int | None = None,
    stages_before: dict[str, StageUsage] | None = None,
) -> DraftResult:
    """Draft a post about ``papers`` (already selected and de-duplicated) and write its source.

    Links, images, HTML, shortcodes and citations of papers not in the post are removed from the
    drafter's text and listed (``removed`` in the report). ``unverified`` is the policy for numbers no
    cited paper states: removed from their sentence and listed (``numbers_removed``; the default, also
    under its old name ``"fail"``), or ``"report"``: kept and listed (``unverified_claims``). A number
    never fails a draft, nor does a short section (``short_sections``). Unresolved names, empty sections
    and subsections that cite nothing do. ``screened``: how many candidates curation chose ``papers`` from
    (the header then says "K papers discussed of N screened"). ``stages_before``: the usage of the stages
    that ran before drafting (curation's triage), counted in the report's stages and totals.
    """
    started = time.perf_counter()
    progress = progress or NullProgress()
    kind = kind or topic.kind
    now = now or datetime.now(UTC)
    if not papers:
        raise DraftError(
            f"topic {topic.label}: no papers to draft from", "Widen the window or the topic's rules"
        )
    keys = [cite_key(p) for p in papers]
    if len(set(keys)) != len(keys):
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        raise DraftError(
            f"papers are not de-duplicated: {', '.join(dupes[:5])}", "Select them with select_corpus"
        )
    span = resolve_window(topic, papers, window)
    slug = slug or default_slug(topic, kind, span)
    if not records.SLUG_RE.match(slug):
        raise DraftError(f"slug {slug!r} is not valid", "Use lowercase letters, digits and hyphens")
    folder = posts_dir / slug
    _guard_edits(folder, overwrite)

    request = DraftRequest(
        topic=topic,
        papers=tuple(papers),
        kind=kind,
        window=span,
        short_names=short_names(papers),
        screened=screened,
    )
    content = drafter.draft(request, progress)
    content.stages = {**(stages_before or {}), **content.stages}
    progress.stage("check", 1)
    content, removed = _clean(content, request)
    body = assemble_body(request, content, now)
    grounding = check_grounding(body, request.by_key, content.cards, LIMITS[kind], names=request.short_names)
    numbers_removed: list[dict[str, Any]] = []
    if grounding.unverified_claims and unverified != "report":
        # A number no cited paper states is taken out of its sentence and listed: never a failed draft.
        body, numbers_removed = remove_unverified_numbers(body, grounding.unverified_claims)
        grounding = check_grounding(body, request.by_key, content.cards, LIMITS[kind], names=request.short_names)
        grounding.unverified_claims = []  # what is left could not be located: listed in numbers_removed's place
    # The closing section looks ahead: a sentence restating an earlier section's fact goes (listed).
    body, restated = drop_restated_closing(body, EXEMPT_SECTIONS)
    if restated:
        grounding = check_grounding(body, request.by_key, content.cards, LIMITS[kind], names=request.short_names)
        grounding.unverified_claims = [] if unverified != "report" else grounding.unverified_claims
    progress.advance("check")
    problems = grounding.hard_problems
    if problems:
        shown = "; ".join(problems[:8]) + (f"; and {len(problems) - 8} more" if len(problems) > 8 else "")
        hint = (
            "Nothing was written. The built-in drafter is deterministic, so running it again gives the same "
            "result: report this with the corpus file, or draft with --drafter claude"
            if content.drafter == "builtin"
            else "Nothing was written. Adjust the stage prompts (prompts/), or run again: Claude's answers vary"
        )
        raise DraftError(
            f"the {content.drafter} draft of {slug} failed its grounding checks ({len(problems)} problem(s)): {shown}",
            hint,
        )

    cited = [k for k in keys if k in grounding.citations]
    source = records.PostSource(
        title=content.title,
        slug=slug,
        topic=topic.label,
        kind=kind,
        body=body,
        excerpt=content.excerpt or None,
        categories=(topic.category_name,) if topic.category_name else (),
        tags=content.tags,
        papers=tuple(cited),
        window_from=span[0].isoformat(),
        window_to=span[1].isoformat(),
        drafter=content.drafter,
        featured_image_alt=f"{content.title} ({topic.label})",
        extra={"short_names": {k: request.short_names[k] for k in cited}},
    )
    progress.stage("write", 1)
    report = build_report(request, content, grounding, body, slug, folder, now, started)
    report["removed"] = removed
    report["numbers_removed"] = numbers_removed
    report["closing_restated"] = restated
    for name, items in content.report.items():
        report[name] = items
    report.update(report_extra or {})
    # papers.json, post.md and the report (with the body's hash: what was drafted) change as one unit
    records.write_post(folder, source, list(papers), also={REPORT_FILE: report})
    progress.advance("write")
    return DraftResult(slug=slug, folder=folder, report=report, drafter=content.drafter)


def _clean(content: DraftContent, request: DraftRequest) -> tuple[DraftContent, list[dict[str, Any]]]:
    """The drafter's text without links, images, HTML, shortcodes or citations of papers not in the post
    (see :mod:`.safety`), its citations placed where they read well (:mod:`.citing`), and the list of
    what was removed."""
    known = request.by_key
    removed: list[dict[str, Any]] = []
    aliases = {key: [request.short_names[key], *method_names(paper)] for key, paper in known.items()}

    def clean(text: str, where: str) -> str:
        out, dropped = clean_markdown(text, where, known)
        removed.extend(dropped)
        return tidy_citations(out, aliases)

    sections = [
        Section(clean(s.heading, f"heading {s.heading!r}"), clean(s.body, f"section {s.heading!r}"), s.papers)
        for s in content.sections
    ]
    return dataclasses.replace(
        content,
        title=clean(content.title, "title"),
        excerpt=clean(content.excerpt, "excerpt"),
        hook=clean(content.hook, "hook"),
        tags=tuple(t for t in (clean(tag, "tags") for tag in content.tags) if t.strip()),
        sections=sections,
    ), removed


def build_report(
    request: DraftRequest,
    content: DraftContent,
    grounding: GroundingReport,
    body: str,
    slug: str,
    folder: Path,
    now: datetime,
    started: float,
) -> dict[str, Any]:
    keys = [cite_key(p) for p in request.papers]
    covered = [k for k in keys if k in grounding.citations]
    by_key = request.by_key
    left_out = [
        {
            "id": k,
            "title": by_key[k].title,
            "reason": content.left_out.get(k, "not cited by the draft"),
        }
        for k in keys
        if k not in grounding.citations
    ]
    total = totals(content.stages)
    return {
        "slug": slug,
        "folder": str(folder),
        "kind": str(request.kind),
        "topic": request.topic.label,
        "drafter": content.drafter,
        "model": content.model,
        "title": content.title,
        "generated_at": now.isoformat(timespec="seconds"),
        "window": {"from": request.window[0].isoformat(), "to": request.window[1].isoformat()},
        "papers": {
            "in": len(keys),
            "covered": len(covered),
            "left_out": len(left_out),
        },
        "covered": covered,
        "left_out": left_out,
        "citations": grounding.citations,
        "unknown_citations": grounding.unknown_citations,
        "unresolved_names": grounding.unresolved_names,
        "unverified_claims": grounding.unverified_claims,
        "short_sections": grounding.short_sections,
        "words": word_count(body),
        "sections": section_stats(body),
        "stages": {name: usage.to_dict() for name, usage in content.stages.items()},
        "totals": total.to_dict(),
        "warnings": content.warnings,
        "body_sha256": _body_hash(body),
        "wall_time_s": round(time.perf_counter() - started, 3),
    }
