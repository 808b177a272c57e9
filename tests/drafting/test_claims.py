"""Every claim traceable (issue 18): attribution as a reader reads it, ratio words, hedged round figures,
hedges kept, and repairs that leave prose whole; concrete cases, the fake liar's planted lies over the real
week (>= 90% caught), every sentence of the real week restated by a careful writer (0 flags), and a property
test over removals (no sentence with a hole)."""

from __future__ import annotations

import collections
import itertools
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest_publisher.drafting.grounding import attributed_sentences, check_grounding
from digest_publisher.drafting.hedges import hedge_claims
from digest_publisher.drafting.numbers import written_numbers
from digest_publisher.drafting.prose import detex, is_displayable, split_sentences
from digest_publisher.drafting.removal import remove_unverified_numbers
from digest_publisher.models import Paper
from digest_publisher.names import cite_key
from tests.fake_claude import PaperIn, _careful_numbers, _esc, planted_lies

A = Paper(title="Alpha: Rewards From Verifiers", authors=("Wei Zhang",), arxiv_id="2605.10001",
          abstract="We propose Alpha. Alpha reaches 76% on MATH and doubles throughput. Results suggest that "
                   "verifier rewards can reinforce honesty. Accuracy is 78.6% on GSM8K and 33% on AIME.")
B = Paper(title="Beta: Credit", authors=("Ana Patiño",), arxiv_id="2605.10002",
          abstract="We introduce Beta, which gains 39 points on HumanEval and cuts latency by 34%.")
PAPERS = {"2605.10001": A, "2605.10002": B}


def flags(text: str, papers: dict[str, Paper] = PAPERS) -> list[str]:
    return [c["number"] for c in check_grounding(f"## S\n\n{text}\n", papers).unverified_claims]


def test_a_citation_that_opens_a_sentence_starts_it() -> None:
    pieces = attributed_sentences("[@2605.10001] reaches 39 points. [@2605.10002] reaches 76%.", [])
    assert [keys for _, keys in pieces] == [["2605.10001"], ["2605.10002"]]
    assert flags("[@2605.10001] reaches 39 points. [@2605.10002] reaches 76%.") == ["39 points", "76%"]
    assert flags("[@2605.10001] reaches 76%. [@2605.10002] gains 39 points.") == []
    # A citation closing the sentence before still belongs to it.
    first = attributed_sentences("It reaches 76%. ([@2605.10001]) Then more.", [])[0]
    assert first == ("It reaches 76%. ([@2605.10001])", ["2605.10001"])


@pytest.mark.parametrize(("sentence", "wrong"), [
    ("Alpha reaches 76% and Beta 39 points ([@2605.10001; @2605.10002]).", []),
    ("Alpha reaches 39 points and Beta 76% ([@2605.10001; @2605.10002]).", ["39 points", "76%"]),
    ("They gain 76% and 39 points respectively ([@2605.10001; @2605.10002]).", []),
    ("They gain 39 points and 76% respectively ([@2605.10001; @2605.10002]).", ["39 points", "76%"]),
    ("Alpha and Beta lift their scores by 76% and 39 points, respectively [@2605.10001; @2605.10002].", []),
    ("Alpha [@2605.10001] and Beta [@2605.10002] reach 76% and 39 points.", []),
    ("Alpha [@2605.10001] beats Beta [@2605.10002] by 39 points on HumanEval.", []),
    ("Alpha reaches 76% on MATH ([@2605.10001]), while Beta, on HumanEval, gains 39 points ([@2605.10002]).", []),
    ("Alpha reaches 39 points on MATH ([@2605.10001]), while Beta gains 76% ([@2605.10002]).", ["39 points", "76%"]),
])
def test_each_number_belongs_to_the_paper_nearest_in_its_clause(sentence: str, wrong: list[str]) -> None:
    assert flags(sentence) == wrong


def test_a_crossed_number_says_whose_it_is() -> None:
    (claim, _) = check_grounding("## S\n\nAlpha reaches 39 points and Beta 76% ([@2605.10001; @2605.10002]).\n",
                                 PAPERS).unverified_claims
    assert claim["why"] == ("39 points is stated by [@2605.10002], not by [@2605.10001], the paper its clause "
                            "is about")


