"""From a corpus to the papers a post discusses: the window a command applies (said, never silent),
the topic's selection in it, and curation down to K (:mod:`digest_publisher.curation`).

The first half of :func:`digest_publisher.pipeline.draft`, and all of ``draft --shortlist``. Stage
modules are imported inside the functions that use them, as in the pipeline.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .topics import load_topics

if TYPE_CHECKING:
    from .claude import ClaudeSettings
    from .claude.estimate import StageEstimate
    from .corpus.fetch import FetchResult
    from .curation import Curation, Scorer
    from .drafting.base import Drafter, Progress
    from .models import Paper, PostKind, Topic
    from .selection import Selection


@dataclass(frozen=True)
class Window:
    """The dates a command filtered by, and where they came from (``source``), said to the editor."""

    date_from: date | None
    date_to: date | None
    source: str  # "--from/--to", "topics.toml", "backfill default", "brief default", "none"
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"from": self.date_from.isoformat() if self.date_from else None,
                "to": self.date_to.isoformat() if self.date_to else None, "applied": self.source,
                "detail": self.detail, "said": self.describe()}  # fmt: skip

    def describe(self) -> str:
        if self.source == "none":
            return f"window: none applied ({self.detail})"
        dates = f"{self.date_from or '...'} to {self.date_to or '...'}"
        return f"window: {dates} ({self.source}{'; ' + self.detail if self.detail else ''})"


def corpus_window(topic: Topic | None, date_from: date | None, date_to: date | None,
                  corpus_span: tuple[date | None, date | None]) -> Window:  # fmt: skip
    """What ``corpus stats/select`` applied: the dates given, else none (the whole corpus)."""
    if date_from is not None or date_to is not None:
        return Window(date_from, date_to, "--from/--to")
    low, high = corpus_span
    detail = f"the whole corpus, {low or '?'} to {high or '?'}"
    if topic is not None and (topic.window_from or topic.window_to):
        detail += (f"; topic {topic.number}'s window in topics.toml ({topic.window_from or '...'} to "
                   f"{topic.window_to or '...'}) is a default for drafting only")  # fmt: skip
    return Window(None, None, "none", detail + "; pass --from/--to to filter")


BACKFILL_DAYS = 365  # a backfill's default window: the 12 months ending at the corpus's newest listing
BRIEF_DAYS = 6  # a brief's: the last week (the newest listing and the six days before it)


def draft_window(topic: Topic, kind: PostKind, date_from: date | None, date_to: date | None,
                 corpus_span: tuple[date | None, date | None]) -> Window:  # fmt: skip
    """The window a post covers: ``--from/--to``; else the topic's ``window`` in topics.toml; else, by the
    post's kind, the 12 months (backfill) or the week (brief) ending at the corpus's newest listing,
    never starting before its oldest one (a week's corpus makes a week's post, and says so)."""
    if date_from is not None or date_to is not None:
        return Window(date_from, date_to, "--from/--to")
    if topic.window_from or topic.window_to:
        return Window(topic.window_from, topic.window_to, "topics.toml", f"topic {topic.number}'s window")
    low, high = corpus_span
    if high is None:
        return Window(None, None, "none", "no paper of the corpus has a date")
    days = BACKFILL_DAYS if kind.value == "backfill" else BRIEF_DAYS
    start = high - timedelta(days=days)
    what = "12 months" if days == BACKFILL_DAYS else "the week"
    detail = f"{what} ending at the corpus's newest listing, {high}"
    if low is not None and low > start:
        start = low
        detail += f"; the corpus starts on {low}"
    return Window(start, high, f"{kind.value} default", detail)


@dataclass(frozen=True)
class Curated:
    """Selection and curation of one topic, before drafting: what ``draft --shortlist`` shows."""

    topic: Topic
    kind: PostKind
    window: Window
    span: tuple[date, date] | None  # the post's window (the dates given, else the candidates')
    selection_stats: dict[str, Any]
    curation: Curation


def default_scorer(drafter: Drafter | None) -> Scorer:
    """The scorer curation uses for ``drafter``: Claude's triage (on the cheap model, sharing the drafter's
    settings, client, stage cache and ``--batch``) for the Claude drafter, the offline built-in one otherwise."""
    from .curation import BuiltinScorer
    from .drafting.claude import ClaudeDrafter

    if isinstance(drafter, ClaudeDrafter):
        from .curation.claude import claude_scorer

        return claude_scorer(drafter.settings, prompts_dir=drafter.prompts_dir, cache_dir=drafter.cache_dir,
                             batch=drafter.batch, client_factory=drafter.client_factory)  # fmt: skip
    return BuiltinScorer()


def topic_candidates(
    paths: list[Path],
    topic_ref: str,
    *,
    topics_path: Path,
    date_from: date | None,
    date_to: date | None,
    fmt: str | None,
    kind: PostKind | None,
    keep: Sequence[Paper] = (),
) -> tuple[Topic, PostKind, Window, dict[str, Any], list[Paper]]:
    """The topic, the post's kind, the window applied (:func:`draft_window`), the selection's counts and the
    candidates curation screens (``keep`` first): what a draft and its estimate both start from."""
    from .errors import EmptySelectionError
    from .names import cite_key
    from .selection import select_corpus

    topic = load_topics(topics_path).get(topic_ref)
    kind = kind or topic.kind
    given = date_from is not None or date_to is not None or topic.window_from or topic.window_to
    if given:
        window = draft_window(topic, kind, date_from, date_to, (None, None))
        selection = select_corpus(paths, topic, window.date_from, window.date_to, fmt, allow_empty=bool(keep))
    else:  # the default window depends on the corpus's newest listing: read it all, then keep the window
        selection = select_corpus(paths, topic, None, None, fmt, allow_empty=True)
        window = draft_window(topic, kind, None, None, (selection.corpus_from, selection.corpus_to))
    with selection:
        stats = dict(selection.stats)
        found = selection.papers
    if not given:
        low, high = window.date_from, window.date_to
        found = [p for p in found if p.submitted and (low is None or p.submitted >= low)
                 and (high is None or p.submitted <= high)]  # fmt: skip
        dates = [p.submitted for p in found if p.submitted]
        stats.update(selected=len(found), date_from=min(dates).isoformat() if dates else None,
                     date_to=max(dates).isoformat() if dates else None)  # fmt: skip
        if not found and not keep:
            raise EmptySelectionError(
                f"topic {topic.label} selects no paper in the {window.describe().removeprefix('window: ')}",
                "Pass --from/--to for another window, or check the topic's rules",
            )
    stats["window"] = window.to_dict()
    kept = {cite_key(p) for p in keep}
    return topic, kind, window, stats, [*keep, *(p for p in found if cite_key(p) not in kept)]


def post_span(window: Window, candidates: Sequence[Paper]) -> tuple[date, date] | None:
    """The post's window: the dates applied, else the candidates' own first and last."""
    dates = sorted(p.submitted for p in candidates if p.submitted)
    start = window.date_from or (dates[0] if dates else None)
    end = window.date_to or (dates[-1] if dates else None)
    return (start, end) if start and end else None


def curate_topic(
    paths: list[Path],
    topic_ref: str,
    *,
    topics_path: Path,
    date_from: date | None,
    date_to: date | None,
    fmt: str | None,
    kind: PostKind | None,
    papers: int | None = None,
    pins: Sequence[str] = (),
    excludes: Sequence[str] = (),
    scorer: Scorer | None = None,
    progress: Progress | None = None,
    keep: Sequence[Paper] = (),
) -> Curated:
    """Select the topic's papers in the post's window (:func:`draft_window`) and curate them down to the
    K the post discusses (``papers``, default by kind: :data:`~digest_publisher.curation.DEFAULT_K`), the
    topic's and the command line's pins and excludes obeyed.

    ``keep`` (a refresh of an existing post): those papers stay (pinned) and up to K/5 of the best new
    candidates join them (``papers`` given: up to that many)."""
    topic, kind, window, stats, candidates = topic_candidates(
        paths, topic_ref, topics_path=topics_path, date_from=date_from, date_to=date_to, fmt=fmt, kind=kind, keep=keep
    )
    return curate_selected(topic, kind, window, stats, candidates, papers=papers, pins=pins, excludes=excludes,
                           scorer=scorer, progress=progress, keep=keep)  # fmt: skip


def curate_selected(
    topic: Topic,
    kind: PostKind,
    window: Window,
    stats: dict[str, Any],
    candidates: list[Paper],
    *,
    papers: int | None = None,
    pins: Sequence[str] = (),
    excludes: Sequence[str] = (),
    scorer: Scorer | None = None,
    progress: Progress | None = None,
    keep: Sequence[Paper] = (),
) -> Curated:
    """:func:`curate_topic` after its selection (:func:`topic_candidates`' answer): the series selects every
    topic first, triages them together, then curates each."""
    from .curation import curate, default_k, with_pins
    from .names import cite_key

    kept = [cite_key(p) for p in keep]
    span = post_span(window, candidates)
    pins, excludes = with_pins(topic, pins, excludes)
    k = papers if papers is not None else default_k(kind)
    if keep:
        pins = [*pins, *kept]
        k = len(kept) + (papers if papers is not None else max(1, default_k(kind) // 5))
    curation = curate(candidates, topic, k, scorer or default_scorer(None), pins=pins, excludes=excludes,
                      window=span, progress=progress)  # fmt: skip
    return Curated(topic, kind, window, span, stats, curation)


def estimate_topic(
    paths: list[Path], topic_ref: str, *, topics_path: Path, date_from: date | None, date_to: date | None,
    fmt: str | None, kind: PostKind | None, prompts_dir: Path, cache_dir: Path, model: str | None = None,
    papers: int | None = None,
) -> dict[str, Any]:
    """What ``draft --drafter claude`` would spend on the topic, without any Messages API call: the same
    window and candidates as the draft (:func:`topic_candidates`), triage of every candidate (papers triaged
    before cost nothing), then cards, outline, sections and meta of the K papers curation keeps (``papers``,
    else curation's K for the kind; their lengths taken from K candidates spread over the selection, since
    which K is decided by the triage). See ``claude.estimate``."""
    from .claude import load_settings
    from .claude.estimate import table
    from .curation.claude import claude_scorer

    topic, kind, window, _, candidates = topic_candidates(
        paths, topic_ref, topics_path=topics_path, date_from=date_from, date_to=date_to, fmt=fmt, kind=kind
    )
    settings = load_settings(prompts_dir / "models.toml", model=model)
    triage = claude_scorer(settings, prompts_dir=prompts_dir, cache_dir=cache_dir).estimate(candidates, topic)
    k, stages = estimate_drafting(settings, prompts_dir, cache_dir, topic, kind, window, candidates, papers)
    return table([triage, *stages], settings, topic=topic.label, kind=kind.value, candidates=len(candidates), papers=k)


def estimate_drafting(
    settings: ClaudeSettings, prompts_dir: Path, cache_dir: Path, topic: Topic, kind: PostKind, window: Window,
    candidates: Sequence[Paper], papers: int | None,
) -> tuple[int, list[StageEstimate]]:
    """The K a draft of ``candidates`` discusses and its drafting stages' estimate, the K papers' lengths taken
    from K candidates spread over the selection (which K is decided by the triage)."""
    from .curation import default_k
    from .drafting.claude_estimate import estimate_draft

    k = min(len(candidates), papers if papers is not None else default_k(kind))
    step = len(candidates) / k if k else 1.0
    curated = [candidates[int(i * step)] for i in range(k)]
    span = post_span(window, candidates) or (date.min, date.max)
    return k, estimate_draft(settings, prompts_dir, cache_dir, topic, curated, kind, span)


def select(paths: list[Path], topic_ref: str, topics_path: Path, date_from: date | None, date_to: date | None,
           fmt: str | None = None) -> Selection:  # fmt: skip
    """The papers of one topic in the dates given; with no date, the whole corpus (a topic's window in
    topics.toml is a default for drafting only: :func:`corpus_window` says which applied)."""
    from .selection import select_corpus

    return select_corpus(paths, load_topics(topics_path).get(topic_ref), date_from, date_to, fmt)


def fetch(categories: list[str], date_from: date, date_to: date, output: Path, *, base_url: str | None,
          delay: float, page_size: int, progress: Callable[[str], None] | None = None) -> FetchResult:  # fmt: skip
    from .corpus.fetch import ARXIV_API, fetch_arxiv

    return fetch_arxiv(categories, date_from, date_to, output, base_url=base_url or ARXIV_API,  # None: arXiv's
                       delay=delay, page_size=page_size, progress=progress)  # fmt: skip


def corpus_stats(paths: list[Path], topic_ref: str | None, topics_path: Path, date_from: date | None,
                 date_to: date | None, fmt: str | None = None) -> dict[str, Any]:  # fmt: skip
    """Counts of the corpus (and the topic's selection), and ``window``: the dates applied (none unless
    --from/--to are given; see :func:`corpus_window`)."""
    from .selection import select_corpus

    topic = load_topics(topics_path).get(topic_ref) if topic_ref is not None else None
    with select_corpus(paths, topic, date_from, date_to, fmt, allow_empty=True) as selection:
        stats = dict(selection.stats)
        stats["window"] = corpus_window(topic, date_from, date_to,
                                        (selection.corpus_from, selection.corpus_to)).to_dict()  # fmt: skip
    return stats


def screened(folder: Path) -> set[str]:
    """The candidate ids the post's last draft screened (its draft-report.json's curation decisions)."""
    import json

    from .curation import screened_ids
    from .drafting import REPORT_FILE

    try:
        report = json.loads((folder / REPORT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    return screened_ids(report) if isinstance(report, dict) else set()
