"""The list of stage command groups beyond ``corpus``; each stage's module adds itself here."""

from __future__ import annotations

import click


def commands() -> list[click.Command]:
    found: list[click.Command] = []
    from .draft import draft_command

    found.append(draft_command)
    from .publish import check_command, publish_command, status_command

    found.extend([publish_command, check_command, status_command])
    from .render import preview_command, render_command

    found.extend([render_command, preview_command])
    from .backfill import backfill_command

    found.append(backfill_command)
    from .republish import history_command, republish_command

    found.extend([republish_command, history_command])
    return found
