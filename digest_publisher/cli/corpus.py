"""``digest-publisher corpus ...``: fetch, select and count papers."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from .. import config, pipeline
from ._common import corpus_format_option, echo_json, from_to_options, info, topic_option, topics_option

paths_argument = click.argument(
    "paths", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=True, exists=False, readable=False)
)


@click.group("corpus")
def corpus_group() -> None:
    """Read, filter and fetch paper corpora (listing JSONL, JSON, CSV, BibTeX, Atom, arXiv snapshot)."""


@corpus_group.command("select")
@paths_argument
@topic_option(required=False)
@from_to_options(default="the topic's window")
@corpus_format_option
@topics_option
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="Write the selected papers here (JSONL); default: standard output.",
)
def select_command(
    paths: tuple[Path, ...],
    topic_ref: str | None,
    date_from: date | None,
    date_to: date | None,
    fmt: str | None,
    topics_path: Path,
    output: Path | None,
) -> None:
    """Select the papers of a topic (and window); one JSON object per paper, with the rule that matched."""
    if not topic_ref:
        raise click.UsageError("--topic is required (a number like 07 or a slug)")
    # Streamed from the selection's store: a broad topic's papers are never all in memory.
    with pipeline.select(list(paths), topic_ref, topics_path, date_from, date_to, fmt) as selection:
        span = (selection.corpus_from, selection.corpus_to)
        info(pipeline.corpus_window(selection.topic, date_from, date_to, span).describe())
        if output is None:
            for line in selection.jsonl_lines():
                click.echo(line)
        else:
            count = selection.write_jsonl(output)
            info(f"{count} papers selected -> {output}")


@corpus_group.command("stats")
@paths_argument
@topic_option(required=False)
@from_to_options(default="the topic's window")
@corpus_format_option
@topics_option
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
def stats_command(
    paths: tuple[Path, ...],
    topic_ref: str | None,
    date_from: date | None,
    date_to: date | None,
    fmt: str | None,
    topics_path: Path,
    as_json: bool,
) -> None:
    """Count files, records, unique papers, duplicates and (with --topic) selected papers."""
    stats = pipeline.corpus_stats(list(paths), topic_ref, topics_path, date_from, date_to, fmt)
    window = stats.pop("window")
    info(window["said"])
    if as_json:
        echo_json({**stats, "window": window})
        return
    width = max(len(k) for k in stats)
    for key, value in stats.items():
        click.echo(f"{key:<{width}}  {value if value is not None else '-'}")


@corpus_group.command("fetch")
@click.option("--category", "categories", multiple=True, required=True, help="arXiv category, e.g. cs.CL.")
@from_to_options(required=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option(
    "--api-url", default=None,
    help="arXiv API endpoint (default: $ARXIV_API_URL, else https://export.arxiv.org/api/query).",
)
@click.option("--delay", type=float, default=3.0, show_default=True, help="Seconds between pages.")
@click.option("--page-size", type=int, default=100, show_default=True)
def fetch_command(
    categories: tuple[str, ...],
    date_from: date,
    date_to: date,
    output: Path,
    api_url: str | None,
    delay: float,
    page_size: int,
) -> None:
    """Fetch papers from the arXiv API into a listing JSONL file (one polite request at a time)."""
    if date_to < date_from:
        raise click.BadParameter("--to is before --from", param_hint="--to")
    result = pipeline.fetch(
        list(categories), date_from, date_to, output, base_url=config.arxiv_api_url(api_url), delay=delay,
        page_size=page_size,
        progress=info,
    )
    info(f"{result.papers} papers in {result.pages} page(s), {result.requests} request(s) -> {output}")
