"""match_topic answers a lower-cased ASCII paper from one RE2 pass over its keyword groups (two RE2 Sets, title and
text): it must give what the rules give one by one (``Rule.matches`` over all of the text's words), whatever the
rules (keyword groups, title groups, raw regexes, categories, exclude rules) and the text (ASCII or not), and the
same when RE2 fails or refuses the Sets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digest_publisher import topics as topics_module
from digest_publisher.corpus import corpus_files, iter_papers
from digest_publisher.models import Paper, Topic, word_set
from digest_publisher.topics import _compiled, load_topics, match_topic
from tests.paths import REPO_ROOT

TOPICS = load_topics(REPO_ROOT / "topics.toml")
SAMPLE = REPO_ROOT / "samples" / "arxiv-year-subset"


def by_rules(topic: Topic, paper: Paper) -> str | None:
    """The rules one by one, each guard on all of the text's words: what match_topic must answer."""
    if topic.scope_categories and topic.scope_categories.isdisjoint(paper.categories):
        return None
    text = f"{paper.title}\n{paper.abstract}"
    words, title_words = word_set(text), word_set(paper.title)
    name = next((rule.name for rule in topic.include if rule.matches(paper, text, words, title_words)), None)
    if name is None or any(rule.matches(paper, text, words, title_words) for rule in topic.exclude):
        return None
    return name


def _topic(tmp_path: Path, include: list[dict[str, Any]], exclude: list[dict[str, Any]]) -> Topic:
    lines = ["[[topics]]", 'number = "01"', 'name = "T"', 'slug = "t"']
    for kind, rules in (("include", include), ("exclude", exclude)):
        for rule in rules:
            lines += [f"[[topics.{kind}]]", *(f"{key} = {json.dumps(value)}" for key, value in rule.items())]
    path = tmp_path / "topics.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return load_topics(path).get("01")


KEYWORD = st.sampled_from(["GRPO", "DPO", "RL", "reward", "reinforcement learning", "policy optimization", "C++",
                           "post-training", "LLM", "language models", "fine-tuning data", "SFT", "x1"])  # fmt: skip
PIECE = st.sampled_from(["post", "training", "reward", "rl", "Gr", "PO", "policy", "optimization", "llm", "s", "c++",
                         "language", "model", "data", "fine", "tuning", "sft", "rlhf", "dpo", "x1", " ", "  ", "-",
                         " - ", "\n", "\t", "\x0b", "\x1c", ", ", "/", "_", "é", "ı", "İ", "ſ", "\u212a",
                         "\u00a0"])  # fmt: skip
RULE = st.fixed_dictionaries(
    {"all": st.lists(st.lists(KEYWORD, min_size=1, max_size=3), min_size=1, max_size=2)},
    optional={"title": st.lists(KEYWORD, min_size=1, max_size=3), "regex": st.just(["gr[a-z]o\\b"]),
              "categories": st.just(["cs.LG"])},
)  # fmt: skip


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    include=st.lists(RULE, min_size=1, max_size=3),
    exclude=st.lists(RULE, max_size=1),
    title=st.lists(st.one_of(PIECE, KEYWORD), max_size=8).map("".join),
    abstract=st.lists(st.one_of(PIECE, KEYWORD), max_size=20).map("".join),
    categories=st.sampled_from([(), ("cs.LG",), ("cs.CL",)]),
)
def test_one_pass_over_the_groups_answers_what_the_rules_answer(
    tmp_path_factory: pytest.TempPathFactory, include: list[dict[str, Any]], exclude: list[dict[str, Any]],
    title: str, abstract: str, categories: tuple[str, ...],
) -> None:  # fmt: skip
    named = [{"name": f"in{i}", **rule} for i, rule in enumerate(include)]
    topic = _topic(tmp_path_factory.mktemp("t"), named, [{"name": f"ex{i}", **r} for i, r in enumerate(exclude)])
    paper = Paper(title=title.strip() or "t", authors=("A",), abstract=abstract.strip(), categories=categories)
    assert match_topic(topic, paper) == by_rules(topic, paper)


@pytest.mark.parametrize("topic", list(TOPICS), ids=lambda t: t.number)
def test_the_shipped_topics_answer_the_sample_as_their_rules_do_in_one_pass(topic: Topic) -> None:
    papers = [paper for path in corpus_files([SAMPLE]) for paper in iter_papers(path)]
    groups = _compiled(topic).groups
    assert groups is not None  # the Sets are built ...
    ascii_papers = [p for p in papers if f"{p.title}\n{p.abstract}".isascii()]
    assert len(ascii_papers) > 0.8 * len(papers)
    assert all(groups.find(p.title, f"{p.title}\n{p.abstract}") is not None for p in ascii_papers)  # ... and answer
    assert [match_topic(topic, p) for p in papers] == [by_rules(topic, p) for p in papers]


class _FailingSet:
    """What the RE2 binding answers when a Set's DFA runs out of memory: no match at all."""

    def Match(self, text: bytes) -> None:  # the binding's name
        return None


def test_a_failing_set_leaves_the_paper_to_the_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    topic = TOPICS.get("07")
    papers = [paper for path in corpus_files([SAMPLE]) for paper in iter_papers(path)]
    expected = [by_rules(topic, p) for p in papers]
    assert any(expected)
    groups = _compiled(topic).groups
    assert groups is not None
    monkeypatch.setattr(groups, "_sets", (_FailingSet(), _FailingSet()))
    assert groups.find("Reinforcement learning", "Reinforcement learning\nGRPO") is None
    assert [match_topic(topic, p) for p in papers] == expected


def test_sets_that_re2_refuses_leave_every_paper_to_the_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    import re2

    def refuse(self: object, topic: Topic) -> None:
        raise re2.error("pattern too large - compile failed")

    monkeypatch.setattr(topics_module._Groups, "__init__", refuse)
    monkeypatch.setattr(topics_module, "_COMPILED", {})
    topic = TOPICS.get("07")
    assert _compiled(topic).groups is None
    papers = [paper for path in corpus_files([SAMPLE]) for paper in iter_papers(path)]
    assert [match_topic(topic, p) for p in papers] == [by_rules(topic, p) for p in papers]


def test_a_rules_categories_title_group_and_regex_still_decide_in_one_pass(tmp_path: Path) -> None:
    rules = [{"name": "scoped", "all": [["GRPO"]], "categories": ["cs.LG"]},
             {"name": "titled", "all": [["reward"]], "title": ["policy optimization"]},
             {"name": "regexed", "all": [["RL"]], "regex": ["gr[a-z]o\\b"]}]  # fmt: skip
    topic = _topic(tmp_path, rules, [{"name": "not-images", "title": ["image generation"], "all": [["diffusion"]]}])
    abstract = "We train with GRPO and a reward model."

    def paper(title: str, categories: tuple[str, ...] = ("cs.CL",), text: str = abstract) -> Paper:
        return Paper(title=title, authors=("A",), abstract=text, categories=categories)

    cases = {
        paper("A study", ("cs.LG",)): "scoped",
        paper("A study"): None,  # GRPO found, but not in cs.LG; the reward rule needs its title group
        paper("Policy-Optimization for LLMs"): "titled",
        paper("A study", text="RL with a grpo variant"): "regexed",
        paper("A study", text="RL with a GRPO-like method"): "regexed",  # a raw regex ignores case
        paper("A study", text="RL with a grpox variant"): None,
        paper("Image generation", ("cs.LG",), "GRPO for diffusion"): None,  # excluded
    }
    for case, expected in cases.items():
        assert match_topic(topic, case) == expected == by_rules(topic, case), case
