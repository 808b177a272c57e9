"""The curation stage on real papers (samples/arxiv-year-subset): the coverage rule, the built-in scorer's
judgement, pins and excludes, and a decision for every candidate. Both directions where a rule can wrongly
hold or wrongly fail."""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from collections.abc import Sequence
from datetime import date

import pytest

from digest_publisher.curation import (
    BuiltinScorer,
    Curation,
    CurationProgress,
    PaperScore,
    Scores,
    curate,
    periods,
    quarter_shares,
    with_pins,
)
from digest_publisher.curation.builtin import _accepted, _has_code
from digest_publisher.models import Paper, Topic
from digest_publisher.names import cite_key
from digest_publisher.selection import select_corpus
from digest_publisher.topics import load_topics
from tests.paths import REPO_ROOT, SAMPLE_YEAR

WINDOW = (date(2025, 5, 1), date(2026, 5, 5))


@pytest.fixture(scope="module")
def topic() -> Topic:
    return load_topics(REPO_ROOT / "topics.toml").get("07")


@pytest.fixture(scope="module")
def candidates(topic: Topic) -> list[Paper]:
    papers = select_corpus([SAMPLE_YEAR], topic, workers=1).papers
    assert len(papers) > 400
    return papers


@pytest.fixture(scope="module")
def builtin(candidates: list[Paper], topic: Topic) -> Curation:
    return curate(candidates, topic, 40, BuiltinScorer(), window=WINDOW)


@dataclasses.dataclass
class RankedScorer:
    """A test scorer: ``best`` ids score 10, the others by a fixed formula; ``theme`` of each id."""

    best: Sequence[str] = ()
    theme: dict[str, str] = dataclasses.field(default_factory=dict)
    name: str = "ranked"

    def score(self, candidates: Sequence[Paper], topic: Topic, progress: CurationProgress) -> Scores:
        out = {}
        for i, paper in enumerate(candidates):
            key = cite_key(paper)
            value = 10.0 if key in self.best else (i * 7919 % 1000) / 200
            out[key] = PaperScore(key, value, "test", self.theme.get(key))
        return Scores(by_id=out)


def _shares(curation: Curation) -> list[int]:
    return [n for _, n in quarter_shares(curation, WINDOW)]


def test_every_candidate_gets_one_decision_and_k_are_discussed(builtin: Curation, candidates: list[Paper]) -> None:
    assert len(builtin.discussed) == 40 == builtin.k
    ids = [d.paper_id for d in builtin.decisions]
    assert sorted(ids) == sorted(cite_key(p) for p in candidates)
    assert [d.rank for d in builtin.decisions] == list(range(1, len(candidates) + 1))
    assert {d.paper_id for d in builtin.decisions if d.discussed} == {cite_key(p) for p in builtin.discussed}
    assert all(d.reason and d.why for d in builtin.decisions)
    below = [d for d in builtin.decisions if not d.discussed]
    assert all(d.why.startswith(("below the cut", "theme")) for d in below)


def test_the_year_is_spread_over_its_quarters_never_id_order(builtin: Curation, candidates: list[Paper]) -> None:
    shares = _shares(builtin)
    assert sum(shares) == 40 and min(shares) >= math.ceil(0.15 * 40), shares
    first_by_id = sorted(cite_key(p) for p in candidates)[:40]
    assert {cite_key(p) for p in builtin.discussed} != set(first_by_id)


def test_the_time_floor_holds_against_a_scorer_that_prefers_one_quarter(candidates: list[Paper],
                                                                          topic: Topic) -> None:
    spans = periods(WINDOW)
    first = [cite_key(p) for p in candidates if p.submitted and p.submitted <= spans[0][1]]
    curation = curate(candidates, topic, 40, RankedScorer(best=first), window=WINDOW)
    assert min(_shares(curation)) >= 8  # ceil(0.2 * 40) in every quarter
    # Without a window long enough for a floor, the same scorer's favourites take every place.
    short = curate(candidates, topic, 40, RankedScorer(best=first), window=(date(2025, 5, 1), date(2025, 5, 14)))
    assert {cite_key(p) for p in short.discussed} <= set(first)


def test_a_quarter_with_few_candidates_gives_them_all_and_the_rest_go_by_score(candidates: list[Paper],
                                                                               topic: Topic) -> None:
    spans = periods(WINDOW)
    sparse = [p for p in candidates if not (spans[3][0] <= (p.submitted or WINDOW[0]) <= spans[3][1])]
    last = [p for p in candidates if spans[3][0] <= (p.submitted or WINDOW[0]) <= spans[3][1]][:3]
    curation = curate([*sparse, *last], topic, 40, BuiltinScorer(), window=WINDOW)
    assert len(curation.discussed) == 40 and _shares(curation)[3] == 3


