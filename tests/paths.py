"""Where the test data lives: everything inside the repository (see tests/data/real/README.md)."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
REAL_DATA = REPO_ROOT / "tests" / "data" / "real"
#: The real week of arXiv listings (1,736 papers), 2026-05-18 .. 2026-05-22.
REAL_WEEK = REAL_DATA / "arxiv-week-2026-05-18"
#: Seed 000: a WordPress post as the REST API returns it.
SEED_000 = REAL_DATA / "seeds" / "000_9e1618847d845b12.txt"
#: Seed 001: the weekly brief of the same window.
SEED_001 = REAL_DATA / "seeds" / "001_00ae765e6e3920c4.txt"
#: The sample corpus bundled for `make demo` (84 papers of the same week).
SAMPLE_WEEK = REPO_ROOT / "samples" / "arxiv-week-2026-05-18"
#: A stated subset of the real year (samples/README.md): topic 07's candidates of three listing days a
#: month, May 2025 .. May 2026, plus eight other papers a day.
SAMPLE_YEAR = REPO_ROOT / "samples" / "arxiv-year-subset"
