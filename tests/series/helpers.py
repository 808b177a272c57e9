"""Shared by the series tests: the year subset, topics 03, 07 and 12, the fake Claude behind the real SDK."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

from digest_publisher.candidates import topic_candidates
from digest_publisher.claude import ClaudeSettings, load_settings
from digest_publisher.claude.anthropic_client import AnthropicClient
from digest_publisher.drafting.claude import ClaudeDrafter
from digest_publisher.models import PostKind
from digest_publisher.names import cite_key
from digest_publisher.series import SeriesJob, SeriesTriage
from tests.fake_claude import FakeClaude
from tests.paths import REPO_ROOT, SAMPLE_YEAR

TOPICS = REPO_ROOT / "topics.toml"
PROMPTS = REPO_ROOT / "prompts"
SERIES = ("07", "03", "12")
KEY = "sk-ant-test-SERIES"


def settings() -> ClaudeSettings:
    return dataclasses.replace(load_settings(PROMPTS / "models.toml"), batch_poll_s=0.01, max_concurrency=4)


def fast_prompts(tmp: Path) -> Path:
    """The real prompts, with batches polled every 50 ms (a subprocess reads models.toml)."""
    folder = tmp / "prompts"
    shutil.copytree(PROMPTS, folder)
    models = folder / "models.toml"
    models.write_text(models.read_text(encoding="utf-8").replace("batch_poll_s = 10", "batch_poll_s = 0.05"),
                      encoding="utf-8")  # fmt: skip
    return folder


def job(posts: Path, papers: int = 8) -> SeriesJob:
    return SeriesJob(paths=(SAMPLE_YEAR,), topics_path=TOPICS, posts_dir=posts, topic_refs=SERIES, papers=papers)


def claude(fake: FakeClaude, cache: Path, *, batch: bool) -> tuple[ClaudeDrafter, SeriesTriage]:
    s = settings()

    def factory() -> AnthropicClient:
        return AnthropicClient.for_base_url(fake.base_url, KEY, s)

    drafter = ClaudeDrafter(client_factory=factory, settings=s, prompts_dir=PROMPTS, cache_dir=cache, batch=batch)
    return drafter, SeriesTriage(factory, s, PROMPTS, cache, batch=batch)


def candidates() -> dict[str, set[str]]:
    """Each topic's candidate ids on the year subset, as the series selects them."""
    out: dict[str, set[str]] = {}
    for number in SERIES:
        *_, papers = topic_candidates([SAMPLE_YEAR], number, topics_path=TOPICS, date_from=None, date_to=None,
                                      fmt=None, kind=PostKind.BACKFILL)  # fmt: skip
        out[number] = {cite_key(p) for p in papers}
    return out
