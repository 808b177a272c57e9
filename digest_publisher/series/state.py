"""What a series remembers between runs, so an interrupted one resumes where it stopped.

``<posts_dir>/.series/<series-slug>/<from>_<to>/state.json`` (written atomically, :mod:`~digest_publisher.records`):
per topic, the post's slug and the inputs of its finished draft (the drafter and the ids curation chose), and
its last publish; for the series, the dollars its triage cost so far. The other stages keep their own
records: triage scores per (paper, topic) and Message Batch ids in the Claude cache (``--cache-dir``),
drafting's calls in the same cache, and each post's ``record.json`` (a re-publish of an unchanged post
writes nothing to WordPress).
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

from ..records import atomic_write_json

STATE_DIR = ".series"
STATE_FILE = "state.json"


def series_slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "series"


def state_folder(posts_dir: Path, series: str, window: tuple[date | None, date | None]) -> Path:
    start, end = (d.isoformat() if d else "open" for d in window)
    return posts_dir / STATE_DIR / series_slug(series) / f"{start}_{end}"


class SeriesState:
    """``state.json`` of one series and window; every change is written at once."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / STATE_FILE
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        self.data: dict[str, Any] = data if isinstance(data, dict) else {}
        self.data.setdefault("topics", {})
        self.data.setdefault("triage_usd", 0.0)

    def topic(self, number: str) -> dict[str, Any]:
        found = self.data["topics"].setdefault(number, {})
        assert isinstance(found, dict)
        return found

    def update(self, number: str, **fields: Any) -> None:
        self.topic(number).update(fields)
        self.save()

    def add_triage_cost(self, usd: float) -> None:
        if usd:
            self.data["triage_usd"] = round(float(self.data["triage_usd"]) + usd, 6)
            self.save()

    @property
    def triage_usd(self) -> float:
        return float(self.data["triage_usd"])

    def save(self) -> None:
        atomic_write_json(self.path, self.data)
