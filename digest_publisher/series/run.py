"""The whole series as one job: every topic selected, triaged together, curated, drafted, rendered, published.

    select each topic -> ONE triage pass (each distinct paper read once, :mod:`.triage`; the built-in
    scorer per topic without Claude) -> overlap rule (:mod:`.overlap`) -> per topic: curate, draft
    (:func:`~digest_publisher.pipeline.draft_curated`) -> publish the drafted posts (:mod:`.publish`)

One bad topic (no paper selected, a draft that fails, WordPress refusing its post) is isolated: its row says
what happened, the others go on. Every stage's result is kept on disk (:mod:`.state`), so a run stopped at
any point (Ctrl-C, SIGKILL, a batch still processing, WordPress down) resumes where it stopped when run again:
triage scores and batch ids from the Claude cache, a finished draft skipped when its inputs are unchanged,
publishing's own records making the re-publish of an unchanged post a no-write.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import pipeline
from ..candidates import Window, curate_selected, topic_candidates
from ..claude import stable_hash
from ..curation import BuiltinScorer, Scores
from ..errors import ConfigError, DigestError
from ..models import NullProgress, Paper, PostKind, Progress, Topic
from ..records.record import kill_point
from ..topics import load_topics
from .overlap import hold_shared
from .state import SeriesState, state_folder

if TYPE_CHECKING:
    from ..drafting.base import Drafter
    from ..wordpress.site import Site
    from .triage import SeriesTriage


@dataclass
class TopicRow:
    """One line of the series table."""

    number: str
    label: str
    candidates: int = 0
    discussed: int = 0
    held: int = 0  # shared papers this topic's curation held out (central to another topic)
    words: int = 0
    cost_usd: float = 0.0  # its draft's calls plus its share of the triage (by the pairs it brought)
    status: str = "not run"
    link: str = ""
    slug: str = ""
    error: str = ""
    resumed: list[str] = field(default_factory=list)  # stages an earlier run finished: "draft"

    @property
    def failed(self) -> bool:
        return bool(self.error)

    def fail(self, stage: str, exc: DigestError) -> None:
        self.status = f"failed ({stage})"
        self.error = str(exc)

    def to_dict(self) -> dict[str, Any]:
        return {"topic": self.number, "label": self.label, "candidates": self.candidates, "discussed": self.discussed,
                "held_shared": self.held, "words": self.words, "cost_usd": round(self.cost_usd, 4),
                "status": self.status, "link": self.link, "slug": self.slug, "error": self.error,
                "resumed": self.resumed}  # fmt: skip


@dataclass
class SeriesReport:
    rows: list[TopicRow]
    shared: int = 0  # distinct papers two or more topics selected
    papers: int = 0  # distinct candidates over the series
    triage_usd_run: float = 0.0  # what this run's triage paid (0 when every pair was scored before)
    spent_usd_run: float = 0.0  # what this run paid for Claude calls, triage and drafts
    state: Path | None = None
    seconds: dict[str, float] = field(default_factory=dict)  # wall time per stage
    page: dict[str, Any] | None = None  # the series' index page on WordPress (PageResult.to_dict), if published

    @property
    def failed(self) -> bool:
        page_failed = self.page is not None and self.page.get("action") in ("failed", "other-site")
        return page_failed or any(row.failed for row in self.rows)

    def to_dict(self) -> dict[str, Any]:
        return {"topics": [r.to_dict() for r in self.rows], "shared_papers": self.shared, "papers": self.papers,
                "total_cost_usd": round(sum(r.cost_usd for r in self.rows), 4),
                "spent_this_run_usd": round(self.spent_usd_run, 4),
                "triage_this_run_usd": round(self.triage_usd_run, 4),
                "state": str(self.state) if self.state else None,
                "seconds": {k: round(v, 3) for k, v in self.seconds.items()}, "page": self.page,
                "failed": self.failed}  # fmt: skip


@dataclass(frozen=True)
class SeriesJob:
    """What the series covers: the corpus, the window (``None``: each topic's default), the topics (empty:
    every topic of topics.toml) and where posts go."""

    paths: tuple[Path, ...]
    topics_path: Path
    posts_dir: Path
    topic_refs: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    fmt: str | None = None
    papers: int | None = None  # K per post (default: curation's for a backfill)

    def topics(self) -> list[Topic]:
        catalogue = load_topics(self.topics_path)
        if not self.topic_refs:
            return list(catalogue.topics)
        return list(dict.fromkeys(catalogue.get(ref) for ref in self.topic_refs))


@dataclass
class _Selected:
    topic: Topic
    kind: PostKind
    window: Window
    stats: dict[str, Any]
    candidates: list[Paper]


@dataclass
class _Fixed:
    """A scorer that answers what the series' triage already scored."""

    scores: Scores
    name: str

    def score(self, candidates: Sequence[Paper], topic: Topic, progress: Progress) -> Scores:
        return self.scores


