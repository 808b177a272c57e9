"""Assembly: the drafter's content plus the parts code writes exactly, as one Markdown body.

Code writes the "N papers analyzed | window" line (after curation: "K papers discussed of N screened |
window", K counting the papers the text cites), the ``---`` separators, the series footer of a
backfill post and the Run Metadata table of a brief, so none of them depends on a model getting a
count, a date or a sentence right.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..models import PostKind
from .base import DraftContent, DraftRequest, StageUsage
from .prose import format_window

SEPARATOR = "---"


def discussed_count(request: DraftRequest, content: DraftContent) -> int:
    """How many of the request's papers the content cites: what a curated post says it discusses."""
    from .grounding import citations_in

    text = "\n".join([content.hook, *(f"{s.heading}\n{s.body}" for s in content.sections)])
    keys = set(request.by_key)
    return len({key for key in citations_in(text) if key in keys})


def footer_sentence(request: DraftRequest, content: DraftContent | None = None) -> str:
    """The exact series footer: "This article is part of the <series> backfill series, covering N
    papers on <topic> from <start> – <end>." (N: the papers discussed, after curation)."""
    topic = request.topic
    count = discussed_count(request, content) if content is not None and request.screened else len(request.papers)
    return (
        f"This article is part of the {topic.series} backfill series, covering {count:,} "
        f"papers on {topic.name} from {format_window(*request.window)}."
    )


def header_line(request: DraftRequest, content: DraftContent | None = None) -> str:
    """"**48 papers analyzed** | May 18 – 22, 2026"; after curation (``request.screened``), "**51 papers
    discussed of 3,120 screened** | May 2025 – May 2026", counting the papers the text cites."""
    window = format_window(*request.window)
    if request.screened is not None and content is not None:
        return f"**{discussed_count(request, content):,} papers discussed of {request.screened:,} screened** | {window}"
    return f"**{len(request.papers)} papers analyzed** | {window}"


def totals(stages: dict[str, StageUsage]) -> StageUsage:
    out = StageUsage()
    for usage in stages.values():
        out.calls += usage.calls
        out.cached += usage.cached
        out.retries += usage.retries
        out.retry_reasons += usage.retry_reasons
        out.input_tokens += usage.input_tokens
        out.output_tokens += usage.output_tokens
        out.cache_creation_input_tokens += usage.cache_creation_input_tokens
        out.cache_read_input_tokens += usage.cache_read_input_tokens
        out.cost_usd += usage.cost_usd
    return out


def run_metadata_rows(request: DraftRequest, content: DraftContent, now: datetime) -> list[tuple[str, str]]:
    total = totals(content.stages)
    start, end = request.window
    return [
        ("Generated at", now.strftime("%Y-%m-%d %H:%M UTC")),
        ("Window", f"{start.isoformat()} to {end.isoformat()}"),
        ("Papers analysed", str(len(request.papers))),
        *([("Papers screened", f"{request.screened:,}")] if request.screened is not None else []),
        ("Drafter", content.drafter),
        ("Model", content.model or "none (built-in extractive drafter)"),
        ("Calls", f"{total.calls} ({total.cached} from cache)"),
        (
            "Tokens",
            f"{total.input_tokens:,} in, {total.output_tokens:,} out, "
            f"{total.cache_creation_input_tokens:,} cache write, "
            f"{total.cache_read_input_tokens:,} cache read",
        ),
        ("Cost", f"${total.cost_usd:.4f}"),
    ]


def _table(rows: list[tuple[str, str]]) -> str:
    lines = ["| Field | Value |", "| --- | --- |"]
    lines += [f"| {k} | {v.replace('|', '/')} |" for k, v in rows]
    return "\n".join(lines)


def assemble_body(request: DraftRequest, content: DraftContent, now: datetime) -> str:
    parts: list[str] = [header_line(request, content)]
    if request.kind is PostKind.BACKFILL:
        parts += [SEPARATOR, content.hook.strip()]
        for section in content.sections:
            parts += [SEPARATOR, f"## {section.heading}", section.body.strip()]
        parts += [SEPARATOR, f"*{footer_sentence(request, content)}*"]
    else:
        parts.append(content.hook.strip())
        for section in content.sections:
            parts += [f"## {section.heading}", section.body.strip()]
        parts += [SEPARATOR, "## Run Metadata", _table(run_metadata_rows(request, content, now))]
    return "\n\n".join(p for p in parts if p) + "\n"


def section_stats(body: str) -> list[dict[str, Any]]:
    """Words and citations per H2 section, for the draft report."""
    from .grounding import citations_in
    from .prose import word_count

    out: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    for line in body.splitlines():
        if line.startswith("## "):
            current = {"heading": line[3:].strip(), "words": 0, "citations": 0}
            out.append(current)
        elif current is not None and line.strip() != SEPARATOR:
            current["words"] += word_count(line)
            current["citations"] += len(citations_in(line))
    return out
