"""The ``digest-publisher`` command line.

Each sub-module holds the commands of one stage; each ``*_command`` parses options, calls ONE function
of :mod:`digest_publisher.pipeline` and prints. This package is the only place that imports click,
prints, or reads ``.env``. Errors derived from :class:`~digest_publisher.errors.DigestError` are
translated once, in :class:`DigestGroup`, into ``Error: <what happened>. <what to do>`` and exit code 1.

    corpus.py     ``corpus fetch | harvest | select | stats``
    draft.py      ``draft``: select, curate and draft a topic's post (``--shortlist``, the progress display)
    backfill.py   ``backfill``: draft, render, publish, print the link (the editor's one command)
    series.py     ``series``: every topic's backfill as one job, printed as one table
    estimate.py   the ``--estimate`` table of ``draft`` and ``backfill``, printed before any call
    render.py     ``render`` and ``preview``
    publish.py    ``publish``, ``check`` and ``status``
    republish.py  ``republish`` (and ``--to-revision``) and ``history``, with republish's exit codes for cron
    _common.py    output helpers, ``.env`` loading and every option more than one command uses

Commands are imported when they run, not when the program starts: ``digest-publisher --help`` or
``status`` never loads the drafting stage or the HTTP stack, and ``--help`` not even the options the
commands share (``_common``). The one-line summaries ``--help`` lists
are kept in :data:`COMMANDS` (a test checks that they equal each command's own docstring line).
"""

from __future__ import annotations

import errno
import importlib
import sys

import click

from ..errors import DigestError

# name -> (module, attribute, the first line of the command's docstring, for --help)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "backfill": ("backfill", "backfill_command",
                 "Draft a topic's post, render its preview and publish it to WordPress; print the post's link."),
    "check": ("publish", "check_command",
              "Diagnose the WordPress connection: credentials, Application Passwords, headers, plugins, roles."),
    "corpus": ("corpus", "corpus_group",
               "Read, filter and fetch paper corpora (listing JSONL, JSON, CSV, BibTeX, Atom, arXiv snapshot)."),
    "draft": ("draft", "draft_command",
              "Draft a topic's post from corpus files: post.md, papers.json, draft-report.json, curation.md."),
    "history": ("republish", "history_command",
                "The local publish history of SLUG beside its WordPress revisions (ids, dates, what changed)."),
    "preview": ("render", "preview_command",
                "Write the preview page of a post (and serve it on 127.0.0.1 with --serve)."),
    "publish": ("publish", "publish_command",
                "Create or update the WordPress post of SLUG|FILE.md, exactly once."),
    "render": ("render", "render_command",
               "Render a post source; write preview.html, render.json and featured.png beside it."),
    "republish": ("republish", "republish_command",
                  "Update the published posts whose source changed since their last publish (SLUG..., or --all)."),
    "series": ("series", "series_command",
               "Every topic's backfill as one job: each paper triaged once, drafted, published; resumable."),
    "status": ("publish", "status_command",
               "Each local post with its WordPress id, status, link, and whether local and remote differ."),
}  # fmt: skip


class DigestGroup(click.Group):
    """Loads a command's module when it is used, and is the one place where expected errors become
    ``Error: <what>. <what to do>`` and exit code 1."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module = importlib.import_module(f"{__name__}.{entry[0]}")
        command = getattr(module, entry[1])
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of ``--help`` without importing every command module."""
        widest = max(len(name) for name in COMMANDS)
        limit = formatter.width - 6 - widest
        # A bare Command shortens the summary exactly as click does for a loaded command.
        rows = [(name, click.Command(name, help=COMMANDS[name][2]).get_short_help_str(limit)) for name in COMMANDS]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except DigestError as exc:
            from ._common import JSON_META, echo_json

            if ctx.meta.get(JSON_META):
                echo_json({"exit_code": 1, "error": str(exc)})  # --json: one object on stdout, always
            raise click.ClickException(str(exc)) from exc
        except OSError as exc:
            if exc.errno == errno.EPIPE:  # a closed pipe on stdout: click's own handling
                raise
            # The machine, not the input: a full disk, a read-only or vanished folder. Local state is safe
            # (every write is atomic); one line names the path instead of a traceback.
            where = " -> ".join(str(p) for p in (exc.filename, exc.filename2) if p) or "a file"
            message = (
                f"{where}: {exc.strerror or exc}. Free disk space or fix the path's permissions, then run again "
                "(nothing was half-written)"
            )
            raise click.ClickException(message) from exc


@click.group(
    cls=DigestGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(package_name="digest-publisher")
def cli() -> None:
    """Turn a corpus of research papers into a grounded long-form post and publish it to WordPress."""
    from ._common import load_dotenv_once  # the options shared by commands: built when a command runs

    load_dotenv_once()


def main(argv: list[str] | None = None) -> None:
    """Console entry point (``digest-publisher`` and ``python -m digest_publisher``)."""
    try:
        cli.main(args=argv, prog_name="digest-publisher")
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
