"""Grounding checks on hand-written Markdown, and the text helpers they rest on."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from digest_publisher.drafting.grounding import SectionLimits, check_grounding, citations_in
from digest_publisher.drafting.prose import claim_numbers, detex, format_window, split_sentences
from digest_publisher.models import Paper
from digest_publisher.names import short_names

RATCHET = Paper(
    title="Ratchet: Skill Management for Agents",
    authors=("Wei Zhang", "Li Chen"),
    abstract="LLM-authored skills deliver +0.0pp while human-curated skills deliver +16.2pp, a 3x gap. "
    "We evaluate on $1{,}200$ tasks with $99.5\\%$ coverage.",
    arxiv_id="2605.10001",
    submitted=date(2026, 5, 19),
)
OTHER = Paper(
    title="Scaling Rewards Without Labels",
    authors=("Ana Patiño",),
    abstract="Accuracy rises by 42.7% on MATH.",
    arxiv_id="2605.10002",
    submitted=date(2026, 5, 20),
)
PAPERS = {"2605.10001": RATCHET, "2605.10002": OTHER}
LOOSE = SectionLimits(min_h2_words=5, min_h3_words=3)


def check(body: str) -> list[str]:
    return check_grounding(body, PAPERS, limits=LOOSE).describe()


def test_grounded_numbers_pass() -> None:
    body = (
        "## Skills\n\nHuman-curated skills gave +16.2pp against +0.0pp, a 3x gap, on 1,200 tasks with 99.5% "
        "coverage [@2605.10001]. Zhang et al. (May 2026) say so.\n"
    )
    assert check(body) == []


def test_number_from_an_uncited_paper_is_unverified() -> None:
    body = "## Skills\n\nSkills improved accuracy by 42.7% in this study [@2605.10001].\n"
    report = check_grounding(body, PAPERS, limits=LOOSE)
    assert [c["number"] for c in report.unverified_claims] == ["42.7%"]
    assert report.unverified_claims[0]["sources"] == ["2605.10001"]
    # The same sentence citing the paper that states it is fine.
    assert check("## Skills\n\nAccuracy rose by 42.7% on MATH [@2605.10002] in the reported study.\n") == []


def test_numbers_without_citation_and_invented_numbers() -> None:
    report = check_grounding("## A\n\nModels got 17% better across the board.\n\n", PAPERS, limits=LOOSE)
    assert report.unverified_claims and report.unverified_claims[0]["sources"] == "no cited paper"


def test_identifiers_are_not_claims() -> None:
    assert claim_numbers("Qwen2.5-7B and GPT-4o beat Llama-3 [@2605.10001]") == []
    assert claim_numbers("gains of +16.2pp, 3x and 40.9% on 1,000 items") == ["+16.2pp", "3x", "40.9%", "1,000"]


def test_unknown_and_malformed_citations() -> None:
    report = check_grounding("## A\n\nSee [@2605.99999] and [@2605.10001; 2605.10002] now.\n", PAPERS, limits=LOOSE)
    assert any("[@2605.99999] is not a selected paper" in p for p in report.unknown_citations)
    assert any("malformed citation" in p for p in report.unknown_citations)
    assert citations_in("[@a; @b] and [@c]") == ["a", "b", "c"]


def test_unresolved_author_and_heading_names() -> None:
    body = (
        "## Agents\n\nSmith et al. (May 2026) showed it works well here [@2605.10001].\n\n"
        "### GhostNet: A Paper That Is Not There\n\nIt does many things, the text says [@2605.10001].\n"
    )
    problems = check(body)
    assert any("'Smith et al.' is not the first author" in p for p in problems)
    assert any("'GhostNet'" in p for p in problems)
    ok = "## Agents\n\n### Ratchet: What It Does\n\nIt manages skills for agents well [@2605.10001].\n"
    assert check(ok) == []


def test_empty_and_short_sections() -> None:
    body = "## Empty\n\n## Short\n\nToo short [@2605.10001].\n\n## Fine\n\n" + "word " * 80 + "\n"
    report = check_grounding(body, PAPERS, limits=SectionLimits(60, 25))
    assert any("'Empty' is empty" in p for p in report.section_problems)
    # A short section is a soft limit: reported, never a hard problem.
    assert any("'Short' has 2 words (minimum 60)" in p for p in report.short_sections)
    assert not any("'Short'" in p for p in report.hard_problems)
    assert not any("'Fine'" in p for p in report.section_problems + report.short_sections)


def test_code_written_parts_are_exempt() -> None:
    body = (
        "**77 papers analyzed** | May 18 – 22, 2026\n\n## Theme\n\nA grounded sentence about skills "
        "here [@2605.10001].\n\n*This article is part of the X backfill series, covering 77 papers on Y "
        "from May 18 – 22, 2026.*\n\n## Run Metadata\n\n| Field | Value |\n| --- | --- |\n| Calls | 12 |\n"
    )
    assert check(body) == []


def test_text_helpers() -> None:
    assert detex("reduces $ρ$ by $40.9\\%$ ($0.208$ vs. $0.352$) and $3\\times$") == (
        "reduces ρ by 40.9% (0.208 vs. 0.352) and 3×"
    )
    assert split_sentences("We use e.g. GRPO at 0.5 rate. It works. Done!") == [
        "We use e.g. GRPO at 0.5 rate.", "It works.", "Done!"
    ]
    assert short_names([RATCHET, OTHER]) == {"2605.10001": "Ratchet", "2605.10002": "Patiño"}
    assert format_window(date(2026, 5, 18), date(2026, 5, 22)) == "May 18 – 22, 2026"
    assert format_window(date(2025, 5, 1), date(2026, 5, 31)) == "May 2025 – May 2026"


@given(st.lists(st.sampled_from(["2605.10001", "2605.10002", "x y", ""]), min_size=1, max_size=4))
def test_citation_lists_round_trip(keys: list[str]) -> None:
    text = "[" + "; ".join(f"@{k}" for k in keys) + "]"
    assert citations_in(text) == [k.strip() for k in keys]


def test_citations_read_as_names_or_parentheticals() -> None:
    from digest_publisher.drafting.citing import tidy_citations

    aliases = {"2605.10001": ["Ratchet"], "2605.10002": ["Patiño"]}
    cases = {
        # a citation dangling after a claim goes in parentheses: "... cost (Ratchet)."
        "Skills cost little at inference [@2605.10001].": "Skills cost little at inference ([@2605.10001]).",
        "Both do this [@2605.10001; @2605.10002]; few do.": "Both do this ([@2605.10001; @2605.10002]); few do.",
        # the name written next to its own citation is not shown twice
        "Ratchet [@2605.10001] curates skills.": "[@2605.10001] curates skills.",
        "Ratchet ([@2605.10001]) curates skills.": "[@2605.10001] curates skills.",
        "(see Ratchet [@2605.10001]) here.": "(see [@2605.10001]) here.",
        # already readable: left alone
        "[@2605.10001] curates skills.": "[@2605.10001] curates skills.",
        "As shown in [@2605.10001], skills help.": "As shown in [@2605.10001], skills help.",
        "Skills help ([@2605.10001]).": "Skills help ([@2605.10001]).",
        "Patiño [@2605.10001] is not Ratchet's name.": "Patiño [@2605.10001] is not Ratchet's name.",
    }
    for written, wanted in cases.items():
        assert tidy_citations(written, aliases) == wanted, written
