"""Shared fixtures for the drafting tests: real papers through the project's own reader and selection
(``select_corpus`` with topic 07 of the real topics.toml), so the tests draft what a user would."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest

from digest_publisher.models import Paper, PostKind, Topic
from digest_publisher.selection import select_corpus
from digest_publisher.topics import load_topics
from tests.paths import REAL_WEEK, REPO_ROOT, SAMPLE_WEEK

ROOT = REPO_ROOT
SAMPLE = SAMPLE_WEEK
PROMPTS = ROOT / "prompts"
TOPICS = ROOT / "topics.toml"


def topic_07() -> Topic:
    return load_topics(TOPICS).get("07")


def select(folder: Path, topic: Topic | None) -> list[Paper]:
    """The papers ``digest-publisher draft`` would draft from ``folder`` (one process: tests run in parallel)."""
    return select_corpus([folder], topic, workers=1).papers


def make_topic(kind: PostKind = PostKind.BACKFILL) -> Topic:
    return dataclasses.replace(topic_07(), kind=kind)


@pytest.fixture(scope="session")
def sample_papers() -> list[Paper]:
    papers = select(SAMPLE, topic_07())
    assert len(papers) >= 40, "the bundled sample should hold the topic-07 week"
    return papers


@pytest.fixture(scope="session")
def real_week_07() -> list[Paper]:
    """Topic 07's selection of the real week (tests/data/real)."""
    return select(REAL_WEEK, topic_07())


@pytest.fixture(scope="session")
def real_week_all() -> list[Paper]:
    """The broad selection: every paper of the real week (1,736), no topic filter."""
    return select(REAL_WEEK, None)


WINDOW = (date(2026, 5, 18), date(2026, 5, 22))


@pytest.fixture()
def topic() -> Topic:
    return make_topic()


@pytest.fixture()
def brief_topic() -> Topic:
    return make_topic(PostKind.BRIEF)


@pytest.fixture()
def window() -> tuple[date, date]:
    return WINDOW
