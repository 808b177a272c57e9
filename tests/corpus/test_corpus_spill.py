"""Selected papers spill to disk past a threshold: the selection, its order, its counts and its errors
are exactly those of the in-memory path."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping
from datetime import date
from pathlib import Path

import pytest

from digest_publisher.errors import CorpusError, EmptySelectionError
from digest_publisher.models import Paper
from digest_publisher.selection import Selection, select_corpus
from digest_publisher.topics import load_topics
from tests.paths import REAL_WEEK, REPO_ROOT

TOPIC_07 = load_topics(REPO_ROOT / "topics.toml").get("07")
# In memory (no spill), then spilled at once, after a few papers, and across reader processes.
SPILLS = [
    {"spill_after": 0},
    {"spill_after": 7},
    {"spill_after": 3, "workers": 2, "parallel_min_bytes": 1},
    {"spill_after": 0, "workers": 3, "parallel_min_bytes": 1},
]


@pytest.fixture
def spill_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temporary folder the selections spill into (tempfile's documented override)."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def spilled_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("digest-publisher-selection-*/*.sqlite"))


def everything(selection: Selection) -> tuple[list[tuple[Paper, str, str]], dict[str, str], dict[str, object]]:
    """What a caller can see: every paper with its source and rule, in order; the rules; the counts."""
    papers = [(paper, paper.source, rule) for paper, rule in selection.iter_selected()]
    return papers, selection.matched, selection.stats


@pytest.mark.parametrize("topic", [TOPIC_07, None], ids=["topic-07", "no-topic"])
@pytest.mark.parametrize("spill", SPILLS, ids=lambda s: ",".join(f"{k}={v}" for k, v in s.items()))
def test_spilled_selection_equals_the_in_memory_one(
    topic: object, spill: dict[str, int], spill_dir: Path
) -> None:
    with select_corpus([REAL_WEEK], TOPIC_07 if topic else None, workers=1) as memory:
        assert not spilled_files(spill_dir)
        expected = everything(memory)
    with select_corpus([REAL_WEEK], TOPIC_07 if topic else None, **spill) as spilled:  # type: ignore[arg-type]
        assert spilled_files(spill_dir), "the threshold was passed: the papers must be on disk"
        assert everything(spilled) == expected
        assert spilled.papers == [paper for paper, _, _ in expected[0]]
        assert (spilled.records, spilled.unique, spilled.in_window, spilled.selected) == (
            memory.records, memory.unique, memory.in_window, memory.selected,
        )
    assert not list(spill_dir.iterdir()), "closing the selection removes its files"
    assert len(expected[0]) == (89 if topic else 1736)
    assert expected[2]["duplicates"] == 528


def listing(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def paper(key: Mapping[str, object], line: int, **fields: object) -> dict[str, object]:
    return {**key, "title": f"Paper of line {line}", "authors": ["A. Author"], "summary": "s", **fields}


def test_the_duplicate_rule_holds_across_the_spill(tmp_path: Path, spill_dir: Path) -> None:
    """Highest version, then latest listing; a missing date never wins nor loses; ties keep the first."""
    first, second, doi = {"id": "2605.00001"}, {"id": "2605.00002"}, {"doi": "10.1/X"}
    records: list[dict[str, object]] = [
        paper(first, 1, date="2026-05-02"),
        paper({"id": "2605.00001v3"}, 2, date="2026-05-01"),  # wins: highest version
        paper({"id": "2605.00001v2"}, 3, date="2026-05-05"),
        paper(second, 4, date="2026-05-03"),
        paper(second, 5, date="2026-05-04"),  # wins: the latest listing
        paper(second, 6, date="2026-05-02"),
        paper(second, 7, date="2026-05-04"),  # a tie with line 5: the first stays
        {"title": "Undated", "authors": [], "summary": "first"},  # wins: a tie keeps the first
        {"title": "Undated", "authors": [], "summary": "second"},
        paper(doi, 10, date="2026-05-10"),
        paper(doi, 11),  # no date: does not replace line 10, and line 12 still compares with line 10
        paper(doi, 12, date="2026-05-12"),  # wins
        *(paper({"id": f"2604.{n:05d}"}, 12 + n, date="2026-04-20") for n in range(1, 30)),
    ]
    path = listing(tmp_path / "papers.jsonl", records)
    expected = everything(select_corpus([path], workers=1))
    by_line = {p.key: int(source.rsplit(":", 1)[1]) for p, source, _ in expected[0]}
    assert (by_line["arxiv:2605.00001"], by_line["arxiv:2605.00002"]) == (2, 5)
    assert (by_line["title:undated"], by_line["doi:10.1/x"]) == (8, 12)
    for spill in ({"spill_after": 0}, {"spill_after": 1}, {"spill_after": 2, "workers": 2, "parallel_min_bytes": 1}):
        assert everything(select_corpus([path], **spill)) == expected, spill  # type: ignore[arg-type]


def test_the_first_error_is_the_same_and_nothing_is_left_behind(tmp_path: Path, spill_dir: Path) -> None:
    records = [paper({"id": f"2605.{n:05d}"}, n, date="2026-05-18") for n in range(1, 200)]
    lines = [json.dumps(r) for r in records]
    lines[150] = "{broken"
    lines[120] = json.dumps({"id": "2605.99999", "title": "", "authors": [], "summary": ""})
    path = tmp_path / "week.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    messages = set()
    for spill in [{"workers": 1}, *SPILLS]:
        with pytest.raises(CorpusError) as caught:
            select_corpus([path], None, **spill)  # type: ignore[arg-type]
        messages.add(str(caught.value))
        assert not list(spill_dir.iterdir()), f"{spill}: the spilled papers of a failed selection are removed"
    assert len(messages) == 1
    assert messages.pop().startswith(f"{path}:121: ")


def test_an_empty_selection_fails_the_same_and_cleans_up(spill_dir: Path) -> None:
    messages = set()
    for spill in [{"workers": 1}, *SPILLS]:
        with pytest.raises(EmptySelectionError) as caught:
            select_corpus([REAL_WEEK], TOPIC_07, date(2020, 1, 1), date(2020, 1, 31), **spill)  # type: ignore[arg-type]
        messages.add(str(caught.value))
        assert not list(spill_dir.iterdir())
    assert len(messages) == 1
    assert "removed all 1736 papers; the corpus spans 2026-05-18 to 2026-05-22" in messages.pop()


def test_a_closed_spilled_selection_says_so(spill_dir: Path) -> None:
    selection = select_corpus([REAL_WEEK], None, spill_after=10)
    first, _ = next(selection.iter_selected())
    stats = selection.stats
    selection.close()
    assert not list(spill_dir.iterdir())
    assert selection.stats == stats and stats["selected"] == 1736
    assert first.submitted == date(2026, 5, 18)
    with pytest.raises(RuntimeError, match="closed"):
        next(selection.iter_selected())


def test_no_room_for_the_spill_says_where_and_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = tmp_path / "no-such-folder"
    monkeypatch.setattr(tempfile, "tempdir", str(missing))
    with pytest.raises(CorpusError) as caught:
        select_corpus([REAL_WEEK], None)
    assert caught.value.message.startswith(f"cannot keep the selected papers on disk in {missing}: ")
    assert caught.value.hint and "TMPDIR" in caught.value.hint
