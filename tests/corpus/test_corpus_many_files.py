"""Many daily listing files (a year) are read by several processes, each a run of whole files: the result
is the one a single process gets, papers, order, counts and the first error alike."""

from __future__ import annotations

import shutil
from array import array
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digest_publisher.errors import CorpusError
from digest_publisher.selection import _count_distinct as count_distinct
from digest_publisher.selection import select_corpus
from digest_publisher.selection.parts import file_groups
from digest_publisher.topics import load_topics
from tests.paths import REPO_ROOT, SAMPLE_YEAR

FILES = sorted(SAMPLE_YEAR.glob("*.jsonl"))
# More than any one file holds, less than all of them: whole-file groups, not byte ranges.
GROUPED = max(f.stat().st_size for f in FILES) + 1


def test_groups_only_for_many_files_none_of_them_big() -> None:
    files = FILES
    groups = file_groups(files, 2, GROUPED)
    assert [f for g in groups for f in g] == files and len(groups) == 4  # two per process
    assert file_groups(files, 1, GROUPED) == []  # one process
    assert file_groups(files, 2, 10**9) == []  # too little data to be worth processes
    assert file_groups(files[:3], 2, GROUPED) == []  # too few files
    assert file_groups(files, 2, files[0].stat().st_size) == []  # one file big enough for byte ranges


def test_groups_hold_about_the_same_bytes_in_file_order(tmp_path: Path) -> None:
    # The later files fuller, as the year's are (its last quarter of listings held 35 MB, its third 21 MB).
    sizes = [1000] * 12 + [4000] * 4 + [1000] * 2
    files = []
    for day, size in enumerate(sizes, 1):
        files.append(tmp_path / f"2026-01-{day:02d}.jsonl")
        files[-1].write_bytes(b"x" * size)
    groups = file_groups(files, 2, max(sizes) + 1)
    assert [f for g in groups for f in g] == files and len(groups) == 4
    totals = [sum(f.stat().st_size for f in g) for g in groups]
    # each within one file of an even share (split by the number of files: 4000, 5000, 7000, 14000)
    share = sum(sizes) / 4
    assert all(abs(total - share) <= max(sizes) for total in totals), totals


@pytest.mark.parametrize("topic_ref", ["07", None])
def test_the_same_selection_in_one_process_or_several(topic_ref: str | None) -> None:
    topic = load_topics(REPO_ROOT / "topics.toml").get(topic_ref) if topic_ref else None
    with select_corpus([SAMPLE_YEAR], topic, workers=1) as one, \
            select_corpus([SAMPLE_YEAR], topic, workers=2, parallel_min_bytes=GROUPED, spill_after=50) as many:
        assert [p.to_dict() for p in one.papers] == [p.to_dict() for p in many.papers]
        assert one.stats == many.stats and one.matched == many.matched
        assert (one.corpus_from, one.corpus_to) == (many.corpus_from, many.corpus_to)


def test_the_first_bad_file_in_order_is_reported(tmp_path: Path) -> None:
    files = sorted(SAMPLE_YEAR.glob("*.jsonl"))
    for path in files:
        shutil.copy(path, tmp_path / path.name)
    for bad in (files[5], files[30]):
        with (tmp_path / bad.name).open("a", encoding="utf-8") as handle:
            handle.write("{not json\n")
    errors = []
    for workers in (1, 2):
        with pytest.raises(CorpusError) as caught:
            select_corpus([tmp_path], None, workers=workers, parallel_min_bytes=GROUPED + 20)
        errors.append(caught.value.message)
    assert errors[0] == errors[1] and files[5].name in errors[0]


@given(st.lists(st.sets(st.integers(0, 2**64 - 1) | st.integers(0, 40), max_size=30), min_size=1, max_size=6))
def test_distinct_digests_are_counted_alike_in_a_set_or_by_merging(parts: list[set[int]]) -> None:
    arrays = [array("Q", sorted(part)) for part in parts]
    expected = len(set().union(*parts))
    assert count_distinct(arrays) == expected  # in a set (small)
    assert count_distinct(arrays, in_a_set=0) == expected  # merged, as for a corpus of millions
