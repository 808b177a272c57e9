"""`corpus select` over a year of listings (issue 17): the fast path selects what it selected before, reads
lines exactly as json.loads does, and loads only what selecting needs.

The pinned selections (tests/data/selection/topicNN-year-subset.tsv, topics 07, 03 and 12) were written by
`corpus select` before the scan was sped up (07 before the first speed-up, 03 and 12 before the second);
on the real year (61,172 papers) the -o files of all twelve topics were byte-identical before and after.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from digest_publisher.cli import cli
from digest_publisher.corpus import iter_papers
from digest_publisher.errors import CorpusError
from tests.paths import REPO_ROOT, SAMPLE_YEAR

PINNED = REPO_ROOT / "tests" / "data" / "selection"
# topic -> how many papers of the subset's 775 records it selects (the others must stay out)
PINNED_COUNTS = {"07": 464, "03": 134, "12": 144}


def _pinned(topic: str) -> list[tuple[str, str]]:
    lines = (PINNED / f"topic{topic}-year-subset.tsv").read_text(encoding="utf-8").splitlines()
    return [(row.split("\t")[0], row.split("\t")[1]) for row in lines if row and not row.startswith("#")]


@pytest.mark.parametrize("topic", sorted(PINNED_COUNTS))
def test_corpus_select_keeps_the_pinned_selection_of_the_year_subset(tmp_path: Path, topic: str) -> None:
    out = tmp_path / "selected.jsonl"
    result = CliRunner().invoke(cli, ["corpus", "select", str(SAMPLE_YEAR), "--topic", topic, "-o", str(out),
                                      "--topics", str(REPO_ROOT / "topics.toml")])  # fmt: skip
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(row["id"], row["matched_rule"]) for row in rows] == _pinned(topic)
    assert len(rows) == PINNED_COUNTS[topic]


# Lines json.loads accepts or refuses in ways a shortcut could get wrong: a BOM, leading blanks, a NUL after
# "{", NaN, a lone surrogate, bytes that are not UTF-8, a duplicated key, trailing garbage or whitespace,
# not an object.
TRICKY = [
    b'{"id": "2605.00001", "title": "A", "summary": "x"}\n',
    b'\xef\xbb\xbf{"id": "2605.00001", "title": "A", "summary": "x"}\n',
    b'  {"id": "2605.00001", "title": "A", "summary": "x"}\n',
    b'{"id": "2605.00001", "title": "A", "summary": "x", "score": NaN}\n',
    b'{"id": "2605.00001", "title": "A \\ud800", "summary": "x"}\n',
    b'{"id": "2605.00001", "title": "A", "title": "B", "summary": "x"}\n',
    b'{"id": "2605.00001", "title": "caf\xe9", "summary": "x"}\n',
    b'{"id": "2605.00001", "title": "A", "summary": "x"} extra\n',
    b'{"id": "2605.00001", "title": "A", "summary": "x"\n',
    b'{\x00"id": "2605.00001"}\n',
    b'["not", "an", "object"]\n',
    b'{"id": "2605.00001", "title": "A\n',
    # what may follow the object: JSON whitespace only (a vertical tab is not), and no second value
    b'{"id": "2605.00001", "title": "A", "summary": "x"} \t\r\n',
    b'{"id": "2605.00001", "title": "A", "summary": "x"}\x0b\n',
    b'{"id": "2605.00001", "title": "A", "summary": "x"}{"id": "2605.00002"}\n',
]


def _as_json_loads_reads_it(raw: bytes) -> str:
    """What the reader said before the shortcut: json.loads of the line, the corpus's words for a failure."""
    try:
        record = json.loads(raw)
    except UnicodeDecodeError:
        return "line is not valid UTF-8"
    except json.JSONDecodeError as exc:
        return exc.msg
    if not isinstance(record, dict):
        return "expected a JSON object"
    return f"title {record['title']!r}"


@pytest.mark.parametrize("raw", TRICKY, ids=range(len(TRICKY)))
def test_a_listing_line_is_read_as_json_loads_reads_it(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "2026-05-18.jsonl"
    path.write_bytes(raw)
    expected = _as_json_loads_reads_it(raw)
    try:
        papers = list(iter_papers(path, "listing"))
    except CorpusError as exc:
        assert not expected.startswith("title "), f"refused a line json.loads reads: {exc}"
        assert expected in str(exc) and ":1:" in str(exc)
        return
    assert expected.startswith("title "), f"accepted a line json.loads refuses ({expected})"
    assert [f"title {p.title!r}" for p in papers] == [expected]


# Imported by `corpus select`: none of the stages after selection, no network or other formats' readers.
NOT_FOR_SELECTING = ("digest_publisher.drafting", "digest_publisher.claude", "digest_publisher.render",
                     "digest_publisher.wordpress.client", "digest_publisher.curation", "digest_publisher.publishing",
                     "digest_publisher.corpus.fetch", "digest_publisher.corpus.bibtex", "digest_publisher.corpus.atom",
                     "digest_publisher.corpus.snapshot", "anthropic", "requests", "tenacity", "bibtexparser",
                     "pylatexenc", "markdown_it", "PIL")  # fmt: skip


def test_corpus_select_imports_only_what_selecting_needs(tmp_path: Path) -> None:
    code = (
        "import sys\nfrom digest_publisher.cli import main\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit as exc:\n    assert not exc.code, exc.code\n"
        "print(sorted(sys.modules))"
    )
    args = ["corpus", "select", str(SAMPLE_YEAR), "--topic", "07", "-o", str(tmp_path / "out.jsonl")]
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True,
                          cwd=REPO_ROOT, env={"DIGEST_NO_DOTENV": "1", "PATH": "/usr/bin:/bin"})  # fmt: skip
    loaded = ast.literal_eval(done.stdout.strip().splitlines()[-1])
    assert "digest_publisher.corpus.jsonl" in loaded and "digest_publisher.selection" in loaded  # it did select
    assert [m for m in loaded if m.startswith(NOT_FOR_SELECTING)] == []
