"""Helpers shared by the command modules: output, ``.env``, and every click option used by more than
one command (declared once here, so a help text or default cannot drift between commands).

Loaded by ``digest-publisher --help``: what only a running command needs (``json``, the settings module)
is imported where it is used.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ..choices import CONTENT_FORMATS, CORPUS_FORMATS, TRANSPORTS
from ..models import PostKind

if TYPE_CHECKING:  # the render model is loaded only by the commands that render
    from ..models import RenderedPost
    from ..wordpress.site import Site

_loaded = False

STATUSES = ("draft", "pending", "private", "publish", "future")
DRAFTERS = ("claude", "builtin")


def load_dotenv_once() -> None:
    """Read ``.env`` from the current directory; real environment variables win."""
    global _loaded
    if not _loaded:
        from .. import config

        env_file = Path.cwd() / ".env"
        if config.read_dotenv() and env_file.is_file():  # (python-dotenv, 15 ms to import, only for a file)
            from dotenv import load_dotenv

            load_dotenv(env_file, override=False)
        _loaded = True


def echo_json(data: Any) -> None:
    import json

    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def info(message: str) -> None:
    """Human-readable progress goes to stderr, so stdout stays clean for --json."""
    click.echo(message, err=True)


def warn_render(rendered: RenderedPost, source_file: Path) -> None:
    """The render's warnings (what readers won't see as written), one ``warning:`` line each, on stderr."""
    for message in rendered.warnings:
        info(f"warning: {source_file}: {message}")


def is_tty() -> bool:
    return sys.stderr.isatty()


DATE_FORMS = "YYYY-MM-DD or YYYYMMDD"


class DateType(click.ParamType[date, object]):
    """THE date parser of the command line (``--from``, ``--to``): ``2026-05-18`` or ``20260518``."""

    name = "DATE"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        text = str(value).strip()
        try:
            if len(text) == 10 and text[4] == "-" and text[7] == "-":
                return date.fromisoformat(text)
            if len(text) == 8 and text.isdigit():
                return datetime.strptime(text, "%Y%m%d").date()
        except ValueError:
            pass
        self.fail(f"{value!r} is not a date; use {DATE_FORMS}", param, ctx)


DATE = DateType()


def to_gmt(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """ISO 8601 date and time; without a zone it is taken as UTC."""
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date and time; use ISO 8601, e.g. 2026-12-01T09:00:00Z", ctx, param
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class GreedyOption(click.Option):
    """A repeatable option that also takes the arguments after it up to the next option, so
    ``--refresh-corpus A B`` means two paths, as the README documents (``--refresh-corpus A
    --refresh-corpus B`` works too). Positional arguments go before it."""

    def add_to_parser(self, parser: Any, ctx: click.Context) -> None:
        super().add_to_parser(parser, ctx)
        # click has no public hook for this: its parser's option objects are wrapped (click 8).
        for name in self.opts:
            target = parser._long_opt.get(name) or parser._short_opt.get(name)
            if target is None:
                continue
            process = target.process

            def greedy(value: Any, state: Any, process: Any = process) -> None:
                process(value, state)
                while state.rargs and not str(state.rargs[0]).startswith("-"):
                    process(state.rargs.pop(0), state)

            setattr(target, "process", greedy)  # noqa: B010 (a method of click's parser object)


F = TypeVar("F", bound=Callable[..., Any])


def from_to_options(*, required: bool = False, default: str = "") -> Callable[[F], F]:
    """``--from``/``--to``, the days of a window (inclusive), parsed by :data:`DATE`; ``default`` says what
    an omitted one means (e.g. "the topic's window")."""
    tail = f" (default: {default})" if default else ""

    def decorate(command: F) -> F:
        command = click.option("--to", "date_to", type=DATE, required=required, default=None,
                               help=f"Last day, {DATE_FORMS}{tail}.")(command)  # fmt: skip
        return click.option("--from", "date_from", type=DATE, required=required, default=None,
                            help=f"First day, {DATE_FORMS}{tail}.")(command)  # fmt: skip

    return decorate


def topic_option(*, required: bool = True, many: bool = False) -> Callable[[F], F]:
    """``--topic``; ``many`` (the series): repeatable and comma-separated, a tuple of what was given."""
    return click.option("--topic", "topic_ref", required=required, multiple=many,
                        metavar="N[,N...]" if many else None,
                        help="Topic number (07) or slug (rl-post-training) from topics.toml"
                             + ("; repeatable or comma-separated (default: all)." if many else "."))  # fmt: skip


def corpus_option(help: str = "Corpus file or folder (repeat for more).") -> Callable[[F], F]:
    return click.option("--corpus", "corpus_paths", multiple=True, required=True, type=click.Path(path_type=Path),
                        help=help)  # fmt: skip


kind_option = click.option(
    "--kind", type=click.Choice([k.value for k in PostKind]), default=None, help="Post kind (default: the topic's)."
)
corpus_format_option = click.option(
    "--format", "fmt", type=click.Choice(CORPUS_FORMATS), default=None, help="Corpus format (default: detected)."
)
posts_dir_option = click.option(
    "--posts-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of post sources and records (default: $DIGEST_POSTS_DIR or ./posts).",
)
topics_option = click.option(
    "--topics",
    "topics_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("topics.toml"),
    show_default=True,
    help="Topics file (topic labels, windows and rules).",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout.")
JSON_META = "digest_publisher.json"  # ctx.meta key (shared with the group): print even a failure as JSON


def remember_json(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    """Tell the group's error handler to print even a failure as one JSON object on stdout."""
    if value:
        ctx.meta[JSON_META] = True
    return value


