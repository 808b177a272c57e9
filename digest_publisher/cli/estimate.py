"""``draft --estimate`` and ``backfill --estimate``: the table of what the Claude path would spend
(:func:`digest_publisher.candidates.estimate_topic`), printed before any call."""

from __future__ import annotations

from typing import Any

import click

from ._common import echo_json


def print_estimate(data: dict[str, Any], as_json: bool) -> None:
    """The estimate as a table on stdout (or JSON)."""
    if as_json:
        echo_json(data)
        return
    click.echo(f"Estimate for {data['topic']} ({data['kind']}): {data['candidates']:,} candidates screened, "
               f"{data['papers']} papers drafted; {data['method']}")
    click.echo(f"{'stage':<9}{'model':<20}{'calls':>6}{'input tok':>12}{'output tok':>12}{'$ streamed':>12}"
               f"{'$ batched':>11}")
    for row in [*data["stages"], {"stage": "total", "model": "", **data["totals"]}]:
        click.echo(f"{row['stage']:<9}{row['model']:<20}{row['calls']:>6}{row['input_tokens']:>12,}"
                   f"{row['output_tokens']:>12,}{row['usd_streamed']:>12.4f}{row['usd_batched']:>11.4f}"
                   + (f"  ({row['note']})" if row.get("note") else ""))
