"""Reading a big JSON Lines file in parallel byte ranges gives exactly what reading it in one go gives."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from digest_publisher.corpus import iter_papers, iter_papers_range, jsonl_ranges
from digest_publisher.errors import CorpusError
from digest_publisher.selection import select_corpus
from digest_publisher.topics import load_topics

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "arxiv-week-2026-05-18"


@pytest.fixture
def listing(tmp_path: Path) -> Path:
    """The sample's five days in one listing file (120 lines, 36 of them duplicates), blank lines included."""
    lines: list[str] = []
    for path in sorted(SAMPLE.glob("*.jsonl")):
        lines.extend(path.read_text(encoding="utf-8").splitlines())
        lines.append("")
    out = tmp_path / "week.jsonl"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


@pytest.mark.parametrize("parts", [2, 3, 7])
def test_ranges_cover_every_line_once_with_the_right_numbers(listing: Path, parts: int) -> None:
    whole = [(p.arxiv_id, p.source) for p in iter_papers(listing, "listing")]
    ranges = jsonl_ranges(listing, parts)
    assert ranges[0][0] == 0 and ranges[-1][1] == listing.stat().st_size
    pieces = [(p.arxiv_id, p.source) for start, end, line in ranges
              for p in iter_papers_range(listing, "listing", start, end, line)]
    assert pieces == whole


def test_parallel_selection_equals_sequential(listing: Path) -> None:
    topic = load_topics(ROOT / "topics.toml").get("07")
    one = select_corpus([listing], topic, workers=1)
    two = select_corpus([listing], topic, workers=2, parallel_min_bytes=1)
    assert one.stats == two.stats
    assert [p.arxiv_id for p in one.papers] == [p.arxiv_id for p in two.papers]
    assert [p.source for p in one.papers] == [p.source for p in two.papers]
    assert one.matched == two.matched
    assert (one.records, one.unique) == (120, 84)


def test_parallel_reports_the_earliest_bad_line_with_its_hint(listing: Path) -> None:
    lines = listing.read_text(encoding="utf-8").splitlines()
    lines[100] = "{broken"
    lines[20] = '{"id": "2605.00001", "title": "", "authors": [], "summary": ""}'
    listing.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(CorpusError) as err:
        select_corpus([listing], None, workers=3, parallel_min_bytes=1)
    assert str(err.value).startswith(f"{listing}:21: ")
    assert err.value.hint
    lines[20] = json.dumps({"id": "2605.00001", "title": "Fine", "authors": [], "summary": ""})
    listing.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=f"{listing}:101: "):
        select_corpus([listing], None, workers=3, parallel_min_bytes=1)


_REPEAT_ERRORS = """
import sys
from pathlib import Path
from digest_publisher.errors import CorpusError
from digest_publisher.selection import select_corpus
listing = Path(sys.argv[1])
for _ in range(int(sys.argv[2])):
    try:
        select_corpus([listing], None, workers=3, parallel_min_bytes=1)
    except CorpusError as exc:
        assert str(exc).startswith(f"{listing}:21: "), exc
    else:
        raise AssertionError("no error")
print("done")
"""


def test_an_early_bad_part_never_leaves_the_reader_pool_hanging(listing: Path) -> None:
    """The first part's error, raised while the other readers still had parts queued, left the run hanging for
    good about once in a hundred (a pool terminated with tasks still queued): 200 runs, none may hang."""
    lines = listing.read_text(encoding="utf-8").splitlines()
    lines[100] = "{broken"
    lines[20] = '{"id": "2605.00001", "title": "", "authors": [], "summary": ""}'  # the first part's error
    listing.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", _REPEAT_ERRORS, str(listing), "200"],
        capture_output=True, text=True, timeout=240, cwd=ROOT, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "done"
