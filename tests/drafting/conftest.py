"""Shared fixtures for the drafting tests: real papers from the bundled sample week, a real topic."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from digest_publisher.models import Paper, PostKind, Topic

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "arxiv-week-2026-05-18"
PROMPTS = ROOT / "prompts"
TOPICS = ROOT / "topics.toml"

# A rough stand-in for topic 07's rules (the real ones live in topics.toml and the selection module).
POST_TRAINING = re.compile(
    r"\b(RLHF|RLVR|GRPO|DPO|PPO|post-training|reward models?|preference optimi[sz]ation|instruction tuning|"
    r"on-policy distillation|verifiable rewards?|policy optimization|reinforcement learning)\b",
    re.I,
)


def read_listing(folder: Path, pattern: re.Pattern[str] | None = POST_TRAINING) -> list[Paper]:
    """Tiny reader for the listing JSONL shape, de-duplicated by id (first listing day wins)."""
    papers: dict[str, Paper] = {}
    for path in sorted(folder.glob("*.jsonl")):
        listed = date.fromisoformat(path.stem)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            record = json.loads(line)
            if record["id"] in papers:
                continue
            text = record["title"] + " " + record["summary"]
            if pattern is not None and not pattern.search(text):
                continue
            papers[record["id"]] = Paper(
                title=" ".join(record["title"].split()),
                authors=tuple(record["authors"]),
                abstract=" ".join(record["summary"].split()),
                arxiv_id=record["id"],
                categories=tuple(record["categories"]),
                submitted=listed,
                abs_url=record["abs"],
                comment=record.get("comment"),
                source=f"{path}:{number}",
            )
    return list(papers.values())


def make_topic(kind: PostKind = PostKind.BACKFILL) -> Topic:
    return Topic(
        number="07",
        name="RL & Post-Training",
        slug="rl-post-training",
        category_name="RL & Post-Training",
        category_slug="topic-07",
        include=(),
        kind=kind,
        tags=("reinforcement learning", "post-training"),
    )


@pytest.fixture(scope="session")
def sample_papers() -> list[Paper]:
    papers = read_listing(SAMPLE)
    assert len(papers) >= 40, "the bundled sample should hold the topic-07 week"
    return papers


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
