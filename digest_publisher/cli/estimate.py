"""``draft --estimate`` and ``backfill --estimate``: what the Claude path would spend on a topic's selection
(curation's triage of every candidate, then drafting of the K papers it keeps), printed before any call."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import click

from .. import pipeline
from ..claude import load_settings
from ..claude.estimate import table
from ..curation.claude import claude_scorer
from ..drafting.claude_estimate import estimate_draft
from ..models import PostKind
from ..topics import load_topics
from ._common import echo_json

# Papers a post discusses when no --papers is given, for the estimate (curation's K by post kind).
ESTIMATE_K = {"backfill": 50, "brief": 20}


def estimate_spend(
    paths: list[Path], topic_ref: str, *, topics_path: Path, date_from: date | None, date_to: date | None,
    fmt: str | None, kind: PostKind | None, prompts_dir: Path, cache_dir: Path, model: str | None = None,
    papers: int | None = None,
) -> dict[str, Any]:
    """What ``draft --drafter claude`` would spend on the topic's selection, without any Messages API call:
    triage of every candidate (papers triaged before cost nothing), then cards, outline, sections and meta of
    the K papers curation keeps (``papers``, else :data:`ESTIMATE_K`; their lengths taken from K candidates
    spread over the selection, since which K is decided by the triage). See ``claude.estimate``."""
    topic = load_topics(topics_path).get(topic_ref)
    kind = kind or topic.kind
    selection = pipeline._select(paths, topic, date_from, date_to, fmt)  # the topic's window rule, once
    candidates = list(selection.papers)
    settings = load_settings(prompts_dir / "models.toml", model=model)
    k = min(len(candidates), papers or ESTIMATE_K[kind.value])
    step = len(candidates) / k
    curated = [candidates[int(i * step)] for i in range(k)]
    dates = sorted(p.submitted for p in candidates if p.submitted)
    window = (selection.date_from or dates[0], selection.date_to or dates[-1]) if dates else (date.min, date.max)
    triage = claude_scorer(settings, prompts_dir=prompts_dir, cache_dir=cache_dir).estimate(candidates, topic)
    stages = [triage, *estimate_draft(settings, prompts_dir, cache_dir, topic, curated, kind, window)]
    return table(stages, settings, topic=topic.label, kind=kind.value, candidates=len(candidates), papers=k)


def print_estimate(data: dict[str, Any], as_json: bool) -> None:
    """The estimate as a table on stdout (or JSON)."""
    if as_json:
        echo_json(data)
        return
    click.echo(f"Estimate for {data['topic']} ({data['kind']}): {data['candidates']:,} candidates screened, "
               f"{data['papers']} papers drafted; {data['method']}")
    click.echo(f"{'stage':<9}{'model':<20}{'calls':>6}{'input tok':>12}{'output tok':>12}{'$ streamed':>12}"
               f"{'$ batched':>11}")
    for row in [*data["stages"], {"stage": "total", "model": "", **data["totals"]}]:
        click.echo(f"{row['stage']:<9}{row['model']:<20}{row['calls']:>6}{row['input_tokens']:>12,}"
                   f"{row['output_tokens']:>12,}{row['usd_streamed']:>12.4f}{row['usd_batched']:>11.4f}"
                   + (f"  ({row['note']})" if row.get("note") else ""))