def select_topics(job: SeriesJob, rows: dict[str, TopicRow]) -> dict[str, _Selected]:
    """Each topic's candidates in its window; a topic that selects nothing fails alone."""
    out: dict[str, _Selected] = {}
    for number, row in rows.items():
        try:
            topic, kind, window, stats, candidates = topic_candidates(
                list(job.paths), number, topics_path=job.topics_path, date_from=job.date_from, date_to=job.date_to,
                fmt=job.fmt, kind=PostKind.BACKFILL,
            )
        except DigestError as exc:
            row.fail("select", exc)
            continue
        row.candidates = len(candidates)
        out[number] = _Selected(topic, kind, window, stats, candidates)
    return out


def series_window(job: SeriesJob, selected: dict[str, _Selected]) -> tuple[date | None, date | None]:
    if job.date_from or job.date_to or not selected:
        return job.date_from, job.date_to
    first = next(iter(selected.values())).window
    return first.date_from, first.date_to


def run_series(
    job: SeriesJob,
    *,
    drafter: Drafter,
    triage: SeriesTriage | None,
    site: Site | None,
    status: str | None = None,
    transport: str = "rest",
    progress: Progress | None = None,
) -> SeriesReport:
    """The series (see the module docstring). ``triage``: the Claude pass (None: the built-in scorer per
    topic); ``site`` None: draft only, publish nothing."""
    from .publish import publish_members

    progress = progress or NullProgress()
    topics = job.topics()
    if not topics:
        raise ConfigError(f"{job.topics_path} has no topic", "Add [[topics]] tables to it")
    rows = {t.number: TopicRow(t.number, t.label) for t in topics}
    report = SeriesReport(list(rows.values()))
    clock = time.perf_counter()
    selected = select_topics(job, rows)
    report.seconds["select"] = time.perf_counter() - clock
    series = topics[0].series
    state = SeriesState(state_folder(job.posts_dir, series, series_window(job, selected)))
    report.state = state.path

    clock = time.perf_counter()
    scores, scorer_name, pairs = _score(selected, triage, state, report, progress)
    report.seconds["triage"] = time.perf_counter() - clock
    if scores is None:
        return report
    held, report.shared = hold_shared(scores)
    total_pairs = sum(pairs.values()) or 1

    clock = time.perf_counter()
    report.spent_usd_run = report.triage_usd_run
    for number, chosen in selected.items():
        row = rows[number]
        row.held = sum(1 for pid in held[number].held if pid in held[number].by_id)
        try:
            report.spent_usd_run += _draft_topic(chosen, row, _Fixed(held[number], scorer_name), drafter, job, state,
                                                 progress)  # fmt: skip
        except DigestError as exc:
            row.fail("draft", exc)
            progress.note(f"topic {row.label}: draft failed: {exc}")
        row.cost_usd += state.triage_usd * pairs.get(number, 0) / total_pairs
    report.seconds["draft"] = time.perf_counter() - clock

    clock = time.perf_counter()
    if site is not None:
        report.page = publish_members([r for r in rows.values() if r.slug and not r.failed], job=job,
                                      site=site, status=status, transport=transport, state=state,
                                      progress=progress)  # fmt: skip
    report.seconds["publish"] = time.perf_counter() - clock
    return report


