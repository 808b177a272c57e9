"""The topic screen (screen.TopicScreen) and the skimmed scan: the same selection as building every Paper.

The samples are the repository's own (samples/arxiv-week-2026-05-18, samples/arxiv-year-subset); the
straightforward path reads every Paper (corpus.iter_papers) and asks match_topic of each.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digest_publisher.corpus import corpus_files, iter_papers
from digest_publisher.errors import CorpusError, EmptySelectionError
from digest_publisher.models import Paper, Topic, _lowered_search, re2_regex, word_buffer
from digest_publisher.screen import topic_screen
from digest_publisher.selection import is_better, select_corpus
from digest_publisher.topics import keyword_matcher, load_topics, match_topic
from tests.paths import REPO_ROOT

TOPICS = load_topics(REPO_ROOT / "topics.toml")
SAMPLES = [REPO_ROOT / "samples" / "arxiv-week-2026-05-18", REPO_ROOT / "samples" / "arxiv-year-subset"]


def straightforward(folder: Path, topic: Topic) -> tuple[int, int, dict[str, str]]:
    """Records, unique papers, and key -> rule of the selected papers, one Paper at a time."""
    records, seen = 0, set()
    kept: dict[str, tuple[Paper, str]] = {}
    for path in corpus_files([folder]):
        for paper in iter_papers(path):
            records += 1
            seen.add(paper.key)
            rule = match_topic(topic, paper)
            if rule is None:
                continue
            old = kept.get(paper.key)
            if old is None or is_better(paper, old[0]):
                kept[paper.key] = (paper, rule)
    return records, len(seen), {key: rule for key, (_, rule) in kept.items()}


@pytest.mark.parametrize("folder", SAMPLES, ids=lambda p: p.name)
@pytest.mark.parametrize("topic", list(TOPICS), ids=lambda t: t.number)
def test_the_screened_scan_selects_what_every_paper_selects(folder: Path, topic: Topic) -> None:
    records, unique, expected = straightforward(folder, topic)
    # The bundled week is mostly topic 07's papers: a catalogue topic may select none of it, but then it
    # selects some of the other sample, or the comparison would prove little for it.
    assert expected or any(straightforward(other, topic)[2] for other in SAMPLES if other != folder), (
        f"topic {topic.number} selects nothing of the samples: the comparison would prove little"
    )
    assert topic_screen(topic) is not None  # the shipped topics are all screened
    if not expected:  # both paths select nothing: the selection says so, as the CLI does
        for workers in (1, 2):
            with pytest.raises(EmptySelectionError), select_corpus([folder], topic, workers=workers):
                pass
        return
    for workers in (1, 2):
        with select_corpus([folder], topic, workers=workers, parallel_min_bytes=1) as selection:
            assert selection.matched == expected
            assert (selection.records, selection.unique) == (records, unique)
            lines = [json.loads(line) for line in selection.jsonl_lines()]
        assert [line["matched_rule"] for line in lines] == [expected[f"arxiv:{line['id']}"] for line in lines]


def test_the_screen_rules_out_most_of_a_sample_and_none_it_selects() -> None:
    topic = TOPICS.get("07")
    screen = topic_screen(topic, sample=16)
    assert screen is not None
    papers = [p for path in corpus_files([SAMPLES[1]]) for p in iter_papers(path)]
    passed = [p for p in papers if screen.may_select(p.title, p.abstract)]
    assert all(p in passed for p in papers if match_topic(topic, p))
    # The subset is rich in topic 07's candidates (samples/README.md); on the real year 90% are ruled out.
    assert len(passed) < 0.8 * len(papers)


KEYWORD = st.sampled_from(["GRPO", "DPO", "RL", "reward", "reinforcement learning", "policy optimization",
                           "post-training", "LLM", "language models", "fine-tuning data", "SFT"])  # fmt: skip
SEPARATOR = st.sampled_from([" ", "  ", "-", " - ", "\n", "\t", ", ", "/", "_", "é", "ı", "İ", "ſ", "K", "\u00a0", ""])
WORDS = st.sampled_from(["post", "training", "reward", "rl", "Gr", "PO", "policy", "optimization", "llm", "s",
                         "language", "model", "data", "fine", "tuning", "sft", "rlhf", "dpo", "x1"])  # fmt: skip


def _text(parts: list[str]) -> str:
    return "".join(parts)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rules=st.lists(st.lists(st.lists(KEYWORD, min_size=1, max_size=3), min_size=1, max_size=2), min_size=1, max_size=2),
    title_group=st.lists(KEYWORD, max_size=3),
    title=st.lists(st.one_of(WORDS, SEPARATOR, KEYWORD), max_size=8).map(_text),
    abstract=st.lists(st.one_of(WORDS, SEPARATOR, KEYWORD), max_size=20).map(_text),
    sample=st.integers(0, 3),
    learning=st.booleans(),
)
def test_the_screen_never_rules_out_a_paper_the_rules_select(
    tmp_path_factory: pytest.TempPathFactory, rules: list[list[list[str]]], title_group: list[str],
    title: str, abstract: str, sample: int, learning: bool,
) -> None:
    path = tmp_path_factory.mktemp("topics") / "topics.toml"
    include = []
    for index, groups in enumerate(rules):
        rule = {"name": f"r{index}", "all": groups}
        if title_group and index == 0:
            rule["title"] = title_group
        include.append(rule)
    lines = ['[[topics]]', 'number = "01"', 'name = "T"', 'slug = "t"']
    for rule in include:
        lines += ["[[topics.include]]", *(f"{key} = {json.dumps(value)}" for key, value in rule.items())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    topic = load_topics(path).get("01")
    screen = topic_screen(topic, sample=sample)
    assert screen is not None
    # The screen learns from its first texts (each checked against every group of every rule): the paper is
    # judged while it learns (``learning``, when there is a sample) or after it has chosen its groups.
    for _ in range(sample - 1 if learning and sample else sample):
        assert not screen.may_select("unrelated", "words")
    paper = Paper(title=title.strip() or "t", authors=("A",), abstract=abstract.strip())
    if match_topic(topic, paper) is not None:
        assert screen.may_select(paper.title, paper.abstract)


def test_a_topic_with_a_raw_regex_rule_is_not_screened(tmp_path: Path) -> None:
    path = tmp_path / "topics.toml"
    path.write_text('[[topics]]\nnumber = "01"\nname = "T"\nslug = "t"\n[[topics.include]]\nname = "r"\n'
                    'regex = ["gr.po"]\n', encoding="utf-8")  # fmt: skip
    assert topic_screen(load_topics(path).get("01")) is None


def _listing(tmp_path: Path, records: list[dict[str, object]]) -> Path:
    path = tmp_path / "2026-05-18.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_a_skimmed_record_reports_a_bad_id_or_date_as_a_full_read_does(tmp_path: Path) -> None:
    topic = TOPICS.get("07")
    good: dict[str, object] = {"id": "2605.00001", "title": "Crystal growth", "summary": "Minerals.", "authors": ["A"],
            "categories": ["cond-mat"]}  # fmt: skip
    bad_fields: list[tuple[dict[str, object], str]] = [({"id": "nonsense"}, "is not an arXiv id"),
                                                       ({"authors": [1]}, "authors must be")]
    for bad, said in bad_fields:
        path = _listing(tmp_path, [good] * 300 + [{**good, **bad}])  # past the screen's learning sample
        with pytest.raises(CorpusError, match=said) as screened:
            select_corpus([path], topic, workers=1, allow_empty=True)
        with pytest.raises(CorpusError) as plain:
            list(iter_papers(path))
        assert str(screened.value) == str(plain.value)
        assert ":301" in str(screened.value)


def test_skimmed_records_keep_their_dates_for_the_window_and_the_span(tmp_path: Path) -> None:
    topic = TOPICS.get("07")
    other = {"title": "Crystal growth", "summary": "Minerals.", "authors": ["A"], "categories": ["cond-mat"]}
    chosen = {"title": "GRPO for LLMs", "summary": "We train language models with GRPO.", "authors": ["B"],
              "categories": ["cs.CL"]}  # fmt: skip
    records = [{**other, "id": f"2605.{i:05d}"} for i in range(300)] + [{**chosen, "id": "2605.99999"}]
    path = tmp_path / "no-date-in-name.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    with select_corpus([path], topic, workers=1) as selection:
        assert selection.matched == {"arxiv:2605.99999": "method-in-title"}
        assert (selection.records, selection.unique, selection.in_window) == (301, 301, 301)
        assert selection.corpus_from is not None and selection.corpus_from.isoformat() == "2026-05-01"


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.characters(max_codepoint=127), max_size=60))
def test_an_ascii_texts_word_buffer_is_the_general_one(text: str) -> None:
    """word_buffer takes a shortcut for ASCII text (lower-casing inside its translation table); a non-ASCII
    letter at the end sends the same text down the general path (str.lower, UTF-8): its two bytes become two
    spaces, the rest must be equal."""
    assert word_buffer(text + "é")[:-2] == word_buffer(text)
    every = "".join(map(chr, range(128)))
    assert word_buffer(every + "é")[:-2] == word_buffer(every)


ASCII_PIECE = st.sampled_from(["GRPO", "grpo", "Rl", "RL", "rlhf", "LLM", "llms", "Language", "MODEL", "models",
                               "post", "Training", "-", " ", "  ", "\n", "_", "x", "1", "r1", "R1-Zero", "tool-use",
                               ".", "/", "\t", "\x0b", "\x0c", "\r", "\x1c", "\x1f", "\x00", "\x7f", "(",
                               "+"])  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(keywords=st.lists(KEYWORD, min_size=1, max_size=4),
       text=st.lists(ASCII_PIECE, max_size=14).map("".join))  # fmt: skip
def test_a_keyword_groups_lowered_regex_finds_what_its_own_finds_in_ascii_text(keywords: list[str], text: str) -> None:
    """TextMatcher.search runs the group's regex lower-cased and without IGNORECASE on a lower-cased ASCII
    text: it must find a match exactly when the case-insensitive regex does."""
    matcher = keyword_matcher(keywords)
    assert matcher.lowered is not None and matcher.lowered == matcher.lowered.lower()
    assert matcher.search(text) == (matcher.pattern.search(text) is not None)
    assert matcher.search(text.upper()) == (matcher.pattern.search(text.upper()) is not None)


def test_a_lowered_regex_runs_on_re2_and_treats_every_ascii_character_as_pythons_engine_does() -> None:
    """The lowered regex is RE2's (Python's \\s written out as its ASCII class, which RE2 reads alike): between the
    words of a keyword, around it, and on its own, each of the 128 ASCII characters gives Python's answer."""
    matcher = keyword_matcher(["reinforcement learning", "RL", "C++", "post-training"])
    assert matcher.lowered is not None and re2_regex(matcher.lowered.encode("ascii")) is not None
    for code in range(128):
        c = chr(code)
        for text in (f"reinforcement{c}learning", f"x{c}rl{c}x", f"{c}RL{c}", f"c++{c}", f"post{c}training", c):
            assert matcher.search(text) == (matcher.pattern.search(text) is not None), repr(text)


def test_a_regex_that_re2_refuses_runs_on_pythons_engine() -> None:
    assert re2_regex(rb"(a)\1") is None  # a backreference: not RE2's
    assert _lowered_search(r"(a)\1x")("aax") and not _lowered_search(r"(a)\1x")("abx")
