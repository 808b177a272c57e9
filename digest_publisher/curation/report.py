"""What curation shows the editor: ``draft-report.json``'s ``curation`` object and ``curation.md``.

``curation.md`` (in the post folder; ``draft --shortlist`` prints it) is the ranking read top down: the
discussed papers with their rank, score, why and the scorer's reason, a marked cut, then the next papers
below the cut (the ones a pin would bring in) and the editor's exclusions. To steer the next draft: pin
or exclude ids in topics.toml (``pin = [...]``, ``exclude_ids = [...]`` in the topic) or on the command
line (``--pin ID``, ``--exclude ID``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ..claude.usage import StageUsage
from ..models import Topic
from .base import Curation, Decision
from .curate import quarter_shares

SHORTLIST_FILE = "curation.md"
BELOW_CUT_SHOWN = 20


def report_dict(curation: Curation, window: tuple[date, date] | None) -> dict[str, Any]:
    """``draft-report.json`` ``curation``: counts, the quarters' shares, notes and every decision."""
    out: dict[str, Any] = {
        "scorer": curation.scorer,
        "k": curation.k,
        "candidates": curation.candidates,
        "discussed": len(curation.discussed),
        "notes": list(curation.notes),
    }
    if window is not None:
        out["quarters"] = [{"period": label, "discussed": n} for label, n in quarter_shares(curation, window)]
    if curation.scores is not None:
        out["usage"] = curation.scores.usage
        out["scorer_notes"] = curation.scores.notes
    out["decisions"] = [d.to_dict() for d in curation.decisions]
    return out


def _cell(text: str) -> str:
    return " ".join(text.replace("|", "/").split())


def _row(d: Decision) -> str:
    link = f"[{d.paper_id}](https://arxiv.org/abs/{d.paper_id})" if d.paper_id[:1].isdigit() else d.paper_id
    return (f"| {d.rank} | {d.score:.2f} | {link} | {_cell(d.title)} | {_cell(d.theme or '-')} | "
            f"{_cell(d.why)} | {_cell(d.reason)} |")  # fmt: skip


_HEAD = ["| Rank | Score | Paper | Title | Theme | Why | Scorer's reason |",
         "| ---: | ---: | --- | --- | --- | --- | --- |"]  # fmt: skip


def shortlist_markdown(curation: Curation, topic: Topic, window: tuple[date, date] | None) -> str:
    """The readable shortlist (see the module docstring)."""
    discussed = [d for d in curation.decisions if d.discussed]
    excluded = [d for d in curation.decisions if d.why == "excluded by the editor"]
    below = [d for d in curation.decisions if not d.discussed and d not in excluded][:BELOW_CUT_SHOWN]
    lines = [
        f"# Curation: {topic.label}",
        "",
        f"{len(discussed)} papers discussed of {curation.candidates:,} screened"
        + (f", {window[0].isoformat()} to {window[1].isoformat()}" if window else "")
        + f" (scorer: {curation.scorer}; K = {curation.k}).",
        "",
    ]
    if window is not None:
        shares = ", ".join(f"{label}: {n}" for label, n in quarter_shares(curation, window))
        lines += [f"Per quarter of the window: {shares}.", ""]
    lines += [f"- {note}" for note in curation.notes] + ([""] if curation.notes else [])
    lines += ["Steer the next draft with `--pin ID` / `--exclude ID` (repeatable), or `pin = [...]` / "
              "`exclude_ids = [...]` in the topic's table in topics.toml.", "", "## Discussed", "", *_HEAD]
    lines += [_row(d) for d in discussed]
    lines += ["", f"## Below the cut (the next {len(below)} of {curation.candidates - len(discussed):,})", ""]
    lines += [*_HEAD, *(_row(d) for d in below)] if below else ["None."]
    if excluded:
        lines += ["", "## Excluded by the editor", "", *_HEAD, *(_row(d) for d in excluded)]
    return "\n".join(lines) + "\n"


def screened_ids(report: dict[str, Any]) -> set[str]:
    """The ids a draft screened (every decision of its report), for a later refresh: empty when the
    report has no curation."""
    curation = report.get("curation")
    if not isinstance(curation, dict):
        return set()
    return {str(d["id"]) for d in curation.get("decisions", []) if isinstance(d, dict) and "id" in d}


def curation_usage(curation: Curation) -> dict[str, StageUsage]:
    """The calls curation's scorer made (Claude's triage; none for the built-in scorer), by stage, for the
    draft report's stages and totals."""
    if curation.scores is None:
        return {}
    return {name: StageUsage.from_dict(data) for name, data in curation.scores.usage.items()}
