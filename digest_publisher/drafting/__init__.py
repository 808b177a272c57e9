"""Drafting: from selected papers to a grounded post source (``posts/<slug>/post.md``).

The pipeline reads top to bottom in :func:`draft_post`:

    request (topic, papers, kind, window, short names)
      -> drafter.draft()          BuiltinDrafter (extractive, offline) or ClaudeDrafter (the engine)
      -> assemble_body()          code writes the header line, separators, footer, Run Metadata
      -> check_grounding()        citations, names, numbers, section lengths; fails the draft
      -> records.write_post()     papers.json + post.md, atomically; then draft-report.json

Nothing is written unless every check passed, so a failed draft never leaves a half-done post.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from .. import records
from ..errors import DraftError, PostSourceError
from ..models import Paper, PostKind, Topic
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
from .grounding import GroundingReport, SectionLimits, check_grounding
from .text import short_name, word_count

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
    "resolve_window",
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
) -> DraftResult:
    """Draft a post about ``papers`` (already selected and de-duplicated) and write its source.

    ``unverified`` is the policy for numbers no cited paper states: ``"fail"`` (default) or
    ``"report"`` (write the post and list them in the report). Unknown citations, unresolved names
    and empty or short sections always fail the draft.
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
        short_names={cite_key(p): short_name(p) for p in papers},
    )
    content = drafter.draft(request, progress)
    progress.stage("check", 1)
    body = assemble_body(request, content, now)
    grounding = check_grounding(body, request.by_key, content.cards, LIMITS[kind])
    progress.advance("check")
    problems = grounding.describe(with_claims=unverified != "report")
    if problems:
        shown = "; ".join(problems[:8]) + (f"; and {len(problems) - 8} more" if len(problems) > 8 else "")
        raise DraftError(
            f"the {content.drafter} draft of {slug} failed its grounding checks "
            f"({len(problems)} problem(s)): {shown}",
            "Nothing was written. Re-run (Claude drafts retry failed sections once) or adjust the prompts",
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
    records.write_post(folder, source, list(papers))
    report = build_report(request, content, grounding, body, slug, folder, now, started)
    report.update(report_extra or {})
    records.atomic_write_json(folder / REPORT_FILE, report)
    progress.advance("write")
    return DraftResult(slug=slug, folder=folder, report=report, drafter=content.drafter)


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
        "words": word_count(body),
        "sections": section_stats(body),
        "stages": {name: usage.to_dict() for name, usage in content.stages.items()},
        "totals": total.to_dict(),
        "warnings": content.warnings,
        "body_sha256": _body_hash(body),
        "wall_time_s": round(time.perf_counter() - started, 3),
    }
