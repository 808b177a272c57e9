"""Several papers cited together read as a list a sentence can carry: "A", "A and B", "A, B and C", each
name linked to its paper (issue 9: "AMR-SD, PAIR, CAVE, Knowledge-to-Verification." read as a dangling list)."""

from __future__ import annotations

import re
from pathlib import Path

from digest_publisher.render import render_post
from digest_publisher.render.citations import Citations

from .conftest import BACKFILL, load_fixture


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def test_one_two_and_three_papers_read_as_a_list(posts_dir: Path) -> None:
    folder = load_fixture(posts_dir, BACKFILL)
    ids = list(folder.papers)[:3]
    citations = Citations(folder.papers)
    names = [citations.name(i) for i in ids]
    one, two, three = (citations.cite(ids[:n]) for n in (1, 2, 3))
    assert one is not None and two is not None and three is not None
    assert _text(one) == names[0]
    assert _text(two) == f"{names[0]} and {names[1]}"
    assert _text(three) == f"{names[0]}, {names[1]} and {names[2]}"
    assert three.count("<a href=") == 3 and all(f"arxiv.org/abs/{i}" in three for i in ids)


def test_a_multi_citation_in_a_post_reads_as_a_list(posts_dir: Path) -> None:
    folder = load_fixture(posts_dir, BACKFILL)
    a, b, c = list(folder.papers)[:3]
    body = f"[@{a}; @{b}] both scale trajectories, a claim three papers share ([@{a}; @{b}; @{c}]).\n"
    post_md = folder.path / "post.md"
    text = post_md.read_text(encoding="utf-8")
    post_md.write_text(text.split("\n---\n", 1)[0] + "\n---\n\n" + body, encoding="utf-8")
    rendered = render_post(load_fixture(posts_dir, BACKFILL))
    names = [Citations(folder.papers).name(i) for i in (a, b, c)]
    shown = _text(rendered.content)
    assert f"{names[0]} and {names[1]} both scale trajectories" in shown
    assert f"({names[0]}, {names[1]} and {names[2]})." in shown
