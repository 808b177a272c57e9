"""Corpus records a hostile contributor controls: links built from ids, sizes capped, ids kept (issue 20)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from digest_publisher.corpus import iter_papers
from digest_publisher.errors import CorpusError, PostSourceError
from digest_publisher.models import MAX_PAPER_ABSTRACT_CHARS, Paper
from digest_publisher.records import load_papers
from digest_publisher.render import find_residue, render_post
from tests.render.conftest import BRIEF, NOW, load_fixture

EVIL = "https://evil.example/?arxiv.org/abs/2605.18529"


def _listing(tmp_path: Path, *records: dict[str, object]) -> Path:
    path = tmp_path / "listing-2026-05-18.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _record(**fields: object) -> dict[str, object]:
    return {"id": "2605.18529", "title": "A paper", "authors": ["A. Author"], "abstract": "Text.", **fields}


def test_a_citation_links_to_arxiv_whatever_the_record_says(tmp_path: Path) -> None:
    """Every citation of the paper linked to evil.example before issue 20."""
    (paper,) = iter_papers(_listing(tmp_path, _record(abs=EVIL)))
    assert paper.url == "https://arxiv.org/abs/2605.18529"
    (no_id,) = iter_papers(_listing(tmp_path, _record(id=None, abs=EVIL)))
    assert no_id.arxiv_id is None  # the id is never taken from a URL that is not arXiv's
    doi = Paper(title="T", authors=(), abstract="", doi="10.1000/x y", abs_url=EVIL)
    assert doi.url == "https://doi.org/10.1000/x%20y"
    assert Paper(title="T", authors=(), abstract="", abs_url=EVIL).url is None


def test_a_rendered_post_never_links_to_the_records_url(posts_dir: Path) -> None:
    papers = posts_dir / BRIEF / "papers.json"
    data = json.loads(papers.read_text(encoding="utf-8"))
    for item in data:
        item["abs"] = EVIL
    papers.write_text(json.dumps(data), encoding="utf-8")
    content = render_post(load_fixture(posts_dir, BRIEF), now=NOW).content
    assert "evil.example" not in content and 'href="https://arxiv.org/abs/' in content


@pytest.mark.parametrize("bad", [0, "0", 2605.18529])
def test_an_id_of_zero_is_an_error_not_no_id(tmp_path: Path, bad: object) -> None:
    """An id of 0 silently meant "no id" before issue 20."""
    with pytest.raises(CorpusError, match=r"listing-2026-05-18.jsonl:1: id"):
        list(iter_papers(_listing(tmp_path, _record(id=bad))))
    folder = tmp_path / "post"
    folder.mkdir()
    (folder / "papers.json").write_text(json.dumps([{"id": 0, "title": "T"}]), encoding="utf-8")
    if bad == 0:
        with pytest.raises(PostSourceError, match="paper #1 is malformed"):
            load_papers(folder / "papers.json")


def test_an_oversized_record_is_refused_with_file_and_line(tmp_path: Path) -> None:
    """A 50 MB abstract took the built-in drafter 283 s and 1.28 GB before issue 20."""
    fine = _record(id="2605.00001")
    huge = _record(abstract="word " * (MAX_PAPER_ABSTRACT_CHARS // 4))
    with pytest.raises(CorpusError, match=r"jsonl:2: record refused: abstract has [\d,]+ characters, over the 20,000"):
        list(iter_papers(_listing(tmp_path, fine, huge)))
    with pytest.raises(CorpusError, match=r"jsonl:1: record refused: its line has [\d,]+ bytes"):
        list(iter_papers(_listing(tmp_path, _record(abstract="x" * 5_000_000))))
    at_limit = _record(abstract="x" * MAX_PAPER_ABSTRACT_CHARS)
    assert len(next(iter(iter_papers(_listing(tmp_path, at_limit)))).abstract) == MAX_PAPER_ABSTRACT_CHARS


def test_the_residue_check_after_publishing_passes_a_markdown_looking_title(posts_dir: Path) -> None:
    """A paper title with **Bold** passed render, was published, then failed the check of the published
    post on every run (exit 1 forever, the post live) before issue 20: the same check, on the content as
    sent and as WordPress shows it (entities and curly quotes), without the render's exemption list."""
    papers = posts_dir / BRIEF / "papers.json"
    data = json.loads(papers.read_text(encoding="utf-8"))
    data[0]["title"] = 'AMR-SD: **Bold** "claims" and [links](x) -- a title'
    data[0]["authors"] = ["A. **Star** Author"]
    papers.write_text(json.dumps(data), encoding="utf-8")
    content = render_post(load_fixture(posts_dir, BRIEF), now=NOW).content
    texturized = content.replace('"claims"', "&#8220;claims&#8221;").replace(" -- ", " &#8212; ")
    assert find_residue(content) == []
    assert find_residue(texturized) == []
    # and the writer's own unconverted Markdown still fails the same check
    assert find_residue(content.replace("</p>", " **loose</p>", 1)) != []