def test_no_theme_crowds_out_the_rest_unless_nothing_else_is_left(candidates: list[Paper], topic: Topic) -> None:
    keys = [cite_key(p) for p in candidates]
    themes = {k: ("crowd" if i % 2 else f"t{i % 5}") for i, k in enumerate(keys)}
    crowd = [k for k in keys if themes[k] == "crowd"]
    curation = curate(candidates, topic, 40, RankedScorer(best=crowd, theme=themes), window=WINDOW)
    count = Counter(d.theme for d in curation.decisions if d.discussed)
    assert count["crowd"] == math.ceil(0.3 * 40)
    assert any(d.why.startswith("theme 'crowd' already has") for d in curation.decisions if not d.discussed)
    only_crowd = [p for p in candidates if themes[cite_key(p)] == "crowd"]
    alone = curate(only_crowd, topic, 40, RankedScorer(best=crowd, theme=themes), window=WINDOW)
    assert len(alone.discussed) == 40  # the cap never leaves places empty


def test_a_planted_strong_paper_is_chosen(candidates: list[Paper], topic: Topic, builtin: Curation) -> None:
    weakest = builtin.decisions[-1]
    assert not weakest.discussed
    index = next(i for i, p in enumerate(candidates) if cite_key(p) == weakest.paper_id)
    original = candidates[index]
    planted = dataclasses.replace(
        original, title="PlantRL: Reinforcement Learning from Verifiable Rewards for Language Models",
        comment="Accepted at ICML 2026. Code: https://github.com/example/plantrl",
    )
    later = [i for i, p in enumerate(candidates) if p.submitted and original.submitted
             and p.submitted > original.submitted][:5]  # fmt: skip
    papers = list(candidates)
    papers[index] = planted
    for i in later:
        papers[i] = dataclasses.replace(papers[i], abstract=papers[i].abstract + " We build on PlantRL.")
    curation = curate(papers, topic, 40, BuiltinScorer(), window=WINDOW)
    decision = next(d for d in curation.decisions if d.paper_id == weakest.paper_id)
    assert decision.discussed and decision.rank <= 5, decision
    assert "5 later papers use its name PlantRL" in decision.reason and "ICML 2026" in decision.reason
    assert "code released" in decision.reason


def test_pins_and_excludes_are_obeyed(candidates: list[Paper], topic: Topic, builtin: Curation) -> None:
    top, bottom = builtin.decisions[0].paper_id, builtin.decisions[-1].paper_id
    curation = curate(candidates, topic, 40, BuiltinScorer(), pins=[bottom, "2501.99999"], excludes=[top],
                      window=WINDOW)  # fmt: skip
    why = {d.paper_id: d for d in curation.decisions}
    assert why[bottom].discussed and why[bottom].why == "pinned by the editor"
    assert not why[top].discussed and why[top].why == "excluded by the editor"
    assert len(curation.discussed) == 40
    assert any("2501.99999 is not among" in note for note in curation.notes)
    # More pins than K: every pin is discussed (K grows to hold them).
    many = [d.paper_id for d in builtin.decisions[-45:]]
    grown = curate(candidates, topic, 40, BuiltinScorer(), pins=many, window=WINDOW)
    assert {cite_key(p) for p in grown.discussed} == set(many) and grown.k == 45


def test_topics_toml_and_command_line_pins_combine(topic: Topic) -> None:
    steered = dataclasses.replace(topic, pins=("a", "b"), exclude_ids=("c", "d"))
    pins, excludes = with_pins(steered, ["c"], ["a"])
    assert pins == ["b", "c"] and excludes == ["d", "a"]  # the command line wins a conflict


def test_the_builtin_scorer_is_deterministic(candidates: list[Paper], topic: Topic, builtin: Curation) -> None:
    again = curate(candidates, topic, 40, BuiltinScorer(), window=WINDOW)
    assert again.decisions == builtin.decisions


@pytest.mark.parametrize(("comment", "accepted"), [
    ("Accepted at ICML 2026", 1.0), ("NeurIPS 2025 camera-ready", 1.0), ("To appear in the proceedings of ACL", 1.0),
    ("ICLR 2026 Workshop on Reasoning", 0.5), ("Under review", 0.0), ("12 pages, 5 figures", 0.0), (None, 0.0),
])  # fmt: skip
def test_acceptance_is_read_from_the_comment(comment: str | None, accepted: float) -> None:
    paper = Paper("T", ("A",), "We compare with methods from ICML.", comment=comment)
    assert _accepted(paper)[0] == accepted


@pytest.mark.parametrize(("abstract", "code"), [
    ("Code is available at https://github.com/x/y.", True), ("We release our code and models.", True),
    ("Models are on huggingface.co/x.", True), ("We study code generation with LLMs.", False),
    ("A benchmark for code review.", False),
])  # fmt: skip
def test_released_code_both_ways(abstract: str, code: bool) -> None:
    assert _has_code(Paper("T", ("A",), abstract)) is code


def test_an_empty_candidate_list_curates_to_nothing(topic: Topic) -> None:
    curation = curate([], topic, 40, BuiltinScorer())
    assert curation.discussed == () and curation.decisions == ()
