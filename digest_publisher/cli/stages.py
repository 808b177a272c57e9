"""The list of stage command groups beyond ``corpus``; each stage's module adds itself here."""

from __future__ import annotations

import click


def commands() -> list[click.Command]:
    found: list[click.Command] = []
    return found
