"""The list of stage command groups beyond ``corpus``; each stage's module adds itself here."""

from __future__ import annotations

import click


def commands() -> list[click.Command]:
    found: list[click.Command] = []
    from .publish import check_command, publish_command, status_command

    found.extend([publish_command, check_command, status_command])
    from .render import preview_command, render_command

    found.extend([render_command, preview_command])
    return found
