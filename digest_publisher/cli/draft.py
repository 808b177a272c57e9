"""``digest-publisher draft``: select a topic's papers and draft the post source."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

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
from ..drafting import BuiltinDrafter
from ..drafting.base import Drafter
from ..errors import ConfigError
from ..models import PostKind
from ._common import (
    DRAFT_WINDOW_HELP,
    corpus_format_option,
    corpus_option,
    drafter_option,
    echo_json,
    exclude_option,
    from_to_options,
    info,
    kind_option,
    model_option,
    papers_option,
    pin_option,
    posts_dir_option,
    prompts_dir_option,
    topic_option,
    topics_option,
)

if TYPE_CHECKING:
    pass


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
@topic_option()
@corpus_option("Corpus file or folder; repeat it, or list more paths after the options (--corpus a.jsonl b.jsonl).")
@from_to_options(default=DRAFT_WINDOW_HELP)
@kind_option
@drafter_option
@model_option
@click.option("--batch", is_flag=True, help="Run card and section calls through the Message Batches API.")
@click.option("--json", "as_json", is_flag=True, help="Print the draft report as JSON.")
@corpus_format_option
@click.option("--estimate", is_flag=True,
              help="Print the Claude run's calls, tokens and dollars per stage (streamed and with --batch) and "
                   "exit; no API call, no key needed.")
@topics_option
@prompts_dir_option
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Claude stage cache (default: $DIGEST_CACHE_DIR or .cache/drafting).")
@click.option("--force", is_flag=True, help="Replace a post.md that was edited since it was drafted.")
@papers_option
@pin_option
@exclude_option
@click.option("--shortlist", is_flag=True,
              help="Select and curate only: print the ranked shortlist (curation.md's text); draft nothing.")
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
    papers_k: int | None,
    pins: tuple[str, ...],
    excludes: tuple[str, ...],
    shortlist: bool,
    posts_dir: Path | None,
) -> None:
    """Draft a topic's post from corpus files: post.md, papers.json, draft-report.json, curation.md.

    Files go to posts/<slug>/; curation.md is the ranked shortlist: which papers curation chose of the
    topic's candidates, and why."""
    if shortlist:
        _print_shortlist([*corpus_paths, *more_paths], topic_ref, topics_path, date_from, date_to, fmt, kind,
                         papers_k, pins, excludes, as_json)  # fmt: skip
        return
    name = drafter_name or ("claude" if config.claude_key_set() else "builtin")
    cache = config.cache_dir(cache_dir)
    if estimate:
        from .estimate import print_estimate

        print_estimate(pipeline.estimate_topic(
            [*corpus_paths, *more_paths], topic_ref, topics_path=topics_path, date_from=date_from, date_to=date_to,
            fmt=fmt, kind=PostKind(kind) if kind else None, prompts_dir=prompts_dir, cache_dir=cache, model=model,
            papers=papers_k,
        ), as_json)
        return
    drafter = build_drafter(name, model=model, batch=batch, prompts_dir=prompts_dir, cache_dir=cache)
    why = "" if drafter_name else (" (ANTHROPIC_API_KEY is set)" if name == "claude" else
                                   " (no ANTHROPIC_API_KEY; pass --drafter claude to use Claude)")
    info(f"Drafter: {drafter.describe()}{why}")
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
            overwrite=force,
            papers=papers_k,
            pins=pins,
            excludes=excludes,
        )
    report = outcome.result.report
    if outcome.window is not None:
        info(outcome.window.describe())
    curation = report.get("curation") or {}
    for note in curation.get("notes", []):
        info(f"note: {note}")
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
    if curation:
        info(f"Curation ({curation['scorer']} scorer): {curation['discussed']} of {curation['candidates']:,} "
             f"candidates given to the drafter; ranking and reasons in {outcome.result.folder}/curation.md")
    info(claims_line(report, outcome.result.folder))
    if as_json:
        echo_json(report)
    else:
        click.echo(outcome.result.slug)


def _print_shortlist(paths: list[Path], topic_ref: str, topics_path: Path, date_from: date | None,
                     date_to: date | None, fmt: str | None, kind: str | None, papers_k: int | None,
                     pins: tuple[str, ...], excludes: tuple[str, ...], as_json: bool) -> None:  # fmt: skip
    from ..curation import report_dict, shortlist_markdown

    curated = pipeline.curate_topic(paths, topic_ref, topics_path=topics_path, date_from=date_from,
                                    date_to=date_to, fmt=fmt, kind=PostKind(kind) if kind else None,
                                    papers=papers_k, pins=pins, excludes=excludes)  # fmt: skip
    info(curated.window.describe())
    for note in curated.curation.notes:
        info(f"note: {note}")
    if as_json:
        echo_json({"selection": curated.selection_stats, "curation": report_dict(curated.curation, curated.span)})
    else:
        click.echo(shortlist_markdown(curated.curation, curated.topic, curated.span), nl=False)
