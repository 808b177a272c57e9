"""The benchmark generators: real records, new unique ids, and shapes the readers take back intact."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from bench.synth import synthetic_id, write_synthetic_listing, write_synthetic_snapshot
from digest_publisher.corpus import detect_format, iter_papers
from digest_publisher.models import Paper
from tests.paths import REAL_WEEK as WEEK

SOURCES = sorted(WEEK.glob("*.jsonl"))
N = 600  # more than the 301 lines of the first day: the cycle wraps around


def source_papers() -> list[Paper]:
    return [paper for path in SOURCES for paper in iter_papers(path)]


def test_synthetic_ids_count_back_month_by_month() -> None:
    assert synthetic_id(0) == ("2605.00001", date(2026, 5, 1))
    assert synthetic_id(99_998) == ("2605.99999", date(2026, 5, 1))
    assert synthetic_id(99_999) == ("2604.00001", date(2026, 4, 1))
    assert synthetic_id(6 * 99_999) == ("2511.00001", date(2025, 11, 1))


def test_synthetic_listing_repeats_the_week_with_new_ids(tmp_path: Path) -> None:
    out = tmp_path / "listing-100k.jsonl"
    assert write_synthetic_listing(out, N, SOURCES) == N
    assert detect_format(out) == "listing"
    papers = list(iter_papers(out))
    originals = [
        json.loads(line) for path in SOURCES for line in path.read_text(encoding="utf-8").splitlines()
    ]
    assert len(papers) == N
    assert len({paper.arxiv_id for paper in papers}) == N
    assert papers[0].arxiv_id == "2605.00001" and papers[-1].arxiv_id == f"2605.{N:05d}"
    assert [paper.title for paper in papers[:5]] == [" ".join(o["title"].split()) for o in originals[:5]]
    assert papers[len(originals) % N].title == " ".join(originals[len(originals) % N]["title"].split())
    assert papers[3].abs_url == "https://arxiv.org/abs/2605.00004"


def test_synthetic_snapshot_reads_back_like_the_listing(tmp_path: Path) -> None:
    out = tmp_path / "arxiv-metadata-oai-snapshot.json"
    assert write_synthetic_snapshot(out, N, SOURCES) == N
    assert detect_format(out) == "snapshot"
    first = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    assert isinstance(first["authors"], str) and first["authors_parsed"] and first["versions"]
    assert first["abstract"].startswith("  ") and "\n" in first["abstract"]

    papers = list(iter_papers(out))
    listing = source_papers()
    assert len({paper.arxiv_id for paper in papers}) == N
    for index, paper in enumerate(papers):
        original = listing[index % len(listing)]
        # Wrapped and indented as arXiv does, then unwrapped by the reader: the same text comes back.
        assert paper.abstract == original.abstract, paper.arxiv_id
        assert paper.title == original.title
        assert paper.authors == original.authors
        assert paper.categories == original.categories
        assert paper.version == (2 if index % 3 == 0 else 1)
        assert paper.submitted == date(2026, 5, 1 + index % 28)