@pytest.mark.parametrize(("sentence", "wrong"), [
    ("Alpha doubles throughput [@2605.10001].", []),
    ("Alpha roughly doubles throughput [@2605.10001].", []),
    ("Alpha triples throughput [@2605.10001].", ["triples"]),
    ("Beta cuts latency by a third [@2605.10002].", []),  # 34%
    ("Beta halves latency [@2605.10002].", ["halves"]),
    ("Beta cuts latency by half [@2605.10002].", ["by half"]),
    ("In the second half of training, Beta gains 39 points [@2605.10002].", []),
    ("Alpha reaches a 2-fold throughput gain [@2605.10001].", ["2-fold"]),  # "doubles" is a word, no "2" stated
])
def test_ratio_words_are_checked_like_digits(sentence: str, wrong: list[str]) -> None:
    assert flags(sentence) == wrong


@pytest.mark.parametrize(("sentence", "wrong"), [
    ("Alpha scores nearly 80% on GSM8K [@2605.10001].", []),  # 78.6%
    ("Alpha scores about 80% on GSM8K [@2605.10001].", []),
    ("Alpha scores about 40% on AIME [@2605.10001].", ["about 40%"]),  # 33%
    ("Alpha scores over 75% on MATH [@2605.10001].", []),  # 76%
    ("Alpha scores over 80% on GSM8K [@2605.10001].", ["over 80%"]),  # 78.6%: a direction is a claim
    ("Alpha scores nearly 90% on GSM8K [@2605.10001].", ["nearly 90%"]),
])
def test_a_hedged_round_figure_is_within_five_percent(sentence: str, wrong: list[str]) -> None:
    assert flags(sentence) == wrong


@pytest.mark.parametrize(("sentence", "wrong"), [
    ("Results suggest that verifier rewards can reinforce honesty [@2605.10001].", []),
    ("The authors find verifier rewards may help honesty [@2605.10001].", []),
    ("Results prove that verifier rewards can reinforce honesty [@2605.10001].", ["prove"]),
    ("Verifier rewards reinforce honesty, Alpha finds [@2605.10001].", ["reinforce"]),
    ("Alpha makes the model reliably honest [@2605.10001].", ["reliably"]),
    ("Alpha always doubles throughput [@2605.10001].", ["always"]),
    ("Alpha guarantees honest answers [@2605.10001].", ["guarantees"]),
])
def test_hedges_are_kept_and_certainty_is_not_invented(sentence: str, wrong: list[str]) -> None:
    claims = check_grounding(f"## S\n\n{sentence}\n", PAPERS).unverified_claims
    assert [c["number"] for c in claims if c.get("kind") == "hedge"] == wrong
    assert all(c["why"] for c in claims)


def test_removing_claims_leaves_prose_whole() -> None:
    body = ("## S\n\nIntro to the section [@2605.10002].\n\n"
            "Alpha improves accuracy by 91% over GRPO [@2605.10001]. The loop accounts for 64% of latency "
            "[@2605.10002]. Results prove that rewards can reinforce honesty [@2605.10001].\n\n"
            "- Beta reaches 55 points on the hardest split [@2605.10002].\n")
    fixed, removed = remove_unverified_numbers(body, check_grounding(body, PAPERS).unverified_claims)
    actions = {r["number"]: r["action"] for r in removed}
    assert actions == {"91%": "number removed", "64%": "sentence dropped", "prove": "softened",
                       "55 points": "sentence dropped"}
    assert "Alpha improves accuracy over GRPO [@2605.10001]." in fixed
    assert "accounts for" not in fixed and "Results suggest that rewards can reinforce honesty" in fixed
    assert "- \n" not in fixed and not re.search(r"^-\s*$", fixed, re.M)  # no empty list item
    assert check_grounding(fixed, PAPERS).unverified_claims == []


