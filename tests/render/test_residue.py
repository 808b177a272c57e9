"""The residue check: literal Markdown, empty sections and unresolved citations fail loudly, all listed."""

from __future__ import annotations

import json

import pytest

from digest_publisher.errors import ResidueError
from digest_publisher.render import check_residue, find_residue, markdown_to_blocks, markdown_to_classic
from tests.paths import SEED_000


def test_clean_content_passes() -> None:
    check_residue(markdown_to_blocks("## A\n\ntext **bold**\n\n---\n\n> q\n\n## B\n\nmore"))


def test_every_problem_is_listed_at_once() -> None:
    html = (
        "<p>**bold** left</p><p>&gt; quoted</p><p># heading</p><p>&#8212;</p><p>---</p>"
        "<p>see [the paper](https://arxiv.org/abs/1)</p><h2>Empty</h2><h2>Next</h2><p>[@2605.99999]</p>"
    )
    with pytest.raises(ResidueError) as caught:
        check_residue(html, "posts/x/post.md")
    problems = caught.value.problems
    text = " | ".join(problems)
    assert len(problems) == 8, problems
    for needle in ("'**'", "literal '>'", "starts with '#'", "Markdown link left", "unresolved citation",
                   "'Empty' (h2) is followed directly by the heading 'Next'"):  # fmt: skip
        assert needle in text
    assert sum("rule or dash" in p for p in problems) == 2
    assert str(caught.value).startswith("posts/x/post.md: rendered content has 8 problem(s)")


def test_code_may_hold_markdown_characters() -> None:
    check_residue(markdown_to_blocks("`**not bold**` and\n\n```\n> quoted\n# comment\n[a](b)\n```\n\nok"))


def test_heading_followed_by_a_subsection_is_not_empty_but_the_last_empty_one_is() -> None:
    assert find_residue("<h2>A</h2><h3>B</h3><p>x</p><h2>C</h2>") == [
        "empty section: heading 'C' (h2) is followed directly by the end of the post"
    ]
    assert find_residue("<h2>A</h2><h3>B</h3><h2>C</h2><p>x</p>") == [
        "empty section: heading 'B' (h3) is followed directly by the heading 'C'"
    ]


def test_empty_section_in_markdown_is_an_error_in_both_formats() -> None:
    md = "## Notable Papers to Read First\n\n## What Is New in This Window\n\nSomething."
    for convert in (markdown_to_blocks, markdown_to_classic):
        problems = find_residue(convert(md))
        assert problems == [
            "empty section: heading 'Notable Papers to Read First' (h2) is followed directly by the heading "
            "'What Is New in This Window'"
        ]


def test_the_old_systems_published_post_is_caught() -> None:
    seed = json.loads(SEED_000.read_text(encoding="utf-8"))
    problems = find_residue(seed["content"]["rendered"])
    dashes = [p for p in problems if "rule or dash" in p]
    quotes = [p for p in problems if "literal '>'" in p]
    assert len(dashes) == 8  # the eight <p>&#8212;</p> of seed 000
    assert len(quotes) == 3  # its three "> **Key implication:**"-style lines
