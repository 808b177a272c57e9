"""The stages composed as plain functions, top to bottom: corpus -> selection -> draft -> render -> publish.

Each function takes explicit inputs and returns plain data; the CLI calls exactly one of them per command.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from .corpus.fetch import FetchResult, fetch_arxiv
from .records import atomic_write_text
from .selection import Selection, select_corpus
from .topics import load_topics


def select(
    paths: list[Path],
    topic_ref: str,
    topics_path: Path,
    date_from: date | None,
    date_to: date | None,
    fmt: str | None = None,
) -> Selection:
    """The papers of one topic; the topic's default window applies when no date is given."""
    topic = load_topics(topics_path).get(topic_ref)
    if date_from is None and date_to is None:
        date_from, date_to = topic.window_from, topic.window_to
    return select_corpus(paths, topic, date_from, date_to, fmt)


def corpus_stats(
    paths: list[Path],
    topic_ref: str | None,
    topics_path: Path,
    date_from: date | None,
    date_to: date | None,
    fmt: str | None = None,
) -> dict[str, Any]:
    topic = load_topics(topics_path).get(topic_ref) if topic_ref else None
    if topic and date_from is None and date_to is None:
        date_from, date_to = topic.window_from, topic.window_to
    selection = select_corpus(paths, topic, date_from, date_to, fmt, allow_empty=True)
    return selection.stats


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
