"""The stages composed as plain functions, top to bottom: corpus -> selection -> draft -> render -> publish.

Each function takes explicit inputs and returns plain data; the CLI calls exactly one of them per command.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .corpus.fetch import FetchResult, fetch_arxiv
from .records import atomic_write_text
from .selection import Selection, select_corpus
from .topics import load_topics

if TYPE_CHECKING:  # the heavier stages are imported where they are used, so `corpus` commands stay light
    from .drafting import DraftResult
    from .drafting.base import Drafter, Progress
    from .models import PostKind, Topic
    from .publishing import PublishReport
    from .wordpress.settings import WordPressSettings


def select(
    paths: list[Path],
    topic_ref: str,
    topics_path: Path,
    date_from: date | None,
    date_to: date | None,
    fmt: str | None = None,
) -> Selection:
    """The papers of one topic; the topic's default window applies when no date is given."""
    return _select(paths, load_topics(topics_path).get(topic_ref), date_from, date_to, fmt)


def _window(topic: Topic, date_from: date | None, date_to: date | None) -> tuple[date | None, date | None]:
    """The dates asked for, or the topic's default window when none was."""
    if date_from is None and date_to is None:
        return topic.window_from, topic.window_to
    return date_from, date_to


def _select(
    paths: list[Path], topic: Topic, date_from: date | None, date_to: date | None, fmt: str | None
) -> Selection:
    return select_corpus(paths, topic, *_window(topic, date_from, date_to), fmt)


@dataclass(frozen=True)
class TopicDraft:
    topic: Topic
    result: DraftResult
    selection_stats: dict[str, Any]


def draft(
    paths: list[Path],
    topic_ref: str,
    *,
    topics_path: Path,
    date_from: date | None,
    date_to: date | None,
    fmt: str | None,
    kind: PostKind | None,
    drafter: Drafter,
    posts_dir: Path,
    progress: Progress | None = None,
    unverified: str = "fail",
    overwrite: bool = False,
) -> TopicDraft:
    """Select the topic's papers (its default window when no dates are given) and draft the post;
    the draft report gains the selection's counts under ``selection``."""
    from .drafting import draft_post

    topic = load_topics(topics_path).get(topic_ref)
    selection = _select(paths, topic, date_from, date_to, fmt)
    dates = sorted(p.submitted for p in selection.papers if p.submitted)
    start = selection.date_from or (dates[0] if dates else None)
    end = selection.date_to or (dates[-1] if dates else None)
    result = draft_post(
        topic,
        selection.papers,
        kind=kind,
        drafter=drafter,
        posts_dir=posts_dir,
        window=(start, end) if start and end else None,
        progress=progress,
        unverified=unverified,
        overwrite=overwrite,
        report_extra={"selection": selection.stats},
    )
    return TopicDraft(topic=topic, result=result, selection_stats=selection.stats)


def corpus_stats(
    paths: list[Path],
    topic_ref: str | None,
    topics_path: Path,
    date_from: date | None,
    date_to: date | None,
    fmt: str | None = None,
) -> dict[str, Any]:
    if topic_ref is None:
        return select_corpus(paths, None, date_from, date_to, fmt, allow_empty=True).stats
    topic = load_topics(topics_path).get(topic_ref)
    return select_corpus(paths, topic, *_window(topic, date_from, date_to), fmt, allow_empty=True).stats


def write_lines(path: Path, lines: list[str]) -> None:
    atomic_write_text(path, "".join(line + "\n" for line in lines))


def fetch(
    categories: list[str],
    date_from: date,
    date_to: date,
    output: Path,
    *,
    base_url: str,
    delay: float,
    page_size: int,
    progress: Callable[[str], None] | None = None,
) -> FetchResult:
    return fetch_arxiv(
        categories, date_from, date_to, output, base_url=base_url, delay=delay, page_size=page_size,
        progress=progress,
    )


@dataclass(frozen=True)
class BackfillResult:
    """What the editor's one command did: the draft, the rendered preview and the publish."""

    slug: str
    draft_report: dict[str, Any]
    preview: Path
    publish: PublishReport


def backfill(
    paths: list[Path],
    topic_ref: str,
    *,
    topics_path: Path,
    date_from: date | None,
    date_to: date | None,
    fmt: str | None,
    kind: PostKind | None,
    drafter: Drafter,
    posts_dir: Path,
    settings: WordPressSettings,
    status: str | None = None,
    date_gmt: str | None = None,
    transport: str = "rest",
    content_format: str = "blocks",
    progress: Progress | None = None,
    overwrite: bool = False,
) -> BackfillResult:
    """Draft the topic's post, render it (writing the local preview), publish it: one post, exactly once.

    A draft that fails its grounding checks, or content that fails the residue check, stops the run
    before anything is sent to WordPress.
    """
    from .publishing import apply_overrides, publish_post
    from .records import load_post
    from .render import check_residue, render_post, write_preview

    outcome = draft(
        paths, topic_ref, topics_path=topics_path, date_from=date_from, date_to=date_to, fmt=fmt, kind=kind,
        drafter=drafter, posts_dir=posts_dir, progress=progress, overwrite=overwrite,
    )
    label = outcome.topic.label
    folder = load_post(outcome.result.slug, posts_dir)
    rendered = render_post(folder, content_format=content_format, topic_label=label)
    preview = write_preview(folder, rendered, topic_label=label)
    rendered = apply_overrides(rendered, status, date_gmt)
    report = publish_post(
        rendered, folder.path, settings, transport=transport, residue_check=check_residue, posts_dir=posts_dir
    )
    return BackfillResult(outcome.result.slug, outcome.result.report, preview, report)
