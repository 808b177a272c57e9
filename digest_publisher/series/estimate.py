"""``series --estimate``: the series' calls, tokens and dollars per topic and in total, before anything is spent.

The same selection as the run; the one triage pass over every distinct candidate (pairs scored before cost
nothing) shared among the topics by the (paper, topic) pairs each brings; each topic's drafting stages as
``draft --estimate`` counts them (:func:`~digest_publisher.candidates.estimate_drafting`). No Messages API call
is made (the service's client is :class:`~digest_publisher.claude.estimate.NoClient`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..candidates import estimate_drafting
from ..claude import ClaudeSettings
from ..claude.estimate import CHARS_PER_TOKEN, NoClient, StageEstimate
from ..names import cite_key
from .run import SeriesJob, TopicRow, select_topics
from .triage import SeriesTriage


def _sums(stages: list[StageEstimate], settings: ClaudeSettings, share: float = 1.0) -> dict[str, Any]:
    return {
        "calls": sum(s.calls for s in stages),
        "input_tokens": round(share * sum(s.input_tokens + s.cache_write_tokens + s.cache_read_tokens for s in stages)),
        "output_tokens": round(share * sum(s.output_tokens for s in stages)),
        "usd_streamed": share * sum(s.cost(settings, batch=False) for s in stages),
        "usd_batched": share * sum(s.cost(settings, batch=True) for s in stages),
    }


def estimate_series(job: SeriesJob, *, settings: ClaudeSettings, prompts_dir: Path, cache_dir: Path) -> dict[str, Any]:
    """The estimate as ``series --estimate`` prints it (and ``--json`` gives it)."""
    rows = {t.number: TopicRow(t.number, t.label) for t in job.topics()}
    selected = select_topics(job, rows)
    triage = SeriesTriage(NoClient, settings, prompts_dir, cache_dir)
    stage, pairs = triage.estimate({n: (s.topic, s.candidates) for n, s in selected.items()})
    total_pairs = sum(pairs.values())
    out_rows: list[dict[str, Any]] = []
    for number, row in rows.items():
        if number not in selected:
            out_rows.append({"topic": row.label, "error": row.error})
            continue
        chosen = selected[number]
        k, stages = estimate_drafting(settings, prompts_dir, cache_dir, chosen.topic, chosen.kind, chosen.window,
                                      chosen.candidates, job.papers)  # fmt: skip
        drafting = _sums(stages, settings)
        share = _sums([stage], settings, pairs[number] / total_pairs) if total_pairs else _sums([], settings)
        out_rows.append({
            "topic": row.label, "candidates": len(chosen.candidates), "papers": k,
            "triage_pairs": pairs[number], "calls": drafting["calls"],
            "input_tokens": drafting["input_tokens"] + share["input_tokens"],
            "output_tokens": drafting["output_tokens"] + share["output_tokens"],
            "usd_streamed": round(drafting["usd_streamed"] + share["usd_streamed"], 4),
            "usd_batched": round(drafting["usd_batched"] + share["usd_batched"], 4),
        })
    triage_row = {"stage": "triage (all topics, each paper once)", "model": settings.model_for(stage.stage),
                  **_sums([stage], settings), "note": stage.note}  # fmt: skip
    good = [r for r in out_rows if "error" not in r]
    totals = {
        "calls": triage_row["calls"] + sum(r["calls"] for r in good),
        "input_tokens": sum(r["input_tokens"] for r in good),
        "output_tokens": sum(r["output_tokens"] for r in good),
        "usd_streamed": round(sum(r["usd_streamed"] for r in good), 4),
        "usd_batched": round(sum(r["usd_batched"] for r in good), 4),
    }
    triage_row["usd_streamed"] = round(triage_row["usd_streamed"], 4)
    triage_row["usd_batched"] = round(triage_row["usd_batched"], 4)
    return {
        "method": f"local estimate: {CHARS_PER_TOKEN} characters per token; no API call. Each topic's row holds its "
                  "drafting calls and its share of the one triage pass (by the (paper, topic) pairs it brings; the "
                  "pass's calls are counted once, in the triage row and the total)",
        "distinct_papers": len({c for s in selected.values() for c in (cite_key(p) for p in s.candidates)}),
        "triage": triage_row,
        "topics": out_rows,
        "totals": totals,
    }
