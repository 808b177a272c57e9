"""The whole series over the real year (issue 21): every topic of the shipped topics.toml selected, triaged in ONE
pass (each distinct candidate read once), curated, drafted (K = 50 each) by the Claude path against the fake
Claude, streamed and through the Message Batches API, each from a cold cache and a fresh server.

The year is read from ``$DIGEST_BENCH_YEAR`` (see :mod:`bench.curation_bench`); without it the rows are
skipped and say so. The window is the issue's (2025-05-01 .. 2026-05-31).

Yardstick: cost vs the series' physical limit: every DISTINCT candidate's title and abstract read once at the
cheapest input price the run uses (``cards_model``'s; its batch price with ``--batch``), plus every post's body
written once at the drafting model's output price; tokens counted as the fake counts them. Goals: <= 1.5x
streamed, <= 1.3x batched.

Wall time per stage (select, triage, draft) is measured with the fake at a TENTH of the realistic latency
(0.1 s to the first token, 600 output tokens/s; batches end when their slowest request would have): at the
real latency the year's series takes most of an hour per mode, so the stage times printed are those of the
scaled fake, said in the row (the select stage, local CPU and disk only, is not scaled). Publishing is not
part of these rows (no WordPress here): the publishing rows measure it per post. With the 3 topics shipped
when it was written, this section took about 7 minutes on the 2-core machine (both modes); it grows with the
topics (selection reads the year once per topic, about 10 s each, three times: the limit's count and each mode).
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from pathlib import Path

from digest_publisher.claude import ClaudeSettings, load_settings
from digest_publisher.claude.anthropic_client import AnthropicClient
from digest_publisher.drafting.claude import ClaudeDrafter
from digest_publisher.names import cite_key
from digest_publisher.records import parse_post_source
from digest_publisher.series import SeriesJob, SeriesReport, SeriesTriage, run_series
from digest_publisher.series.run import TopicRow, select_topics
from digest_publisher.topics import load_topics
from tests.fake_claude import FakeClaude

from .curation_bench import WINDOW, YEAR_ENV
from .drafting_bench import DUMMY_KEY, ROOT, TOKENS_PER_S, TTFT_S, fake_tokens
from .table import Row

SCALE = 10  # the fake runs this many times faster than the realistic latency (see the module docstring)
STREAMED_TARGET, BATCHED_TARGET = 1.5, 1.3


def series_job(folder: Path, posts: Path) -> SeriesJob:
    return SeriesJob(paths=(folder,), topics_path=ROOT / "topics.toml", posts_dir=posts, date_from=WINDOW[0],
                     date_to=WINDOW[1])  # fmt: skip


def read_tokens(folder: Path) -> tuple[int, int, int]:
    """(distinct candidates, (paper, topic) pairs, tokens of the distinct candidates' titles and abstracts)."""
    job = series_job(folder, Path(tempfile.gettempdir()) / "unused")
    rows = {t.number: TopicRow(t.number, t.label) for t in job.topics()}
    selected = select_topics(job, rows)
    distinct = {cite_key(p): p for s in selected.values() for p in s.candidates}
    pairs = sum(len(s.candidates) for s in selected.values())
    return len(distinct), pairs, sum(fake_tokens(f"{p.title}\n{p.abstract}") for p in distinct.values())


def limit_usd(read: int, bodies: list[str], settings: ClaudeSettings, *, batch: bool) -> float:
    cheap = settings.price_for("triage")
    read_price = min(cheap.input, settings.price.input) * (cheap.batch_discount if batch else 1.0)
    return (read * read_price + sum(fake_tokens(b) for b in bodies) * settings.price.output) / 1_000_000


def run_mode(folder: Path, settings: ClaudeSettings, *, batch: bool) -> tuple[SeriesReport, list[str]]:
    with tempfile.TemporaryDirectory() as tmp, FakeClaude(
        ttft_s=TTFT_S / SCALE, tokens_per_s=TOKENS_PER_S * SCALE, min_cache_tokens=settings.price.min_cache_tokens
    ) as fake:
        def client() -> AnthropicClient:
            return AnthropicClient.for_base_url(fake.base_url, DUMMY_KEY, settings)

        cache, posts = Path(tmp) / "cache", Path(tmp) / "posts"
        drafter = ClaudeDrafter(client, settings, ROOT / "prompts", cache, batch=batch)
        triage = SeriesTriage(client, settings, ROOT / "prompts", cache, batch=batch)
        report = run_series(series_job(folder, posts), drafter=drafter, triage=triage, site=None)
        bodies = []
        for row in report.rows:
            if row.slug and not row.failed:
                post_md = posts / row.slug / "post.md"
                bodies.append(parse_post_source(post_md.read_text(encoding="utf-8"), str(post_md)).body)
    return report, bodies


def run() -> list[Row]:
    folder = os.environ.get(YEAR_ENV)
    topics = len(load_topics(ROOT / "topics.toml").topics)
    if not folder or not Path(folder).is_dir():
        return [Row(f"series over the year ({topics} topics)", f"skipped: set {YEAR_ENV} to the unpacked year", "-")]
    settings = dataclasses.replace(load_settings(ROOT / "prompts" / "models.toml"), batch_poll_s=0.2)
    distinct, pairs, read = read_tokens(Path(folder))
    rows: list[Row] = []
    for batch, target in ((False, STREAMED_TARGET), (True, BATCHED_TARGET)):
        via = "--batch" if batch else "streamed"
        report, bodies = run_mode(Path(folder), settings, batch=batch)
        failed = [r.label for r in report.rows if r.failed]
        cost = sum(r.cost_usd for r in report.rows)
        limit = limit_usd(read, bodies, settings, batch=batch)
        ratio = cost / limit if limit else float("inf")
        triage = report.triage_usd_run
        what = (f"series, year, {topics} topics ({via}): {distinct:,} distinct candidates ({pairs:,} pairs, "
                f"{report.shared:,} shared) -> {len(bodies)} posts")  # fmt: skip
        rows.append(Row(f"{what}: cost vs physical limit",
                        f"{ratio:.2f}x: ${cost:.2f} vs ${limit:.2f} (triage ${triage:.2f}, drafts ${cost - triage:.2f})"
                        + (f"; FAILED: {', '.join(failed)}" if failed else ""),
                        f"<= {target}x", ok=ratio <= target and not failed))  # fmt: skip
        seconds = report.seconds
        rows.append(Row(f"{what}: wall per stage (fake at 1/{SCALE} latency)",
                        f"select {seconds['select']:.0f} s, triage {seconds['triage']:.0f} s, "
                        f"draft {seconds['draft']:.0f} s ({seconds['draft'] / max(1, len(bodies)):.0f} s a post)",
                        "-"))  # fmt: skip
    return rows


if __name__ == "__main__":
    from .table import render_table

    print(render_table(run()))
