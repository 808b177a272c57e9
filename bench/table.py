"""The printed benchmark table."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    what: str
    measured: str
    target: str
    ok: bool | None = None


def render_table(rows: list[Row]) -> str:
    header = Row("benchmark", "measured", "target")
    cols = [max(len(getattr(r, f)) for r in [header, *rows]) for f in ("what", "measured", "target")]
    lines = []
    for i, row in enumerate([header, *rows]):
        mark = "" if i == 0 else ("ok" if row.ok else ("MISSED" if row.ok is False else ""))
        lines.append(
            f"| {row.what:<{cols[0]}} | {row.measured:<{cols[1]}} | {row.target:<{cols[2]}} | {mark:<6} |"
        )
        if i == 0:
            lines.append(f"|{'-' * (cols[0] + 2)}|{'-' * (cols[1] + 2)}|{'-' * (cols[2] + 2)}|--------|")
    return "\n".join(lines)
