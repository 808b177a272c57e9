"""Bad input: every error names the file, the line (or record) and what is wrong, and says what to do."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from digest_publisher.corpus import corpus_files, detect_format, iter_papers
from digest_publisher.errors import CorpusError, DigestError

DATA = Path(__file__).parent / "data"


def error_of(path: Path, fmt: str | None = None) -> CorpusError:
    with pytest.raises(CorpusError) as caught:
        list(iter_papers(path, fmt))
    assert isinstance(caught.value, DigestError)
    assert caught.value.hint, "every corpus error says what to do next"
    return caught.value


def record(**fields: object) -> str:
    base: dict[str, object] = {"id": "2605.18529", "title": "A title", "authors": ["A"], "summary": "s"}
    base.update(fields)
    return json.dumps({k: v for k, v in base.items() if v is not ...}, ensure_ascii=False)


# ---------------------------------------------------------------------------------- malformed JSON


def test_malformed_json_line_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "week.jsonl"
    path.write_text(
        record() + "\n" + record() + '\n{"id": "2605.18529", "title": "unterminated', encoding="utf-8"
    )
    error = error_of(path)
    assert error.message == f"{path}:3: malformed JSON: Unterminated string starting at column 31"
    assert "one JSON object" in str(error)


def test_json_line_that_is_not_an_object(tmp_path: Path) -> None:
    path = tmp_path / "week.jsonl"
    path.write_text(record() + "\n[1, 2]\n", encoding="utf-8")
    assert error_of(path).message == f"{path}:2: expected a JSON object, got a JSON list"


def test_invalid_utf8_line(tmp_path: Path) -> None:
    path = tmp_path / "week.jsonl"
    path.write_bytes(record().encode() + b"\n" + b'{"title": "caf\xe9"}\n')
    assert error_of(path).message == f"{path}:2: line is not valid UTF-8"


def test_malformed_json_array_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "papers.json"
    path.write_text("[\n  " + record() + ',\n  {"title": oops}\n]\n', encoding="utf-8")
    error = error_of(path)
    assert error.message == f"{path}:3: malformed JSON: Expecting value at column 13"


def test_json_file_that_is_not_an_array(tmp_path: Path) -> None:
    path = tmp_path / "papers.json"
    path.write_text('\n\n"just a string"\n', encoding="utf-8")
    assert error_of(path).message == f"{path}:3: expected a JSON array of paper records ('[' ...)"


# ---------------------------------------------------------------------------------- missing title


@pytest.mark.parametrize("title", [..., None, "", "   "])
def test_missing_title_in_listing(tmp_path: Path, title: object) -> None:
    path = tmp_path / "2026-05-19.jsonl"
    path.write_text(record() + "\n" + record(title=title) + "\n", encoding="utf-8")
    assert error_of(path).message == f"{path}:2: record has no title"


def test_missing_title_in_json_array(tmp_path: Path) -> None:
    path = tmp_path / "papers.json"
    path.write_text("[\n" + record() + ",\n\n" + record(title=...) + "\n]", encoding="utf-8")
    assert error_of(path).message == f"{path}:4: record has no title"


def test_missing_title_in_snapshot(tmp_path: Path) -> None:
    path = tmp_path / "snapshot.jsonl"
    lines = (DATA / "snapshot.jsonl").read_text(encoding="utf-8").splitlines()
    broken = json.loads(lines[1])
    del broken["title"]
    path.write_text("\n".join([lines[0], json.dumps(broken)]) + "\n", encoding="utf-8")
    assert error_of(path).message == f"{path}:2: record has no title"


def test_missing_title_in_csv(tmp_path: Path) -> None:
    path = tmp_path / "papers.csv"
    path.write_text('title,authors,abstract\nOne,A,"x\ny"\n,B,no title here\n', encoding="utf-8")
    assert error_of(path).message == f"{path}:4: row has no title"


def test_missing_title_in_bibtex(tmp_path: Path) -> None:
    path = tmp_path / "refs.bib"
    path.write_text(
        "@misc{ok, title={Fine}}\n\n@article{notitle,\n  author = {Doe, Jane}\n}\n", encoding="utf-8"
    )
    assert error_of(path).message == f"{path}:3: entry 'notitle' has no title"


def test_missing_title_in_atom(tmp_path: Path) -> None:
    path = tmp_path / "feed.xml"
    text = (DATA / "atom" / "page-0.xml").read_text(encoding="utf-8")
    start = text.index("<title>", text.index("<entry>"))
    end = text.index("</title>", start) + len("</title>")
    path.write_text(text[:start] + "<title>  </title>" + text[end:], encoding="utf-8")
    assert error_of(path).message == f"{path}:10: entry has no <title>"


# ---------------------------------------------------------------------------------- wrong field types


@pytest.mark.parametrize(
    ("fields", "what"),
    [
        ({"authors": 5}, "authors must be a list of strings or one string, got 5"),
        ({"id": "not-an-id"}, "id 'not-an-id' is not an arXiv id (e.g. 2605.18529 or hep-th/9901001v2)"),
        ({"date": "19/05/2026"}, "date '19/05/2026' is not an ISO date (YYYY-MM-DD)"),
        ({"summary": ["a"]}, "summary must be a string, got list"),
    ],
)
def test_bad_field_values(tmp_path: Path, fields: dict[str, object], what: str) -> None:
    path = tmp_path / "listing.jsonl"
    path.write_text(record(**fields) + "\n", encoding="utf-8")
    assert error_of(path).message == f"{path}:1: {what}"


def test_bad_snapshot_version_date(tmp_path: Path) -> None:
    path = tmp_path / "snapshot.jsonl"
    item = json.loads((DATA / "snapshot.jsonl").read_text(encoding="utf-8").splitlines()[0])
    item["versions"][0]["created"] = "yesterday"
    path.write_text(json.dumps(item) + "\n", encoding="utf-8")
    assert error_of(path).message == f"{path}:1: v1 date 'yesterday' is not an RFC 2822 date"


# ---------------------------------------------------------------------------------- CSV


def test_csv_without_header(tmp_path: Path) -> None:
    path = tmp_path / "papers.csv"
    path.write_text("Attention Is All You Need,Vaswani,We propose the Transformer\n", encoding="utf-8")
    error = error_of(path)
    assert error.message.startswith(f"{path}:1: CSV has no header row (the first row is 'Attention Is All")
    assert "a header must name a 'title' column" in error.message
    assert error.hint is not None and "title,authors,abstract" in error.hint


def test_csv_row_with_extra_fields(tmp_path: Path) -> None:
    path = tmp_path / "papers.csv"
    path.write_text("title,authors\nOne,A\nTwo, with a comma,B\n", encoding="utf-8")
    assert error_of(path).message == f"{path}:3: row has 3 fields but the header has 2"


def test_csv_unterminated_quote(tmp_path: Path) -> None:
    path = tmp_path / "papers.csv"
    path.write_text('title,abstract\nOne,"never closed\nstill going\n', encoding="utf-8")
    assert error_of(path).message.startswith(f"{path}:2: malformed CSV: unexpected end of data")


# ---------------------------------------------------------------------------------- BibTeX / Atom syntax


def test_bibtex_syntax_error_names_the_entry_line(tmp_path: Path) -> None:
    path = tmp_path / "refs.bib"
    path.write_text("@misc{ok, title={Fine}}\n\n@article{broken,\n  title = {Unclosed\n", encoding="utf-8")
    error = error_of(path)
    assert error.message.startswith(f"{path}:3: BibTeX entry '@article{{broken,' could not be parsed")
    assert "end of file" in error.message


def test_bibtex_repeated_field(tmp_path: Path) -> None:
    path = tmp_path / "refs.bib"
    path.write_text("@misc{twice,\n  title = {A},\n  title = {B}\n}\n", encoding="utf-8")
    assert error_of(path).message == f"{path}:1: BibTeX entry repeats the field(s) title"


def test_atom_that_is_not_xml(tmp_path: Path) -> None:
    path = tmp_path / "feed.xml"
    path.write_text('<?xml version="1.0"?>\n<feed>\n  <entry>\n</feed>\n', encoding="utf-8")
    assert error_of(path).message.startswith(f"{path}:4: not well-formed XML: mismatched tag")


def test_atom_that_is_not_a_feed(tmp_path: Path) -> None:
    path = tmp_path / "page.xml"
    path.write_text("<html><body>Rate limited</body></html>", encoding="utf-8")
    error = error_of(path)
    assert error.message == f"{path}:1: not an Atom feed: the root element is <html>, expected <feed>"


def test_atom_api_error_feed() -> None:
    path = DATA / "atom" / "error.xml"
    error = error_of(path)
    assert error.message == f"{path}:1: the feed is an arXiv API error: max_results must be non-negative"


# ---------------------------------------------------------------------------------- unknown format


def test_unknown_format_by_content(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("Some notes about papers I liked.\nNothing structured here.\n", encoding="utf-8")
    with pytest.raises(CorpusError) as caught:
        detect_format(path)
    assert caught.value.message == (
        f"{path}: unknown corpus format (extension '.txt', and the content is not JSON, JSON Lines, "
        "CSV with a header, BibTeX or an Atom feed)"
    )
    assert caught.value.hint == "Pass --format with one of: listing, json, csv, bibtex, atom, snapshot"
    # iter_papers detects the same way
    assert error_of(path).message == caught.value.message


def test_unknown_format_name() -> None:
    with pytest.raises(CorpusError) as caught:
        iter_papers(DATA / "papers.csv", "xlsx")
    assert caught.value.message == f"{DATA / 'papers.csv'}: unknown corpus format 'xlsx'"
    assert "listing, json, csv, bibtex, atom, snapshot" in str(caught.value)


# ---------------------------------------------------------------------------------- unreadable files


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.jsonl"
    assert error_of(path).message == f"corpus file not found: {path}"
    with pytest.raises(CorpusError, match="corpus file not found"):
        detect_format(tmp_path / "nope.data")


def test_directory_instead_of_file(tmp_path: Path) -> None:
    folder = tmp_path / "week.jsonl"
    folder.mkdir()
    error = error_of(folder)
    assert error.message == f"{folder} is a directory, not a corpus file"
    assert error.hint == f"Pass the files inside it, e.g. {folder}/*.jsonl"
    for fmt in ("csv", "bibtex", "atom", "json", "snapshot"):
        assert error_of(folder, fmt).message == f"{folder} is a directory, not a corpus file"


@pytest.fixture
def unreadable_file() -> Iterator[Path]:
    # Not under tmp_path: an unprivileged reader must be able to reach the folder, just not the file.
    folder = Path(tempfile.mkdtemp(prefix="digest-corpus-"))
    folder.chmod(0o755)
    path = folder / "secret.jsonl"
    path.write_text(record() + "\n", encoding="utf-8")
    path.chmod(0o000)
    try:
        yield path
    finally:
        shutil.rmtree(folder)


def _read_as_nobody(path: Path) -> str:
    """Read ``path`` in a forked child that dropped root privileges (root reads any file)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: never returns into pytest
        os.close(read_end)
        message = "no error"
        try:
            os.setgid(65534)
            os.setuid(65534)
            list(iter_papers(path))
        except CorpusError as exc:
            message = str(exc)
        except BaseException as exc:  # report anything to the parent instead of dying silently
            message = f"unexpected {type(exc).__name__}: {exc}"
        os.write(write_end, message.encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    return data.decode()


def test_permission_denied(unreadable_file: Path) -> None:
    expected = (
        f"cannot read corpus file {unreadable_file}: permission denied. "
        "Check the file's permissions (chmod +r) or run as a user who can read it"
    )
    if os.geteuid() == 0:
        assert _read_as_nobody(unreadable_file) == expected
    else:
        assert str(error_of(unreadable_file)) == expected


def test_folder_without_corpus_files(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("nothing here", encoding="utf-8")
    with pytest.raises(CorpusError) as caught:
        corpus_files([tmp_path])
    assert caught.value.message == f"{tmp_path} is a folder with no corpus files in it"
