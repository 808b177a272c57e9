"""``digest-publisher draft``: select a topic's papers and draft the post source."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    ProgressColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as RichBar
from rich.progress import Task as RichTask
from rich.text import Text

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

if TYPE_CHECKING:
    from ..curation import Scorer


class _Spent(ProgressColumn):
    """The dollars spent so far by the run's Claude calls (one figure, shown on every bar)."""

    def __init__(self, progress: RichProgress) -> None:
        super().__init__()
        self.progress = progress

    def render(self, task: RichTask) -> Text:
        return Text(f"${self.progress.usd:,.4f}" if self.progress.usd else "", style="progress.data.speed")


class RichProgress:
    """Draws stages and calls as rich progress bars on stderr, with counts, elapsed time, an ETA and the
    dollars spent so far; nothing when stderr is not a terminal or under ``--json`` (``enabled=False``),
    where notes are plain lines."""

    def __init__(self, *, enabled: bool = True) -> None:
        self.console = Console(stderr=True)
        self.usd = 0.0
        self.bar = RichBar(
            TextColumn("{task.description:<10}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            _Spent(self),
            console=self.console,
            disable=not (enabled and self.console.is_terminal),
        )
        self.tasks: dict[str, TaskID] = {}

    def spent(self, usd: float) -> None:
        """The Claude service reports its running total after each answer (see ``claude.SpendListener``)."""
        self.usd = usd

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
        if not self.bar.disable:
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
    from ..claude import load_settings
    from ..claude.anthropic_client import AnthropicClient
    from ..drafting.claude import ClaudeDrafter

    settings = load_settings(prompts_dir / "models.toml", model=model)
    return ClaudeDrafter(
        client_factory=lambda: AnthropicClient.from_environment(settings),
        settings=settings,
        prompts_dir=prompts_dir,
        cache_dir=cache_dir,
        batch=batch,
    )


def build_scorer(drafter: Drafter) -> Scorer | None:
    """The Claude triage scorer that goes with ``drafter`` (its settings, client, stage cache and --batch),
    for curation's stage; None for the built-in drafter (curation then uses its offline scorer)."""
    from ..drafting.claude import ClaudeDrafter

    if not isinstance(drafter, ClaudeDrafter):
        return None
    from ..curation.claude import claude_scorer

    return claude_scorer(drafter.settings, prompts_dir=drafter.prompts_dir, cache_dir=drafter.cache_dir,
                         batch=drafter.batch, client_factory=drafter.client_factory)


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
@click.option("--estimate", is_flag=True,
              help="Print the Claude run's calls, tokens and dollars per stage (streamed and with --batch) and "
                   "exit; no API call, no key needed.")
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
    estimate: bool,
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
    if estimate:
        from .estimate import estimate_spend, print_estimate

        print_estimate(estimate_spend(
            [*corpus_paths, *more_paths], topic_ref, topics_path=topics_path, date_from=date_from, date_to=date_to,
            fmt=fmt, kind=PostKind(kind) if kind else None, prompts_dir=prompts_dir, cache_dir=cache, model=model,
        ), as_json)
        return
    drafter = build_drafter(name, model=model, batch=batch, prompts_dir=prompts_dir, cache_dir=cache)
    why = "" if drafter_name else (" (ANTHROPIC_API_KEY is set)" if name == "claude" else
                                   " (no ANTHROPIC_API_KEY; pass --drafter claude to use Claude)")
    info(f"Drafter: {drafter.describe()}{why}")
    unverified = getattr(getattr(drafter, "settings", None), "unverified", "fail")
    with RichProgress(enabled=not as_json) as progress:
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
            unverified=unverified,
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
    if as_json:
        echo_json(report)
    else:
        click.echo(outcome.result.slug)