def _score(
    selected: dict[str, _Selected], triage: SeriesTriage | None, state: SeriesState, report: SeriesReport,
    progress: Progress,
) -> tuple[dict[str, Scores] | None, str, dict[str, int]]:
    """Every topic's scores: the one Claude pass, or the built-in scorer per topic."""
    from ..names import cite_key

    report.papers = len({cite_key(p) for s in selected.values() for p in s.candidates})
    pairs = {n: len(s.candidates) for n, s in selected.items()}
    if triage is None:
        builtin = BuiltinScorer()
        return ({n: builtin.score(s.candidates, s.topic, progress) for n, s in selected.items()}, builtin.name,
                pairs)  # fmt: skip
    try:
        found = triage.score({n: (s.topic, s.candidates) for n, s in selected.items()}, progress)
    except DigestError as exc:  # the one pass failed: no topic can be curated this run
        for number in selected:
            next(r for r in report.rows if r.number == number).fail("triage", exc)
        return None, "", pairs
    report.triage_usd_run = sum(u.cost_usd for u in found.usage.values())
    state.add_triage_cost(report.triage_usd_run)
    note = {"kind": "series", "reason": f"scored in the series' one triage pass over {found.papers:,} distinct papers; "
                                        "its cost is in the series table, shared by the pairs each topic brought"}
    scores = {n: replace(s, usage={}, notes=[*s.notes, note]) for n, s in found.by_topic.items()}
    return scores, "claude (series triage)", found.pairs


def _draft_topic(chosen: _Selected, row: TopicRow, scorer: _Fixed, drafter: Drafter, job: SeriesJob,
                 state: SeriesState, progress: Progress) -> float:  # fmt: skip
    """Curate and draft one topic, unless the same draft was finished by an earlier run; what it paid."""
    from ..drafting import REPORT_FILE
    from ..names import cite_key

    curated = curate_selected(chosen.topic, chosen.kind, chosen.window, chosen.stats, chosen.candidates,
                              papers=job.papers, scorer=scorer, progress=progress)  # fmt: skip
    model = str(getattr(getattr(drafter, "settings", None), "model", ""))  # another model drafts anew
    inputs = stable_hash("series-draft", drafter.name, model, [cite_key(p) for p in curated.curation.discussed],
                         curated.span and [d.isoformat() for d in curated.span])  # fmt: skip
    kept = state.topic(row.number)
    folder = job.posts_dir / str(kept.get("slug", ""))
    if kept.get("inputs") == inputs and (folder / REPORT_FILE).is_file() and (folder / "post.md").is_file():
        report = json.loads((folder / REPORT_FILE).read_text(encoding="utf-8"))
        row.resumed.append("draft")
        spent = 0.0
        progress.note(f"topic {row.label}: drafted by an earlier run of the series ({folder.name}); kept")
    else:
        outcome = pipeline.draft_curated(curated, drafter=drafter, posts_dir=job.posts_dir, progress=progress)
        report = outcome.result.report
        spent = float(report.get("totals", {}).get("cost_usd", 0.0))
        state.update(row.number, slug=outcome.result.slug, inputs=inputs, status="drafted")
        kill_point("series-drafted")  # TEST-ONLY crash hook (DIGEST_TEST_KILL_AT=series-drafted#n)
    row.slug = str(report["slug"])
    row.discussed = int(report.get("papers", {}).get("in", 0))
    row.words = int(report.get("words", 0))
    row.cost_usd = float(report.get("totals", {}).get("cost_usd", 0.0))
    row.status = "drafted"
    return spent
