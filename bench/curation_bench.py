"""The Claude path over a year (issue 17): topic 07's candidates of the real year, triaged on the cheap model,
the K that curation keeps drafted, against the fake Claude at realistic latency (1 s to the first token, 60
output tokens/s), streamed and through the Message Batches API, each from a cold cache and a fresh server.

The year is read from ``$DIGEST_BENCH_YEAR`` (the unpacked ``arxiv-year-2025-05-2026-05``: 267 daily JSONL
files; see the README's "Benchmarks"); without it the rows are skipped and say so. The window is the
issue's (2025-05-01 .. 2026-05-31: 3,120 candidates).

Curation: the real stage (:func:`digest_publisher.curation.curate`: Claude's triage scores, then the
coverage rule over quarters and themes) keeps the :data:`K` papers the post discusses.

Yardsticks, per run:
- cost vs the physical limit: every candidate's title and abstract read once at the cheapest input price
  the run uses (``cards_model``'s; its batch price with ``--batch``), plus the post's body written once at
  the drafting model's output price; tokens counted as the fake counts them;
- wall vs the critical path of the run's own stages (``drafting_bench.critical_path_s``: triage, then cards,
  outline, sections ...; a Message Batch counts as one call lasting from submission to its results).
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from digest_publisher.claude import ClaudeSettings, load_settings
from digest_publisher.claude.anthropic_client import AnthropicClient
from digest_publisher.claude.client import BatchFailure, Reply
from digest_publisher.curation import curate
from digest_publisher.curation.claude import ClaudeScorer
from digest_publisher.drafting import NullProgress, draft_post
from digest_publisher.drafting.claude import ClaudeDrafter
from digest_publisher.models import Paper, PostKind, Topic
from digest_publisher.records import parse_post_source
from digest_publisher.selection import select_corpus
from digest_publisher.topics import load_topics
from tests.fake_claude import FakeClaude

from .drafting_bench import (
    DUMMY_KEY,
    ROOT,
    TOKENS_PER_S,
    TTFT_S,
    CallTiming,
    TimedClient,
    critical_path_s,
    fake_tokens,
)
from .table import Row

YEAR_ENV = "DIGEST_BENCH_YEAR"
WINDOW = (date(2025, 5, 1), date(2026, 5, 31))
K = 50  # a backfill discusses about 40-60 papers (the seed's 51)
COST_TARGET = 1.5
WALL_TARGET = 1.3


class TimedBatchClient(TimedClient):
    """:class:`TimedClient` that also logs a Message Batch as one call of its stage (submission to results)."""

    def run_batch(
        self, requests: dict[str, dict[str, Any]], *, poll_s: float, on_poll: Callable[[dict[str, int]], None],
    ) -> dict[str, Reply | BatchFailure]:
        start = time.perf_counter()
        results = self.inner.run_batch(requests, poll_s=poll_s, on_poll=on_poll)
        stage = next(iter(requests), "other").rsplit("-", 1)[0]
        with self.lock:
            self.log.append(CallTiming(stage, f"batch-{start}", start, time.perf_counter(), 0, 0))
        return results


@dataclasses.dataclass(frozen=True)
class YearRun:
    batch: bool
    candidates: int
    discussed: int
    covered: int
    wall_s: float
    calls: list[CallTiming]
    stages: dict[str, dict[str, Any]]
    limit_usd: float

    @property
    def cost_usd(self) -> float:
        return sum(float(u["cost_usd"]) for u in self.stages.values())

    @property
    def critical_s(self) -> float:
        return critical_path_s(self.calls)


def year_candidates(folder: Path) -> tuple[Topic, list[Paper]]:
    topic = dataclasses.replace(load_topics(ROOT / "topics.toml").get("07"), kind=PostKind.BACKFILL)
    return topic, list(select_corpus([folder], topic, *WINDOW).papers)


def physical_limit_usd(candidates: list[Paper], post_body: str, settings: ClaudeSettings, *, batch: bool) -> float:
    """Every candidate read once at the cheapest input price the run uses, the post written once."""
    cheap = settings.price_for("triage")
    read_price = min(cheap.input, settings.price.input) * (cheap.batch_discount if batch else 1.0)
    read = sum(fake_tokens(f"{p.title}\n{p.abstract}") for p in candidates)
    return (read * read_price + fake_tokens(post_body) * settings.price.output) / 1_000_000


def run_year(topic: Topic, candidates: list[Paper], settings: ClaudeSettings, *, batch: bool) -> YearRun:
    log: list[CallTiming] = []
    with tempfile.TemporaryDirectory() as tmp, FakeClaude(
        ttft_s=TTFT_S, tokens_per_s=TOKENS_PER_S, min_cache_tokens=settings.price.min_cache_tokens
    ) as fake:
        def client() -> TimedBatchClient:
            return TimedBatchClient(AnthropicClient.for_base_url(fake.base_url, DUMMY_KEY, settings), log)

        cache = Path(tmp) / "cache"
        started = time.perf_counter()
        scorer = ClaudeScorer(client, settings, ROOT / "prompts", cache, batch=batch)
        curation = curate(candidates, topic, K, scorer, window=WINDOW, progress=NullProgress())
        assert curation.scores is not None
        scores = curation.scores
        papers = list(curation.discussed)
        drafter = ClaudeDrafter(client, settings, ROOT / "prompts", cache, batch=batch)
        result = draft_post(topic, papers, kind=PostKind.BACKFILL, drafter=drafter, posts_dir=Path(tmp) / "posts",
                            window=WINDOW, unverified=settings.unverified, screened=len(candidates))
        wall = time.perf_counter() - started
        post_md = result.folder / "post.md"
        body = parse_post_source(post_md.read_text(encoding="utf-8"), str(post_md)).body
    return YearRun(batch, len(candidates), len(papers), int(result.report["papers"]["covered"]), wall, log,
                   {**scores.usage, **result.report["stages"]},
                   physical_limit_usd(candidates, body, settings, batch=batch))


def _stage_costs(run: YearRun) -> str:
    return ", ".join(f"{name} ${u['cost_usd']:.3f}" for name, u in run.stages.items() if u["calls"])


def run() -> list[Row]:
    folder = os.environ.get(YEAR_ENV)
    if not folder or not Path(folder).is_dir():
        return [Row("Claude path over the year (topic 07)", f"skipped: set {YEAR_ENV} to the unpacked year", "-")]
    settings = dataclasses.replace(load_settings(ROOT / "prompts" / "models.toml"), batch_poll_s=1.0)
    topic, candidates = year_candidates(Path(folder))
    rows: list[Row] = []
    for batch in (False, True):
        via = "--batch" if batch else "streamed"
        m = run_year(topic, candidates, settings, batch=batch)
        what = f"year, topic 07, Claude path ({via}): {m.candidates:,} candidates -> {m.discussed} drafted"
        ratio = m.cost_usd / m.limit_usd
        rows.append(Row(f"{what}: cost vs physical limit",
                        f"{ratio:.2f}x: ${m.cost_usd:.3f} vs ${m.limit_usd:.3f} ({_stage_costs(m)}); "
                        f"{m.covered} of {m.discussed} cited", f"<= {COST_TARGET}x", ok=ratio <= COST_TARGET))
        wall = m.wall_s / m.critical_s if m.critical_s else float("inf")
        calls = sum(int(u["calls"]) for u in m.stages.values())
        rows.append(Row(f"{what}: wall vs critical path",
                        f"{wall:.2f}x: {m.wall_s:.1f} s vs {m.critical_s:.1f} s; {calls} calls",
                        f"<= {WALL_TARGET}x", ok=wall <= WALL_TARGET))
    return rows


if __name__ == "__main__":
    from .table import render_table

    print(render_table(run()))