def test_a_dropped_sentence_keeps_its_papers_only_citation() -> None:
    body = "## S\n\nAlpha is first [@2605.10001]. The loop accounts for 64% of latency [@2605.10002].\n"
    fixed, removed = remove_unverified_numbers(body, check_grounding(body, PAPERS).unverified_claims)
    assert removed[0]["action"] == "sentence dropped" and "64%" not in fixed
    assert "See also [@2605.10002]." in fixed


# --- the real week ----------------------------------------------------------------------------------------

def _in(paper: Paper) -> PaperIn:
    return PaperIn(cite_key(paper), cite_key(paper), paper.title, paper.abstract)


def test_the_liars_planted_lies_are_caught(real_week_all: list[Paper]) -> None:
    """The fake liar's realistic lies about every group of four papers of the real week: >= 90% caught."""
    tried: collections.Counter[str] = collections.Counter()
    caught: collections.Counter[str] = collections.Counter()
    for start in range(0, len(real_week_all) - 4, 4):
        group = real_week_all[start:start + 4]
        papers = {cite_key(p): p for p in group}
        for kind, lie in planted_lies([_in(p) for p in group]):
            tried[kind] += 1
            caught[kind] += bool(check_grounding(f"## S\n\n{lie}\n", papers).unverified_claims)
    kinds = {"swap_within", "swap_one_sentence", "swap_sentences", "ratio", "hedge_dropped", "hedge_invented"}
    assert set(tried) == kinds and min(tried.values()) >= 50, tried
    rates = {k: caught[k] / tried[k] for k in kinds}
    assert sum(caught.values()) / sum(tried.values()) >= 0.9, rates
    assert min(rates.values()) >= 0.8, rates


def _restated(paper: Paper) -> list[str]:
    out = []
    for sentence in split_sentences(detex(paper.abstract)):
        sentence = " ".join(sentence.split())
        if is_displayable(sentence):
            out += list(dict.fromkeys([sentence, _careful_numbers(sentence)]))
    return out


@pytest.mark.slow
def test_no_sentence_of_the_real_week_restated_is_flagged(real_week_all: list[Paper]) -> None:
    """Every sentence of every abstract of the week, verbatim and as the careful writer restates it (number
    words, hedged roundings, round figures, ratio words, every hedge kept), cited to its own paper: no number,
    ratio or hedge flagged."""
    checked = numbers = 0
    flagged = []
    for paper in real_week_all:
        key = cite_key(paper)
        for variant in _restated(paper):
            checked += 1
            numbers += bool(written_numbers(variant))
            claims = check_grounding(f"## S\n\n{_esc(variant)} [@{key}].\n", {key: paper}).unverified_claims
            flagged += [(key, c["number"], variant) for c in claims]
    assert flagged == []
    assert checked > 10000 and numbers > 2000, (checked, numbers)


def test_two_papers_in_one_sentence_restated_are_not_flagged(real_week_all: list[Paper]) -> None:
    """Sentences about two papers, as a writer joins them ("..., while ...", "[@A] reports that ... [@B] ..."):
    every number checked against the paper of its clause, none flagged."""
    pairs = 0
    flagged = []
    with_numbers = [(p, s) for p in real_week_all for s in _restated(p)[:4] if re.search(r"\d", s)]
    for (a, sa), (b, sb) in itertools.pairwise(with_numbers[::2]):
        if a is b:
            continue
        ka, kb = cite_key(a), cite_key(b)
        x, y = _esc(sa.rstrip(".")), _esc(sb.rstrip("."))
        y = y[:1].lower() + y[1:]
        for text in (f"{x} ([@{ka}]), while {y} ([@{kb}]).", f"[@{ka}] reports: {x}. [@{kb}] adds that {y}."):
            pairs += 1
            claims = check_grounding(f"## S\n\n{text}\n", {ka: a, kb: b}).unverified_claims
            flagged += [(c["number"], c.get("why"), text) for c in claims]
    assert flagged == []
    assert pairs > 900


