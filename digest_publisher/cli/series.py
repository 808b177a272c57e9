"""``digest-publisher series``: every topic's backfill as one job, printed as one table."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any

import click

from .. import config
from ..series import SeriesJob, SeriesReport, SeriesTriage, run_series
from ._common import (
    command_site,
    corpus_format_option,
    corpus_option,
    drafter_option,
    echo_json,
    from_to_options,
    info,
    json_option,
    model_option,
    papers_option,
    posts_dir_option,
    prompts_dir_option,
    status_option,
    topic_option,
    topics_option,
    transport_option,
)
from .draft import RichProgress, build_drafter


def _refs(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(ref.strip() for value in values for ref in value.split(",") if ref.strip())


def print_table(report: SeriesReport) -> None:
    click.echo(f"{'topic':<34}{'candidates':>11}{'discussed':>10}{'words':>8}{'cost $':>9}  {'status':<18}link")
    for row in report.rows:
        click.echo(f"{row.label[:33]:<34}{row.candidates:>11,}{row.discussed:>10}{row.words:>8,}{row.cost_usd:>9.4f}  "
                   f"{row.status[:17]:<18}{row.link}")  # fmt: skip
    total = sum(r.cost_usd for r in report.rows)
    click.echo(f"{'total':<34}{report.papers:>11,}{sum(r.discussed for r in report.rows):>10}"
               f"{sum(r.words for r in report.rows):>8,}{total:>9.4f}")
    held = sum(r.held for r in report.rows)
    click.echo(f"shared papers: {report.shared:,} of {report.papers:,} distinct candidates were selected by two topics "
               f"or more; {held:,} (paper, topic) places held out where the paper is not central; "
               f"spent this run: ${report.spent_usd_run:.4f}")  # fmt: skip
    if report.page is not None:
        from ..publishing.series_page import PageResult

        click.echo(PageResult(**report.page).line())  # the line publish_series_site's report prints


def print_estimate(data: dict[str, Any]) -> None:
    click.echo(f"Estimate for the series: {data['distinct_papers']:,} distinct candidates; {data['method']}")
    click.echo(f"{'topic':<34}{'cands':>7}{'K':>4}{'calls':>6}{'input tok':>12}{'output tok':>12}{'$ streamed':>12}"
               f"{'$ batched':>11}")
    triage = data["triage"]
    rows = [{**r, "topic": r["topic"]} for r in data["topics"]]
    for row in rows:
        if "error" in row:
            click.echo(f"{row['topic'][:33]:<34}failed: {row['error']}")
            continue
        click.echo(f"{row['topic'][:33]:<34}{row['candidates']:>7,}{row['papers']:>4}{row['calls']:>6}"
                   f"{row['input_tokens']:>12,}{row['output_tokens']:>12,}{row['usd_streamed']:>12.4f}"
                   f"{row['usd_batched']:>11.4f}")  # fmt: skip
    click.echo(f"{'  of which triage (shared)':<34}{'':>7}{'':>4}{triage['calls']:>6}{triage['input_tokens']:>12,}"
               f"{triage['output_tokens']:>12,}{triage['usd_streamed']:>12.4f}{triage['usd_batched']:>11.4f}"
               f"  ({triage['note']})")  # fmt: skip
    t = data["totals"]
    click.echo(f"{'total':<34}{'':>7}{'':>4}{t['calls']:>6}{t['input_tokens']:>12,}{t['output_tokens']:>12,}"
               f"{t['usd_streamed']:>12.4f}{t['usd_batched']:>11.4f}")


@click.command("series")
@topic_option(required=False, many=True)
@corpus_option()
@from_to_options(default="12 months ending at the corpus's newest listing (each topic's window in topics.toml "
                         "if it has one)")
@status_option
@drafter_option
@model_option
@click.option("--batch", is_flag=True,
              help="Claude: the series' triage as ONE Message Batches job; drafting's fan-out stages batched.")
@click.option("--estimate", is_flag=True,
              help="Print the series' calls, tokens and dollars per topic and in total (streamed and batched) and "
                   "exit; no API call, nothing written.")
@papers_option
@transport_option
@corpus_format_option
@topics_option
@prompts_dir_option
@json_option
@posts_dir_option
def series_command(
    topic_ref: tuple[str, ...],
    corpus_paths: tuple[Path, ...],
    date_from: date | None,
    date_to: date | None,
    status: str | None,
    drafter_name: str | None,
    model: str | None,
    batch: bool,
    estimate: bool,
    papers_k: int | None,
    transport: str,
    fmt: str | None,
    topics_path: Path,
    prompts_dir: Path,
    as_json: bool,
    posts_dir: Path | None,
) -> None:
    """Every topic's backfill as one job: each paper triaged once, drafted, published; resumable."""
    job = SeriesJob(paths=tuple(corpus_paths), topics_path=topics_path, posts_dir=config.posts_dir(posts_dir),
                    topic_refs=_refs(topic_ref), date_from=date_from, date_to=date_to, fmt=fmt, papers=papers_k)
    if estimate:
        from ..claude import load_settings
        from ..series.estimate import estimate_series

        data = estimate_series(job, settings=load_settings(prompts_dir / "models.toml", model=model),
                               prompts_dir=prompts_dir, cache_dir=config.cache_dir())  # fmt: skip
        echo_json(data) if as_json else print_estimate(data)
        return
    site = command_site(posts_dir)  # before any work: missing settings are reported all at once
    name = drafter_name or ("claude" if config.claude_key_set() else "builtin")
    drafter = build_drafter(name, model=model, batch=batch, prompts_dir=prompts_dir, cache_dir=config.cache_dir())
    triage = None
    if name == "claude":
        from ..drafting.claude import ClaudeDrafter

        assert isinstance(drafter, ClaudeDrafter)
        triage = SeriesTriage(drafter.client_factory, drafter.settings, prompts_dir, config.cache_dir(), batch=batch)
    info(f"Drafter: {drafter.describe()}")
    with RichProgress(enabled=not as_json) as progress:
        report = run_series(job, drafter=drafter, triage=triage, site=site, status=status,
                            transport=transport, progress=progress)  # fmt: skip
    for row in report.rows:
        if row.failed:
            info(f"topic {row.label} failed: {row.error}")
    if as_json:
        echo_json(report.to_dict())
    else:
        print_table(report)
    if report.failed:
        sys.exit(1)
