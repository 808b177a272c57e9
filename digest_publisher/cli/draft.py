"""``digest-publisher draft``: select a topic's papers and draft the post source."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from types import TracebackType
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichBar

from .. import config, pipeline
from ..corpus import FORMATS
from ..drafting import BuiltinDrafter
from ..drafting.base import Drafter
from ..errors import ConfigError
from ..models import PostKind
from ._common import (
    drafter_option,
    echo_json,
    info,
    model_option,
    posts_dir_option,
    prompts_dir_option,
    to_date,
    topics_option,
)


class RichProgress:
    """Draws drafting stages and calls as rich progress bars on stderr (plain lines when not a TTY)."""

    def __init__(self) -> None:
        self.console = Console(stderr=True)
        self.bar = RichBar(
            TextColumn("{task.description:<10}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
            disable=not self.console.is_terminal,
        )
        self.tasks: dict[str, TaskID] = {}

    def __enter__(self) -> RichProgress:
        self.bar.__enter__()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.bar.__exit__(kind, exc, tb)

    def stage(self, name: str, total: int | None = None) -> None:
        if name in self.tasks:
            self.bar.update(self.tasks[name], total=total)
        else:
            self.tasks[name] = self.bar.add_task(name, total=total)

    def advance(self, name: str, steps: int = 1) -> None:
        if name not in self.tasks:
            self.stage(name)
        self.bar.advance(self.tasks[name], steps)

    def note(self, message: str) -> None:
        if self.console.is_terminal:
            self.bar.console.print(message, markup=False, highlight=False)
        else:
            info(message)


def build_drafter(
    name: str, *, model: str | None, batch: bool, prompts_dir: Path, cache_dir: Path
) -> Drafter:
    """The real drafter for ``--drafter`` (Claude reads its key from the environment or ``.env``)."""
    if name == "builtin":
        if batch or model:
            info("note: --batch and --model apply to the Claude drafter only; ignored")
        return BuiltinDrafter()
    if not config.claude_key_set():
        raise ConfigError(
            "the Claude drafter needs an API key and none was found",
            "Set ANTHROPIC_API_KEY in the environment or in .env, or use --drafter builtin",
        )
    from ..drafting.claude import ClaudeDrafter
    from ..drafting.claude_client import AnthropicClient
    from ..drafting.settings import load_settings

    settings = load_settings(prompts_dir / "models.toml", model=model)
    return ClaudeDrafter(
        client_factory=lambda: AnthropicClient.from_environment(settings),
        settings=settings,
        prompts_dir=prompts_dir,
        cache_dir=cache_dir,
        batch=batch,
    )


def claims_line(report: dict[str, Any], folder: Path) -> str:
    """The closing line about claims: how many were repaired, removed (numbers cut, sentences dropped,
    words softened) and flagged (kept, under ``unverified = "report"``), and where they are listed."""
    repaired = len(report.get("numbers_repaired", []))
    removed = len(report.get("numbers_removed", []))
    flagged = len(report.get("unverified_claims", []))
    if not (repaired or removed or flagged):
        return "Claims: every number and cited claim checked against the papers; nothing to repair."
    return (f"Claims: {repaired} repaired, {removed} removed, {flagged} flagged; each with its reason in "
            f"{folder / 'draft-report.json'}.")


@click.command("draft")
@click.argument("more_paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--topic", "topic_ref", required=True, help="Topic number or slug from topics.toml.")
@click.option(
    "--corpus", "corpus_paths", multiple=True, required=True, type=click.Path(path_type=Path),
    help="Corpus file or folder; repeat it, or list more paths after the options (--corpus a.jsonl b.jsonl).",
)
@click.option("--from", "date_from", callback=to_date, default=None,
              help="First day, YYYY-MM-DD (default: the topic's window).")
@click.option("--to", "date_to", callback=to_date, default=None,
              help="Last day, YYYY-MM-DD (default: the topic's window).")
@click.option("--kind", type=click.Choice([k.value for k in PostKind]), default=None,
              help="Post kind (default: the topic's).")
@drafter_option
@model_option
@click.option("--batch", is_flag=True, help="Run card and section calls through the Message Batches API.")
@click.option("--json", "as_json", is_flag=True, help="Print the draft report as JSON.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None, help="Corpus format.")
@topics_option
@prompts_dir_option
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Claude stage cache (default: $DIGEST_CACHE_DIR or .cache/drafting).")
@click.option("--force", is_flag=True, help="Replace a post.md that was edited since it was drafted.")
@posts_dir_option
def draft_command(
    more_paths: tuple[Path, ...],
    topic_ref: str,
    corpus_paths: tuple[Path, ...],
    date_from: date | None,
    date_to: date | None,
    kind: str | None,
    drafter_name: str | None,
    model: str | None,
    batch: bool,
    as_json: bool,
    fmt: str | None,
    topics_path: Path,
    prompts_dir: Path,
    cache_dir: Path | None,
    force: bool,
    posts_dir: Path | None,
) -> None:
    """Draft a topic's post from corpus files: posts/<slug>/post.md, papers.json, draft-report.json."""
    name = drafter_name or ("claude" if config.claude_key_set() else "builtin")
    cache = config.cache_dir(cache_dir)
    drafter = build_drafter(name, model=model, batch=batch, prompts_dir=prompts_dir, cache_dir=cache)
    why = "" if drafter_name else (" (ANTHROPIC_API_KEY is set)" if name == "claude" else
                                   " (no ANTHROPIC_API_KEY; pass --drafter claude to use Claude)")
    info(f"Drafter: {drafter.describe()}{why}")
    with RichProgress() as progress:
        outcome = pipeline.draft(
            [*corpus_paths, *more_paths],
            topic_ref,
            topics_path=topics_path,
            date_from=date_from,
            date_to=date_to,
            fmt=fmt,
            kind=PostKind(kind) if kind else None,
            drafter=drafter,
            posts_dir=config.posts_dir(posts_dir),
            progress=progress,
            overwrite=force,
        )
    report = outcome.result.report
    for warning in report.get("warnings", []):
        info(f"warning: {warning}")
    papers = report["papers"]
    totals = report["totals"]
    info(
        f"Wrote {outcome.result.folder}/post.md, written by the {report['drafter']} drafter"
        + (f" ({report['model']})" if report.get("model") else "")
        + f": {report['words']} words, {papers['covered']} of {papers['in']} papers cited"
        + (f", {papers['left_out']} left out (reasons in draft-report.json)" if papers["left_out"] else "")
        + f"; {totals['calls']} calls, ${totals['cost_usd']:.4f}."
    )
    info(claims_line(report, outcome.result.folder))
    if as_json:
        echo_json(report)
    else:
        click.echo(outcome.result.slug)
