"""The one short-name rule (digest_publisher.names), on hand-made papers and on the real week."""

from __future__ import annotations

import re

from digest_publisher.models import Paper
from digest_publisher.names import cite_key, method_names, short_names, surname


def paper(arxiv_id: str, title: str, authors: tuple[str, ...], abstract: str = "We study a problem.") -> Paper:
    return Paper(title=title, authors=authors, abstract=abstract, arxiv_id=arxiv_id)


def test_surnames_skip_suffixes_and_keep_particles() -> None:
    assert surname("Martin Luther King Jr.") == "King"
    assert surname("King, Martin Luther") == "King"
    assert surname("Martin Luther King, Jr.") == "King"
    assert surname("Ludwig van Beethoven") == "van Beethoven"
    assert surname("Ana Patiño") == "Patiño"


def test_never_jr_et_al() -> None:
    names = short_names([paper("2605.00001", "Scaling Rewards", ("Martin Luther King Jr.", "A B", "C D"))])
    assert names == {"2605.00001": "King et al."}


def test_own_method_name_preferred_to_authors() -> None:
    titled = paper("2605.00001", "AMR-SD: Asymmetric Meta-Reflective Self-Distillation", ("Zhenlin Wei", "B C", "D E"))
    introduced = paper("2605.00002", "Self-Evolving Spatial Reasoning in Vision Language Models",
                       ("Yi Liu", "B C", "D E"), "We propose SAGE, a framework that evolves. SAGE improves 3 points.")
    in_parens = paper("2605.00003", "An Efficient Streaming Video Understanding Framework", ("Q Zhou", "B C"),
                      "We present an agentic streaming framework (R3-Streaming) for long videos.")
    genre = paper("2605.00004", "Position: Let's Develop Data Probes", ("Shiqiang Wang", "B C", "D E"))
    plain = paper("2605.00005", "Reward Models Fail Quietly", ("Ana Patiño",),
                  "Respiratory syncytial virus (RSV) forecasting is hard. We use GRPO.")
    names = short_names([titled, introduced, in_parens, genre, plain])
    assert names == {
        "2605.00001": "AMR-SD",
        "2605.00002": "SAGE",
        "2605.00003": "R3-Streaming",
        "2605.00004": "Wang et al.",  # a genre is not a name
        "2605.00005": "Patiño",  # an abbreviation of a term, or a method family, is not the paper's name
    }
    assert method_names(plain) == []


def test_collisions_are_disambiguated() -> None:
    a = paper("2605.00001", "Credit Assignment at Scale", ("Wei Liu", "Li Chen", "X Y"))
    b = paper("2605.00002", "Rubrics That Teach", ("Jun Liu", "Hao Wang", "X Y"))
    solo = paper("2605.00003", "Stage-wise Preference Optimization", ("Qinwu Xu",))
    team = paper("2605.00004", "Multilingual OCR Fine-Tuning", ("Wei Xu", "Ming Zhao", "X Y"))
    twin1 = paper("2605.00005", "SAGE: Spatial Agents", ("Yi Liu", "B C", "D E"))
    twin2 = paper("2605.00006", "SAGE: Safe Generation", ("Bo Tan", "B C", "D E"))
    names = short_names([a, b, solo, team, twin1, twin2])
    assert names == {
        "2605.00001": "Liu, Chen et al.",
        "2605.00002": "Liu, Wang et al.",
        "2605.00003": "Xu",  # one author's own paper keeps the plain name ...
        "2605.00004": "Xu, Zhao et al.",  # ... and the other "Xu" paper does not read like it
        "2605.00005": "SAGE (Liu et al.)",
        "2605.00006": "SAGE (Tan et al.)",
    }
    # Wrong input caught: without the rule two papers would share "Liu et al.".
    assert len(set(names.values())) == len(names)


def test_identical_papers_but_for_the_id_still_get_distinct_names() -> None:
    same = [paper(f"2605.0000{i}", "Same Title", ("Wei Liu", "Li Chen", "X Y")) for i in range(3)]
    names = short_names(same)
    assert len(set(names.values())) == 3
    assert all(cite_key(p) in names[cite_key(p)] or names[cite_key(p)] == "Liu, Chen et al." for p in same)


