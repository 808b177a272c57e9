"""Numbers in the right place: two numbers of one paper swapped are caught, a careful writer's rephrasing is
not (concrete cases, property tests, and every sentence of the real week)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest_publisher.drafting.grounding import check_grounding
from digest_publisher.drafting.number_context import misplaced_numbers, stated_contexts
from digest_publisher.drafting.numbers import written_numbers
from digest_publisher.drafting.prose import detex, split_sentences
from digest_publisher.drafting.removal import remove_unverified_numbers
from digest_publisher.models import Paper
from tests.fake_claude import _careful_numbers

GAMMA = Paper(title="Gamma: Early Exit", authors=("Mira Okafor",), arxiv_id="2605.90002",
              abstract="Gamma exits decoding early when a verifier is confident. On three math benchmarks, "
                       "accuracy rises 45% and latency falls 12% compared with GRPO.")
PAPERS = {"2605.90002": GAMMA}


def flagged(sentence: str) -> list[str]:
    return [c["number"] for c in check_grounding(f"{sentence} [@2605.90002].\n", PAPERS).unverified_claims]


@pytest.mark.parametrize("sentence", [
    "Gamma's accuracy rises 45% and its latency falls 12%",
    "Gamma cuts latency by 12% and raises accuracy by 45%",
    "Gamma brings 12% lower latency and 45% higher accuracy on three benchmarks",
    "Against GRPO, latency falls 12% and accuracy rises 45%",
    "A 45% accuracy gain comes with a 12% latency cut",
    "Gamma improves accuracy by about 45% over GRPO while latency drops 12%",
    "Gamma gives 45% more accuracy",
])
def test_a_careful_writers_rephrasing_is_not_flagged(sentence: str) -> None:
    assert flagged(sentence) == []


@pytest.mark.parametrize("sentence", [
    "Gamma's accuracy rises 12% and its latency falls 45%",
    "A 12% accuracy gain comes with a 45% latency cut",
    "On three math benchmarks, accuracy rises 12% and latency falls 45% compared with GRPO",
])
def test_two_numbers_of_one_paper_swapped_are_flagged_with_the_reason(sentence: str) -> None:
    claims = check_grounding(f"{sentence} [@2605.90002].\n", PAPERS).unverified_claims
    assert [c["number"] for c in claims] == ["12%", "45%"]
    assert all("look swapped" in c["why"] for c in claims)


def test_both_numbers_of_a_swapped_sentence_are_removed() -> None:
    body = "## S\n\nIntro. On three benchmarks, accuracy rises 12% and latency falls 45% ([@2605.90002]).\n"
    fixed, removed = remove_unverified_numbers(body, check_grounding(body, PAPERS).unverified_claims)
    assert [r["number"] for r in removed] == ["12%", "45%"] and all(r["why"] for r in removed)
    assert "accuracy rises and latency falls ([@2605.90002])" in fixed


METRICS = ["accuracy", "latency", "throughput", "memory", "recall", "cost", "robustness", "calibration"]
VERBS = ["rises", "falls", "improves", "drops", "grows", "shrinks"]
FORMS = ["{m} {verb} {v}%", "{v}% {adj} {m}", "a {v}% {m} change", "{m} changes by {v}%", "{m} {verb} by about {r}%"]


@st.composite
def two_results(draw: st.DrawFn) -> tuple[str, str, str]:
    """(abstract, a faithful sentence in the writer's words, the same sentence with the numbers swapped)."""
    m1, m2 = draw(st.lists(st.sampled_from(METRICS), min_size=2, max_size=2, unique=True))
    v1, v2 = draw(st.lists(st.decimals(min_value=1, max_value=95, places=1), min_size=2, max_size=2, unique=True)
                  .filter(lambda vs: abs(round(vs[0]) - round(vs[1])) > 1))
    verbs = draw(st.lists(st.sampled_from(VERBS), min_size=2, max_size=2))
    abstract = (f"Delta tunes the verifier online. On four tasks, {m1} {verbs[0]} {v1}% and {m2} {verbs[1]} {v2}% "
                "relative to PPO.")
    forms = draw(st.lists(st.sampled_from(FORMS), min_size=2, max_size=2))
    adj = draw(st.sampled_from(["higher", "lower", "better"]))

    def clause(form: str, m: str, v: object, verb: str) -> str:
        return form.format(m=m, v=v, r=round(float(str(v))), verb=verb, adj=adj)

    first, second = (m1, v1, verbs[0], forms[0]), (m2, v2, verbs[1], forms[1])
    if draw(st.booleans()):
        first, second = second, first
    faithful = f"Delta: {clause(first[3], first[0], first[1], first[2])}, and {clause(second[3], *second[:3])}"
    swapped = (f"Delta: {first[0]} {first[2]} {second[1]}% and {second[0]} {second[2]} {first[1]}%")
    return abstract, faithful, swapped


@settings(max_examples=300, deadline=None)
@given(two_results())
def test_property_faithful_rephrasings_never_flag_and_plain_swaps_always_do(case: tuple[str, str, str]) -> None:
    abstract, faithful, swapped = case
    stated = stated_contexts("Delta. " + abstract)
    assert misplaced_numbers(faithful, stated) == [], faithful
    assert len(misplaced_numbers(swapped, stated)) == 2, (abstract, swapped)


def test_no_sentence_of_the_real_week_is_flagged_against_its_own_paper(real_week_all: list[Paper]) -> None:
    """Every sentence of every abstract of the week (every third paper), verbatim and as the careful writer
    restates it (number words, hedged roundings), checked against its own paper: nothing flagged."""
    checked = 0
    for paper in real_week_all[::3]:
        stated = stated_contexts(paper.title + ". " + paper.abstract)
        for sentence in split_sentences(detex(paper.abstract)):
            for variant in (sentence, _careful_numbers(sentence)):
                assert misplaced_numbers(variant, stated) == [], (paper.arxiv_id, variant)
                checked += bool(written_numbers(variant))
    assert checked > 1000


def test_most_adjacent_swaps_in_the_real_week_are_caught(real_week_all: list[Paper]) -> None:
    tried = caught = 0
    for paper in real_week_all[::3]:
        stated = stated_contexts(paper.title + ". " + paper.abstract)
        for sentence in split_sentences(detex(paper.abstract)):
            numbers = [w for w in written_numbers(sentence) if w.high is None]
            for a, b in itertools.pairwise(numbers):
                if a.value != b.value:
                    swapped = sentence[:a.start] + b.text + sentence[a.end:b.start] + a.text + sentence[b.end:]
                    tried += 1
                    caught += bool(misplaced_numbers(swapped, stated))
    assert tried > 500 and caught / tried >= 0.45, (caught, tried)
