"""Helpers shared by the command modules."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click
from dotenv import load_dotenv

from ..models import RenderedPost

_loaded = False


def load_dotenv_once() -> None:
    """Read ``.env`` from the current directory; real environment variables win."""
    global _loaded
    if not _loaded:
        if os.environ.get("DIGEST_NO_DOTENV") != "1":
            load_dotenv(Path.cwd() / ".env", override=False)
        _loaded = True


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def info(message: str) -> None:
    """Human-readable progress goes to stderr, so stdout stays clean for --json."""
    click.echo(message, err=True)


def warn_render(rendered: RenderedPost, where: Path) -> None:
    """The render's warnings (what readers won't see as written), one ``Warning:`` line each, on stderr."""
    for message in rendered.warnings:
        info(f"Warning: {where}: {message}")


def is_tty() -> bool:
    return sys.stderr.isatty()


posts_dir_option = click.option(
    "--posts-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of post sources and records (default: $DIGEST_POSTS_DIR or ./posts).",
)