def test_unique_on_the_real_week_topic_07(real_week_07: list[Paper]) -> None:
    names = short_names(real_week_07)
    assert len(real_week_07) >= 70
    assert len(set(names.values())) == len(names) == len(real_week_07)
    assert not any("Jr." in n for n in names.values())
    assert names["2605.18529"] == "AMR-SD" and names["2605.18162"] == "SAGE"
    assert names["2605.17921"] == "R3-Streaming"


def test_unique_on_the_whole_real_week(real_week_all: list[Paper]) -> None:
    names = short_names(real_week_all)
    assert len(real_week_all) == 1736
    assert len(set(names.values())) == len(names) == 1736
    folded = {n.casefold().removesuffix(" et al.") for n in names.values()}
    assert len(folded) == 1736  # not even "Xu" and "Xu et al."


def test_short_names_are_method_names_never_phrases_metrics_or_two_surnames(real_week_all: list[Paper]) -> None:
    """Issue 18 on the real week: a short name is the paper's own method or system name, never a title phrase
    longer than three words (or with a comma), never a part of a longer name, never "A and B"."""
    names = short_names(real_week_all)
    assert names["2605.20061"] == "ReBel"  # not "Rewarding Beliefs, Not Actions"
    assert names["2605.21924"] == "VA-OPD"  # not "VA", the advantage it measures
    assert names["2605.22413"] == "ReceiptBench"  # not "From Recognition to Reasoning"
    for key, name in names.items():
        if "et al." in name or re.search(r"\d{4}\.\d{5}", name):
            continue
        assert len(name.split()) <= 3 and "," not in name, (key, name)
        assert " and " not in name, (key, name)  # two authors read as a plural subject: "Lin et al."
    two = next(p for p in real_week_all if len(p.authors) == 2 and not method_names(p))
    assert short_names([two])[cite_key(two)].endswith(" et al.")


def test_no_sentence_repeats_the_name_it_opens_with() -> None:
    from digest_publisher.drafting.citing import tidy_citations

    aliases = {"2605.00001": ["CRPO"], "2605.00002": ["Beta"]}
    assert tidy_citations("CRPO cuts cost by 12% [@2605.00001].", aliases) == "[@2605.00001] cuts cost by 12%."
    assert tidy_citations("- CRPO cuts cost ([@2605.00001]).", aliases) == "- [@2605.00001] cuts cost."
    # A citation where a name belongs mid-sentence is not a repetition: left alone.
    mid = "CRPO cuts cost, which [@2605.00001] measures directly."
    assert tidy_citations(mid, aliases) == mid
    assert tidy_citations("CRPO and Beta differ ([@2605.00001; @2605.00002]).", aliases).endswith(
        "([@2605.00001; @2605.00002]).")


def test_the_closing_section_adds_no_fact_an_earlier_section_states() -> None:
    from digest_publisher.drafting.grounding import EXEMPT_SECTIONS
    from digest_publisher.drafting.removal import drop_restated_closing

    body = ("## Credit\n\n[@2605.00001] cuts latency by 12% on long tasks with a learned verifier.\n\n"
            "## The Road Ahead\n\n[@2605.00001] cuts latency by 12% on long tasks. Whether verifiers scale to "
            "open-ended agents is the open question ([@2605.00001]).\n\n## Run Metadata\n\n| A | B |\n")
    fixed, dropped = drop_restated_closing(body, EXEMPT_SECTIONS)
    assert [d["in_section"] for d in dropped] == ["Credit"]
    assert "## The Road Ahead\n\nWhether verifiers scale" in fixed
    assert fixed.count("cuts latency by 12%") == 1
    # A last section that is a theme of its own is left alone.
    theme = body.replace("The Road Ahead", "Verifiers")
    assert drop_restated_closing(theme, EXEMPT_SECTIONS) == (theme, [])
