"""topics.toml: parsing, validation (all problems at once), lookup by number or slug, rule matching."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest_publisher.errors import ConfigError
from digest_publisher.models import Paper, PostKind
from digest_publisher.topics import keyword_pattern, load_topics, match_topic
from tests.paths import REPO_ROOT

ROOT = Path(__file__).resolve().parents[2]


def paper(title: str, abstract: str = "", categories: tuple[str, ...] = ("cs.CL",)) -> Paper:
    return Paper(title=title, authors=("A. Author",), abstract=abstract, categories=categories)


def test_shipped_topics_load_and_resolve_by_number_or_slug() -> None:
    topics = load_topics(ROOT / "topics.toml")
    assert len(topics.topics) >= 3
    rl = topics.get("07")
    assert rl is topics.get("rl-post-training") is topics.get("7") is topics.get("07 - RL & Post-Training")
    assert rl.label == "07 - RL & Post-Training"
    assert rl.category_slug == "topic-07"
    assert rl.kind is PostKind.BACKFILL
    # No pinned window: a backfill covers the 12 months ending at the corpus's newest listing (issue 17).
    assert rl.window_from is None and rl.window_to is None
    assert rl.pins == () and rl.exclude_ids == ()


def test_window_pins_and_excludes_are_read(tmp_path: Path) -> None:
    path = tmp_path / "topics.toml"
    path.write_text(
        """
[[topics]]
number = "01"
name = "X"
slug = "x"
window = { from = "2025-06-01", to = "2025-08-31" }
pin = ["2506.00001", "2507.00002"]
exclude_ids = ["2508.00003"]
[[topics.include]]
name = "r"
any = ["x"]
""",
        encoding="utf-8",
    )
    topic = load_topics(path).get("01")
    assert (str(topic.window_from), str(topic.window_to)) == ("2025-06-01", "2025-08-31")
    assert topic.pins == ("2506.00001", "2507.00002") and topic.exclude_ids == ("2508.00003",)
    path.write_text(path.read_text(encoding="utf-8").replace('pin = ["2506.00001", "2507.00002"]', "pin = 7"),
                    encoding="utf-8")
    with pytest.raises(ConfigError, match=r"topic 01\.pin must be a list of non-empty strings"):
        load_topics(path)


def test_unknown_topic_names_the_known_ones() -> None:
    topics = load_topics(ROOT / "topics.toml")
    with pytest.raises(ConfigError) as err:
        topics.get("99")
    assert "unknown topic '99'" in str(err.value)
    assert "07 (rl-post-training)" in str(err.value)


def test_rl_topic_rules() -> None:
    rl = load_topics(ROOT / "topics.toml").get("07")
    assert match_topic(rl, paper("GRPO for LLM reasoning", "We train language models.")) == "method-in-title"
    assert (
        match_topic(rl, paper("A new method", "We apply DPO to large language models and gain 3 points."))
        == "post-training-method"
    )
    # RL without language models, quantization and image generation are other topics.
    assert match_topic(rl, paper("Reinforcement learning for quadruped locomotion", "A robot policy.")) is None
    assert match_topic(rl, paper("Post-training quantization of LLMs", "We study PTQ for LLMs with RLHF.")) is None
    assert match_topic(rl, paper("Flow-GRPO for diffusion models", "Text-to-image with LLM prompts.")) is None


def test_keyword_pattern_word_boundaries_and_hyphens() -> None:
    pattern = keyword_pattern(["RL", "post training", "C++"])
    assert pattern.search("we use rl here")
    assert pattern.search("Post-Training matters")
    assert not pattern.search("world model")  # 'rl' inside a word
    assert pattern.search("written in C++.")


def _plain_alternation(keywords: list[str]) -> re.Pattern[str]:
    """The pattern keyword groups compiled to before shared first words were factored out."""
    parts = []
    for word in sorted(set(keywords), key=len, reverse=True):
        escaped = re.escape(word).replace(r"\ ", r"[\s\-]+")
        parts.append(("\\b" if word[:1].isalnum() else "") + escaped + ("\\b" if word[-1:].isalnum() else ""))
    return re.compile("|".join(parts), re.IGNORECASE)


_TOKENS = ["RL", "rl", "reinforcement", "learning", "fine-tuning", "post", "training", "C++", "model", "LLM", "s"]


@settings(max_examples=300, deadline=None)
@given(
    keywords=st.lists(st.lists(st.sampled_from(_TOKENS), min_size=1, max_size=3).map(" ".join), min_size=1, max_size=8),
    text=st.lists(st.sampled_from([*_TOKENS, " ", "-", "\n", "x", ".", "world"]), max_size=14).map("".join),
)
def test_factored_keyword_pattern_finds_what_the_plain_alternation_finds(keywords: list[str], text: str) -> None:
    assert (keyword_pattern(keywords).search(text) is None) == (_plain_alternation(keywords).search(text) is None)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    bad = tmp_path / "topics.toml"
    bad.write_text(
        """
[[topics]]
number = "01"
name = "X"
slug = "x"
kind = "weekly"
window = { from = "yesterday" }
[[topics.include]]
name = "r"
regex = ["(unclosed"]
colour = "red"

[[topics]]
number = "01"
slug = "y"
""",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as err:
        load_topics(bad)
    text = str(err.value)
    for expected in ("kind 'weekly' is unknown", "'yesterday' is not a date", "not a valid regex",
                     "unknown key(s) colour", "topic 01 lacks name"):
        assert expected in text, expected


def test_missing_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no topics file"):
        load_topics(tmp_path / "nope.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[[topics]\nnumber = ", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_topics(broken)


def test_a_topics_file_is_parsed_again_only_when_its_text_changed(tmp_path: Path) -> None:
    """status and republish ask for every post's topic: the same text is parsed once; an edit of the same
    size, even within the file system's timestamp granularity, is seen."""
    path = tmp_path / "topics.toml"
    text = (REPO_ROOT / "topics.toml").read_text(encoding="utf-8")
    path.write_text(text, encoding="utf-8")
    first = load_topics(path)
    assert load_topics(path) is first
    label = first.get("07").name
    path.write_text(text.replace(f'name = "{label}"', f'name = "{label[::-1]}"', 1), encoding="utf-8")
    again = load_topics(path)
    assert again is not first and again.get("07").name == label[::-1]
