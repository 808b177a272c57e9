"""The number matcher: careful writers' numbers accepted, wrong ones caught (property tests and cases)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given
from hypothesis import strategies as st

from digest_publisher.drafting.grounding import check_grounding
from digest_publisher.drafting.numbers import is_faithful, remove_number, stated_values, written_numbers
from digest_publisher.drafting.removal import remove_unverified_numbers
from digest_publisher.models import Paper

A = Paper(title="Alpha: Rewards", authors=("Wei Zhang", "Li Chen"), arxiv_id="2605.10001",
          abstract="Alpha improves accuracy by 46.8% on three code benchmarks and by +1.23% on MATH, "
                   "reaching 57.92 points and 76.36 overall, a 44.75% error cut.")
B = Paper(title="Beta: Credit", authors=("Ana Patiño",), arxiv_id="2605.10002",
          abstract="Beta lowers the cost by 12.5% and runs 3x faster on 1,034 tasks.")
PAPERS = {"2605.10001": A, "2605.10002": B}


def faithful(sentence: str, source: str) -> bool:
    stated = stated_values(source)
    return all(is_faithful(w, stated) for w in written_numbers(sentence))


def unverified(body: str) -> list[str]:
    return [c["number"] for c in check_grounding(body, PAPERS).unverified_claims]


def test_careful_writers_numbers_pass() -> None:
    body = (
        "Alpha gains on 3 code benchmarks and about 1.2 points on MATH [@2605.10001]. It cuts errors by nearly 45% "
        "and gains about 47%, roughly 58 points, 76 overall. Beta runs three times faster on over 1,000 tasks and "
        "costs 12.5 percent less [@2605.10002].\n"
    )
    assert unverified(body) == []


def test_wrong_numbers_are_caught() -> None:
    # a number changed by 10-40%, an invented one, a hedge that does not fit
    assert unverified("Alpha improves accuracy by 52% on MATH [@2605.10001].\n") == ["52%"]
    assert unverified("Alpha reaches 91.4 points [@2605.10001].\n") == ["91.4 points"]
    assert unverified("Alpha improves by over 47% [@2605.10001].\n") == ["over 47%"]


def test_attribution_is_per_sentence() -> None:
    # Beta's 12.5% in a sentence that cites only Alpha fails, though Beta is cited in the same paragraph.
    body = "Alpha cuts cost by 12.5% [@2605.10001]. Beta is cheaper [@2605.10002].\n"
    assert unverified(body) == ["12.5%"]
    # A sentence without a citation takes the papers of the nearest citing sentence of its block.
    assert unverified("Beta is cheaper [@2605.10002]. It runs 3x faster.\n") == []
    assert unverified("Alpha is strong [@2605.10001]. It runs 5x faster.\n") == ["5x"]
    # In a subsection, an uncited paragraph takes the subsection's paper.
    body = "## S\n\n### Beta: Cheap\n\nBeta is the cheap one [@2605.10002].\n\nIt needs 12.5% less compute.\n"
    assert unverified(body) == []


def test_number_words_with_units_are_claims_counts_are_not() -> None:
    assert [w.text for w in written_numbers("two papers show forty percent gains and 3 wins")] == [
        "forty percent", "3"]


def test_removal_keeps_the_sentence() -> None:
    sentence = "Alpha improves accuracy by about 12.3% over GRPO [@2605.10001]."
    (number,) = written_numbers(sentence)
    assert remove_number(sentence, number) == "Alpha improves accuracy over GRPO [@2605.10001]."
    body = "## S\n\n" + sentence + "\n"
    claims = check_grounding(body, PAPERS).unverified_claims
    fixed, removed = remove_unverified_numbers(body, claims)
    assert "12.3" not in fixed and "[@2605.10001]" in fixed
    assert removed[0]["number"] == "about 12.3%"
    assert check_grounding(fixed, PAPERS).unverified_claims == []


values = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999"), places=3, allow_nan=False,
                     allow_infinity=False)


@given(values, st.integers(min_value=0, max_value=3), st.sampled_from(["", "about ", "roughly ", "~"]),
       st.sampled_from(["", "%", " points", "x"]))
def test_any_faithful_rounding_passes(stated: Decimal, places: int, hedge: str, unit: str) -> None:
    written = stated.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    sentence = f"It reaches {hedge}{written}{unit} overall."
    assert faithful(sentence, f"The method reaches {stated} on the benchmark.")


@given(values, st.integers(min_value=0, max_value=2), st.floats(min_value=0.6, max_value=40))
def test_values_outside_rounding_distance_fail(stated: Decimal, places: int, steps: float) -> None:
    step = Decimal(1).scaleb(-places)
    written = (stated + step * Decimal(str(steps))).quantize(step, rounding=ROUND_HALF_UP)
    if abs(written - stated) <= step / 2:
        return  # the shift rounded back into range
    assert not faithful(f"It reaches {written} overall.", f"The method reaches {stated} on the benchmark.")


@given(values, values)
def test_misattribution_across_papers_fails(a_value: Decimal, b_value: Decimal) -> None:
    if abs(a_value - b_value) <= Decimal("0.5"):
        return
    a = Paper(title="Alpha", authors=("X Y",), arxiv_id="2605.20001", abstract=f"Alpha reaches {a_value} points.")
    b = Paper(title="Beta", authors=("Z W",), arxiv_id="2605.20002", abstract=f"Beta reaches {b_value} points.")
    papers = {"2605.20001": a, "2605.20002": b}
    right = f"Beta reaches {b_value} points [@2605.20002]. Alpha is different [@2605.20001].\n"
    wrong = f"Alpha reaches {b_value} points [@2605.20001]. Beta is different [@2605.20002].\n"
    assert check_grounding(right, papers).unverified_claims == []
    assert [c["sources"] for c in check_grounding(wrong, papers).unverified_claims] == [["2605.20001"]]