# The commands cron reads (republish, status, history): their --json prints exactly one object with an
# exit_code, failures included.
report_json_option = click.option(
    "--json",
    "as_json",
    is_flag=True,
    callback=remember_json,
    help='Print the result as one JSON object on stdout, failures included ({"exit_code": 1, "error": ...}).',
)
dry_run_option = click.option("--dry-run", is_flag=True, help="Say what would be sent; write nothing anywhere.")
content_format_option = click.option(
    "--format",
    "content_format",
    type=click.Choice(CONTENT_FORMATS),
    default="blocks",
    show_default=True,
    help="WordPress block markup, or classic HTML.",
)
status_option = click.option(
    "--status", type=click.Choice(STATUSES), default=None, help="Override post.md's status (default there: draft)."
)
date_option = click.option(
    "--date",
    "date_gmt",
    callback=to_gmt,
    default=None,
    metavar="ISO8601",
    help="Publication date, sent as date_gmt (UTC unless a zone is given). A future date with "
    "status publish/future schedules the post; less than 60 s ahead publishes at once.",
)
transport_option = click.option(
    "--transport",
    type=click.Choice(TRANSPORTS),
    default="rest",
    show_default=True,
    help="xmlrpc for sites whose REST API is turned off.",
)
drafter_option = click.option(
    "--drafter",
    "drafter_name",
    type=click.Choice(DRAFTERS),
    default=None,
    help="Default: claude when ANTHROPIC_API_KEY is set, else builtin.",
)
model_option = click.option("--model", default=None, help="Claude model (default: prompts/models.toml).")
prompts_dir_option = click.option(
    "--prompts-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("prompts"),
    show_default=True,
    help="Prompt templates and prompts/models.toml (Claude drafter).",
)

# Curation (draft and backfill): how many papers the post discusses, and the editor's pins and excludes.
papers_option = click.option(
    "--papers", "papers_k", type=click.IntRange(min=1), default=None,
    help="Papers the post discusses, chosen by curation (default: 50 for a backfill, 30 for a brief).",
)
pin_option = click.option(
    "--pin", "pins", multiple=True, metavar="ID",
    help="Always discuss this arXiv id (repeatable; adds to the topic's `pin` in topics.toml).",
)
exclude_option = click.option(
    "--exclude", "excludes", multiple=True, metavar="ID",
    help="Never discuss this arXiv id (repeatable; adds to the topic's `exclude_ids` in topics.toml).",
)
DRAFT_WINDOW_HELP = ("the topic's window in topics.toml, else 12 months (backfill) or the week (brief) "
                     "ending at the corpus's newest listing")


def command_site(posts_dir: Path | None, *, dry_run: bool = False) -> Site:
    """THE :class:`~digest_publisher.wordpress.site.Site` of a command (its settings, its posts folder, one
    session): built here, once per command, and handed to the one pipeline function the command calls."""
    from .. import config
    from ..wordpress.site import Site

    return Site(config.wordpress_settings(), config.posts_dir(posts_dir), dry_run=dry_run)
