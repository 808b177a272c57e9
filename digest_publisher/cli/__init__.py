"""The ``digest-publisher`` command line.

Each sub-module holds the commands of one stage; each ``*_command`` parses options, builds the real
dependencies, calls ONE core function and prints. This package is the only place that imports click,
prints, or reads ``.env``. Errors derived from :class:`~digest_publisher.errors.DigestError` are
translated once, in :func:`main`, into ``Error: <what happened>. <what to do>`` and exit code 1.
"""

from __future__ import annotations

import sys

import click

from ..errors import DigestError
from ._common import load_dotenv_once
from .corpus import corpus_group


class DigestGroup(click.Group):
    """The one place where expected errors become ``Error: <what>. <what to do>`` and exit code 1."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except DigestError as exc:
            raise click.ClickException(str(exc)) from exc


@click.group(
    cls=DigestGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(package_name="digest-publisher")
def cli() -> None:
    """Turn a corpus of research papers into a grounded long-form post and publish it to WordPress."""
    load_dotenv_once()


cli.add_command(corpus_group)


def _register_optional() -> None:
    """Stage command modules register themselves here as they land."""
    from . import stages

    for command in stages.commands():
        cli.add_command(command)


_register_optional()


def main(argv: list[str] | None = None) -> None:
    """Console entry point (``digest-publisher`` and ``python -m digest_publisher``)."""
    try:
        cli.main(args=argv, prog_name="digest-publisher")
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