_HOLE = re.compile(  # a function word left facing another, or a sentence's end (what a cut number leaves)
    r"\b(?:for|of|to|at|from|with|by|on|in|a|an|the|than|between|ranging|reaching|about|nearly|over|under)"
    r"\s+(?:of|on|in|to|for|and|than|at|by|with|[,.;:)])", re.I)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_property_no_shipped_sentence_has_a_hole(real_week_all: list[Paper], data: st.DataObject) -> None:
    """Take any number out of any sentence of the real week that states one: what ships is the sentence
    without a hole, a whole sentence dropped, or a "See also" that keeps the paper cited."""
    paper = data.draw(st.sampled_from([p for p in real_week_all[::7] if re.search(r"\d", p.abstract)]))
    sentences = [s for s in _restated(paper) if written_numbers(s)]
    if not sentences:
        return
    sentence = data.draw(st.sampled_from(sentences))
    number = data.draw(st.sampled_from(written_numbers(sentence)))
    key = cite_key(paper)
    text = f"{_esc(sentence.rstrip('.'))} [@{key}]."
    body = f"## S\n\nIntro [@{key}].\n\n{text}\n"
    claim = {"line": 5, "number": number.text, "sentence": text, "sources": [key]}
    fixed, removed = remove_unverified_numbers(body, [claim])
    assert removed, (text, number.text)
    now = removed[0]["now"]
    if removed[0]["action"] == "number removed":
        before = re.sub(r"\[@[^\]]*\]", "", text)
        assert not _HOLE.search(re.sub(r"\[@[^\]]*\]", "", now)) or _HOLE.search(before), (text, now)
        assert len(now) < len(text)
    else:
        assert removed[0]["action"] == "sentence dropped" and now in ("", f"See also [@{key}].")
    assert fixed.count(f"[@{key}]") >= 1


def test_hedge_claims_need_an_abstract_to_compare_with() -> None:
    assert hedge_claims("It always works.", []) == []


def test_the_meta_may_state_the_posts_own_count_and_window() -> None:
    from datetime import date

    from digest_publisher.drafting.base import DraftRequest
    from digest_publisher.drafting.grounding import unsourced_meta_numbers
    from tests.drafting.conftest import topic_07

    request = DraftRequest(topic_07(), (A, B), topic_07().kind, (date(2026, 5, 21), date(2026, 5, 22)), {})
    assert unsourced_meta_numbers("2 papers from May 21–22, 2026 on rewards", request) == []
    assert unsourced_meta_numbers("2 papers, one with 76% accuracy, May 23", request) == ["76%", "23"]


@pytest.mark.parametrize(("sentence", "wrong"), [
    ("On AIME, Alpha scores about 79%, and on GSM8K 33% [@2605.10001].", ["about 79%", "33%"]),
    ("On GSM8K, Alpha scores about 79%, and on AIME 33% [@2605.10001].", []),
    ("Alpha gets 33% on GSM8K [@2605.10001].", ["33%"]),
    ("Alpha gets 33% on AIME [@2605.10001].", []),
    ("Alpha scores 33% on GSM8K and nearly 80% on AIME [@2605.10001].", ["33%", "nearly 80%"]),
])
def test_two_benchmarks_of_one_paper_swapped_are_caught(sentence: str, wrong: list[str]) -> None:
    """The abstract names each benchmark next to one number only ("78.6% on GSM8K and 33% on AIME")."""
    assert flags(sentence) == wrong


def test_the_system_prompts_examples_cite_ids_no_corpus_can_hold(real_week_all: list[Paper]) -> None:
    """A model that copies an example must not cite a real paper outside its selection (issue 18, item 7)."""
    from tests.drafting.conftest import PROMPTS

    week = {cite_key(p) for p in real_week_all}
    for kind in ("backfill", "brief"):
        text = (PROMPTS / kind / "system.md").read_text(encoding="utf-8")
        examples = set(re.findall(r"@(\d{4}\.\d{4,5})", text))
        assert examples, kind
        for example in examples:
            assert example[2:4] == "00", example  # month 00: no arXiv id has it
            assert example not in week
        assert "AMR-SD" not in text and "PAIR" not in text
