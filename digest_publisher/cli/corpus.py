"""``digest-publisher corpus ...``: fetch, harvest (OAI-PMH), select and count papers."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .. import pipeline
from ._common import corpus_format_option, echo_json, from_to_options, info, topic_option, topics_option

if TYPE_CHECKING:
    from ..corpus.harvest import HarvestProgress

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
    from .. import config  # here: `corpus select` and `stats` need no settings (and load faster)

    if date_to < date_from:
        raise click.BadParameter("--to is before --from", param_hint="--to")
    result = pipeline.fetch(
        list(categories), date_from, date_to, output, base_url=config.arxiv_api_url(api_url), delay=delay,
        page_size=page_size,
        progress=info,
    )
    info(f"{result.papers} papers in {result.pages} page(s), {result.requests} request(s) -> {output}")


@corpus_group.command("harvest")
@click.option("--set", "set_spec", default="cs", show_default=True,
              help="OAI-PMH set of arXiv: cs, math, physics, physics:hep-th ...")  # fmt: skip
@from_to_options(required=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The listing JSONL to write (no date in its name: readers date a file by it).")  # fmt: skip
@click.option("--delay", type=float, default=3.0, show_default=True, help="Seconds between pages.")
def harvest_command(set_spec: str, date_from: date, date_to: date, output: Path, delay: float) -> None:
    """Harvest a set of arXiv over a date range by OAI-PMH (as arXiv asks bulk users to) into a listing
    JSONL; an interrupted harvest goes on where it stopped when run again with the same options.

    The endpoint is arXiv's OAI-PMH service, or $ARXIV_OAI_URL. Papers are kept when their first version
    was submitted between --from and --to."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from .. import config
    from ..corpus.fields import date_in_name
    from ..corpus.harvest import harvest_oai

    if date_to < date_from:
        raise click.BadParameter("--to is before --from", param_hint="--to")
    if date_in_name(output) is not None:
        raise click.BadParameter(
            f"{output.name} holds a date: the listing reader would date every paper of the file by it; "
            "name it without one, e.g. arxiv-cs-2025.jsonl",
            param_hint="--output",
        )
    console = Console(stderr=True)
    bar = Progress(
        TextColumn("harvest {task.description}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("records, {task.fields[written]} papers kept, page {task.fields[pages]}"), TimeRemainingColumn(),
        console=console, disable=not console.is_terminal,
    )  # fmt: skip
    task = bar.add_task(set_spec, total=None, written=0, pages=0)

    def progress(state: HarvestProgress) -> None:
        bar.update(task, completed=state.received, total=state.complete_size, written=state.written, pages=state.pages)

    def notice(message: str) -> None:
        if console.is_terminal:
            bar.console.print(message, markup=False, highlight=False)
        else:
            info(message)

    with bar:
        result = harvest_oai(set_spec, date_from, date_to, output, base_url=config.arxiv_oai_url(), delay=delay,
                             progress=progress, notice=notice)  # fmt: skip
    if result.no_records:
        info(f"the service has no records in set {set_spec} changed since {date_from} (noRecordsMatch): "
             f"{output} is empty")  # fmt: skip
        return
    left_out = f", {result.outside_window} records outside the window left out" if result.outside_window else ""
    info(f"{result.papers} papers in {result.pages} page(s), {result.requests} request(s){left_out} -> {output}")
