"""Make samples/arxiv-year-subset/ from the real year of listings (how it was made; not run by tests).

    python scripts/make_year_subset.py /work/data/arxiv-year-2025-05-2026-05 samples/arxiv-year-subset

Per calendar month of the year: the first three listing days; of each day, every record topic 07
(topics.toml at the time) selects, plus the first eight records it does not select. Records whose
title or abstract pylatexenc cannot read (names.readable_latex raises: issue 20) are left out. Lines
are copied byte for byte, one output file per listing day (the date in the name is the listing date).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from digest_publisher.corpus.fields import listing_paper
from digest_publisher.names import readable_latex
from digest_publisher.topics import load_topics, match_topic

DAYS_PER_MONTH = 3
OTHERS_PER_DAY = 8


def readable(title: str, abstract: str) -> bool:
    try:
        readable_latex(title)
        readable_latex(abstract)
    except (IndexError, ValueError, TypeError):
        return False
    return True


def main(source: Path, target: Path) -> None:
    topic = load_topics(Path("topics.toml")).get("07")
    files = sorted(source.glob("*.jsonl"))
    per_month: dict[str, list[Path]] = {}
    for path in files:
        per_month.setdefault(path.name[:7], []).append(path)
    target.mkdir(parents=True, exist_ok=True)
    for days in per_month.values():
        for path in days[:DAYS_PER_MONTH]:
            kept: list[bytes] = []
            others = 0
            for number, raw in enumerate(path.read_bytes().splitlines(keepends=True), 1):
                paper = listing_paper(json.loads(raw), f"{path}:{number}", None)
                if not readable(paper.title, paper.abstract):
                    continue
                if match_topic(topic, paper) is not None:
                    kept.append(raw)
                elif others < OTHERS_PER_DAY:
                    kept.append(raw)
                    others += 1
            (target / path.name).write_bytes(b"".join(kept))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
