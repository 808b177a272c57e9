"""The raw-line stage of the topic screen (screen.TopicScreen.may_select_line, an RE2 search of a listing's
JSON line before it is decoded): never ruling out a line whose record the decoded screen, or the rules,
would let through, whatever the JSON spelling (escapes, \\u, non-ASCII, field order, the title/abstract
seam); and still ruling out most lines of a real sample.
"""

from __future__ import annotations

import json
import pickle
import random
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digest_publisher.corpus import corpus_files
from digest_publisher.models import Paper, Topic, re2_regex
from digest_publisher.screen import ASCII_FOLDING, TopicScreen, line_regex, topic_screen
from digest_publisher.topics import load_topics, match_topic
from tests.paths import REPO_ROOT

TOPICS = load_topics(REPO_ROOT / "topics.toml")
YEAR_SUBSET = REPO_ROOT / "samples" / "arxiv-year-subset"


def _chosen(screen: TopicScreen | None) -> TopicScreen:
    """The screen past its learning sample (its groups chosen, its line regex compiled)."""
    assert screen is not None
    while not screen.chosen:
        assert screen.may_select_line(b'{"title": "anything"}')  # while it learns, every line goes on
        screen.may_select("unrelated", "words")
    return screen


def _record_lines(record: dict[str, object], rng: random.Random) -> list[bytes]:
    """The record as JSON lines a listing may hold: ASCII-escaped or not, fields in another order."""
    items = list(record.items())
    lines = []
    for ensure_ascii in (True, False):
        rng.shuffle(items)
        lines.append(json.dumps(dict(items), ensure_ascii=ensure_ascii).encode("utf-8", "surrogatepass"))
    return lines


def test_the_letters_that_fold_to_ascii_are_all_listed() -> None:
    """ASCII_FOLDING must hold every character that str.lower or Python's case-insensitive matching turns
    into an ASCII letter or digit: a line with one passes whole, since its raw bytes hide the letter."""
    ascii_word = re.compile("[a-z0-9]", re.IGNORECASE)
    found = []
    for code in range(128, 0x110000):
        if 0xD800 <= code < 0xE000:
            continue
        char = chr(code)
        if any(c.isascii() and c.isalnum() for c in char.lower()) or ascii_word.fullmatch(char):
            found.append(char)
    assert sorted(found) == sorted(ASCII_FOLDING)


KEYWORD = st.sampled_from(["GRPO", "DPO", "RL", "reward", "reinforcement learning", "policy optimization",
                           "post-training", "LLM", "language models", "fine-tuning data", "R1-Zero"])  # fmt: skip
SEPARATOR = st.sampled_from([" ", "  ", "-", " - ", "\n", "\t", "\r", ", ", "/", "\\", '"', "'", "_", "é", "ı", "İ",
                             "ſ", "\u212a", "\u00a0", "\u0301", "\x01", "\ud800", "$\\href{x}{", "}", ""])  # fmt: skip
WORDS = st.sampled_from(["post", "training", "reward", "rl", "Gr", "PO", "policy", "optimization", "llm", "s", "n",
                         "t", "u00e9", "language", "model", "data", "fine", "tuning", "r1", "zero", "x1"])  # fmt: skip
PIECES = st.lists(st.one_of(WORDS, SEPARATOR, KEYWORD), max_size=10).map("".join)


def _topic(tmp_path_factory: pytest.TempPathFactory, rules: list[list[list[str]]], title_group: list[str]) -> Topic:
    path = tmp_path_factory.mktemp("topics") / "topics.toml"
    lines = ['[[topics]]', 'number = "01"', 'name = "T"', 'slug = "t"']
    for index, groups in enumerate(rules):
        lines += ["[[topics.include]]", f'name = "r{index}"', f"all = {json.dumps(groups)}"]
        if title_group and index == 0:
            lines.append(f"title = {json.dumps(title_group)}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return load_topics(path).get("01")


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rules=st.lists(st.lists(st.lists(KEYWORD, min_size=1, max_size=3), min_size=1, max_size=2), min_size=1, max_size=2),
    title_group=st.lists(KEYWORD, max_size=3),
    title=PIECES,
    abstract=PIECES,
    other=PIECES,
    abstract_key=st.sampled_from(["summary", "abstract"]),
    seed=st.integers(0, 1000),
)
def test_the_line_screen_never_rules_out_what_the_decoded_screen_or_the_rules_let_through(
    tmp_path_factory: pytest.TempPathFactory, rules: list[list[list[str]]], title_group: list[str], title: str,
    abstract: str, other: str, abstract_key: str, seed: int,
) -> None:
    topic = _topic(tmp_path_factory, rules, title_group)
    screen = _chosen(topic_screen(topic, sample=0))
    title = title.strip() or "t"
    record: dict[str, object] = {"id": "2605.00001", "title": title, abstract_key: abstract, "comments": other,
                                 "authors": ["A B"]}
    paper = Paper(title=title, authors=("A B",), abstract=abstract.strip())
    through = screen.may_select(title, abstract) or match_topic(topic, paper) is not None
    for line in _record_lines(record, random.Random(seed)):
        if through:
            assert screen.may_select_line(line), (line, rules, title_group)


def test_a_keyword_across_the_title_and_the_abstract_passes_in_any_field_order() -> None:
    """"Reinforcement" ends the title and "learning" starts the abstract: one keyword of the decoded text
    (title + newline + abstract), two strings of the line with other fields between."""
    regex = re2_regex(line_regex({(b"reinforcement", b"learning")}))
    assert regex is not None
    for fields in (
        {"title": "Scaling Reinforcement", "authors": ["A"], "summary": " Learning to reason."},
        {"summary": "\nlearning to reason", "id": "2605.1", "title": "Deep reinforcement"},
        {"title": "Deep reinforcement", "summary": "\u00e9 learning"},  # \u: the line passes whole
    ):
        line = json.dumps(fields).encode()
        assert regex.search(line), line
    # ...but a string that does not START with the keyword's rest is not enough:
    line = json.dumps({"title": "Scaling reinforcement", "summary": "Machine learning."}).encode()
    assert not regex.search(line)


@pytest.mark.parametrize("number", ["07", "03", "12"])
def test_on_a_real_sample_the_line_screen_rules_out_most_lines_and_none_the_rules_select(number: str) -> None:
    topic = TOPICS.get(number)
    screen = _chosen(topic_screen(topic, sample=16))
    lines = [line for path in corpus_files([YEAR_SUBSET]) for line in path.read_bytes().splitlines() if line.strip()]
    passed = [line for line in lines if screen.may_select_line(line)]
    for line in lines:
        record = json.loads(line)
        paper = Paper(title=record["title"], authors=(), abstract=record.get("summary") or "")
        if match_topic(topic, paper) is not None or screen.may_select(paper.title, paper.abstract):
            assert line in passed, record["id"]
    assert len(passed) < 0.8 * len(lines)  # the subset is rich in candidates; on the real year about 1 in 6


def test_the_screen_crosses_to_a_reader_process_with_its_line_regex() -> None:
    screen = _chosen(topic_screen(TOPICS.get("07"), sample=0))
    copy = pickle.loads(pickle.dumps(screen))  # noqa: S301 (our own object: how a Pool hands it to a reader)
    for line in (b'{"title": "GRPO for LLMs"}', b'{"title": "Crystal growth"}'):
        assert copy.may_select_line(line) == screen.may_select_line(line)
    assert copy.may_select_line(b'{"title": "GRPO for LLMs"}') and not copy.may_select_line(b'{"title": "Crystals"}')
