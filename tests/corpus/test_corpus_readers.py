"""Every reader on real-shaped files: what comes out is the normalised Paper, Unicode untouched."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from digest_publisher.corpus import FORMATS, corpus_files, detect_format, iter_papers
from digest_publisher.models import Paper
from tests.paths import REAL_WEEK as WEEK

DATA = Path(__file__).parent / "data"



def papers(path: Path, fmt: str | None = None) -> list[Paper]:
    return list(iter_papers(path, fmt))


def by_id(items: list[Paper]) -> dict[str | None, Paper]:
    return {paper.arxiv_id: paper for paper in items}


# ---------------------------------------------------------------------------------- detection


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("listing-2026-05-19.jsonl", "listing"),
        ("undated-listing.jsonl", "listing"),
        ("snapshot.jsonl", "snapshot"),
        ("papers.json", "json"),
        ("papers.csv", "csv"),
        ("refs.bib", "bibtex"),
        ("atom/feed.xml", "atom"),
    ],
)
def test_detect_format_by_extension_and_first_record(name: str, expected: str) -> None:
    assert detect_format(DATA / name) == expected


def test_detect_format_sniffs_content_when_the_extension_says_nothing(tmp_path: Path) -> None:
    # The bulk snapshot is downloaded as "arxiv-metadata-oai-snapshot.json" but holds JSON Lines.
    copies = {
        "arxiv-metadata-oai-snapshot.json": ("snapshot.jsonl", "snapshot"),
        "listing.json": ("listing-2026-05-19.jsonl", "listing"),
        "feed.txt": ("atom/feed.xml", "atom"),
        "refs.txt": ("refs.bib", "bibtex"),
        "table.txt": ("papers.csv", "csv"),
        "array.data": ("papers.json", "json"),
    }
    for target, (source, expected) in copies.items():
        shutil.copy(DATA / source, tmp_path / target)
        assert detect_format(tmp_path / target) == expected, target


def test_formats_are_the_public_list() -> None:
    assert FORMATS == ("listing", "json", "csv", "bibtex", "atom", "snapshot")


# ---------------------------------------------------------------------------------- listing


def test_listing_reads_real_records_with_the_listing_date() -> None:
    items = papers(DATA / "listing-2026-05-19.jsonl")
    assert [p.arxiv_id for p in items] == [
        "2605.18529",
        "2605.18703",
        "2605.17483",
        "2605.16308",
        "2605.99001",
        "hep-th/9901001",
    ]
    # The file name holds the listing date: it is the submitted date of every record.
    assert {p.submitted for p in items} == {date(2026, 5, 19)}
    envfactory = items[1]
    assert (
        envfactory.title
        == "EnvFactory: Scaling Tool-Use Agents via Executable Environments Synthesis and Robust RL"
    )
    assert envfactory.categories == ("cs.CL", "cs.LG")
    assert envfactory.primary_category == "cs.CL"
    assert envfactory.comment == "11 pages"
    assert envfactory.abs_url == "https://arxiv.org/abs/2605.18703"
    assert envfactory.authors[0] == "Minrui Xu" and len(envfactory.authors) == 15
    assert [p.source for p in items][:2] == [
        f"{DATA / 'listing-2026-05-19.jsonl'}:1",
        f"{DATA / 'listing-2026-05-19.jsonl'}:2",
    ]


def test_listing_keeps_unicode_and_latex_and_unwraps() -> None:
    items = by_id(papers(DATA / "listing-2026-05-19.jsonl"))
    sari = items["2605.17483"]
    assert sari.authors == ("Ali Azmoudeh", "Erdi Sarıtaş", "Ömer Yıldırım", "Hazım Kemal Ekenel")
    nasty = items["2605.99001"]
    assert nasty.title == "大语言模型的偏好优化 🚀: $\\alpha$-DPO for Multilingual Alignment"
    assert nasty.authors == ("Ayşe Sarı", "José Patiño", "张伟", "Zoë Ångström")
    assert nasty.comment == "12 pages, 3 figures 📊"
    assert nasty.abstract == (
        "We study $\\alpha$-divergence preference optimization ($\\alpha$-DPO) with $99\\%$ fewer labels. "
        "Results hold for 中文 and emoji 🤖 inputs.\n\n"
        "A second paragraph keeps \\emph{LaTeX} verbatim: $\\mathcal{L}_{\\text{DPO}}$."
    )
    # Real paragraph breaks of an arXiv listing ("\n  ", 3 here) become blank lines; no other newline stays.
    cga = items["2605.16308"]
    assert cga.abstract.count("\n\n") == 3 and "\n" not in cga.abstract.replace("\n\n", "")
    assert cga.abstract.startswith("What symbolic format should an LLM emit")


def test_listing_old_style_id_with_version() -> None:
    old = by_id(papers(DATA / "listing-2026-05-19.jsonl"))["hep-th/9901001"]
    assert (old.arxiv_id, old.version) == ("hep-th/9901001", 2)
    assert old.key == "arxiv:hep-th/9901001"


def test_undated_listing_uses_date_field_then_id_month() -> None:
    items = papers(DATA / "undated-listing.jsonl")
    assert [(p.arxiv_id, p.submitted) for p in items] == [
        ("2605.21630", date(2026, 5, 21)),  # "date" field
        ("2605.19394", date(2026, 5, 1)),  # from the id's yymm
        ("hep-th/9901001", date(1999, 1, 1)),  # old-style yymm
    ]
    # Line 2 is blank: the next record is reported at its real line.
    assert items[1].source.endswith("undated-listing.jsonl:3")


def test_the_real_week_reads_completely() -> None:
    files = sorted(WEEK.glob("*.jsonl"))
    assert len(files) == 5
    items = [paper for path in files for paper in iter_papers(path)]
    assert len(items) == 2264
    assert len({paper.key for paper in items}) == 1736
    assert all(paper.title and paper.arxiv_id and paper.submitted for paper in items)
    assert {paper.submitted for paper in items} == {date(2026, 5, d) for d in range(18, 23)}
    amr = next(paper for paper in items if paper.arxiv_id == "2605.18529")
    assert amr.title.startswith("AMR-SD: Asymmetric Meta-Reflective Self-Distillation")


# ---------------------------------------------------------------------------------- JSON array


def test_json_array_records_keep_their_line_numbers() -> None:
    items = papers(DATA / "papers.json")
    assert [p.source.rsplit(":", 1)[1] for p in items] == ["2", "23", "41"]
    icd = items[0]
    assert icd.authors[1:3] == ("Raúl Lara-Cabrera", "Jorge Dueñas-Lerín")
    assert icd.submitted == date(2026, 5, 1)
    # A timestamp in "date" counts by its day.
    assert items[2].submitted == date(2026, 5, 18)
    assert items[1].title.startswith("大语言模型的偏好优化 🚀")


# ---------------------------------------------------------------------------------- CSV


def test_csv_with_quoted_newlines_and_unicode() -> None:
    items = papers(DATA / "papers.csv")
    mindloom, nasty, no_id, by_url = items
    # The first record spans many physical lines (a quoted, hard-wrapped abstract).
    assert [p.source.rsplit(":", 1)[1] for p in items] == ["2", "27", "31", "32"]
    assert (mindloom.arxiv_id, mindloom.version) == ("2605.21630", 2)
    assert mindloom.categories == ("cs.AI",)
    assert mindloom.submitted == date(2026, 5, 22)
    assert "\n" not in mindloom.abstract
    assert mindloom.authors[0] == "Haiyang Shen" and mindloom.authors[-2:] == ("Ming Zhang", "Yun Ma")
    assert nasty.authors == ("Ayşe Sarı", "José Patiño", "张伟")
    assert nasty.abstract == (
        "We study $\\alpha$-DPO with $99\\%$ fewer labels, wrapped by hand.\n\n"
        'A second paragraph, with "quotes" and emoji 🤖.'
    )
    assert (nasty.arxiv_id, nasty.version, nasty.doi) == ("2605.99001", 3, "10.1234/example.5678")
    assert no_id.arxiv_id is None and no_id.key == "doi:10.18653/v1/2024.acl-long.1"
    assert no_id.authors == ("Jane Doe", "John Smith", "Wei Zhang")
    assert no_id.submitted == date(2024, 8, 11)
    assert by_url.arxiv_id == "2605.18703" and by_url.categories == ("cs.CL", "cs.LG")
    assert by_url.authors == ("Émile Zola",)


def test_csv_with_byte_order_mark_and_crlf(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes(
        "\ufeffTitle,Authors,Summary,URL\r\n"
        '"Sarı\'s paper","Ayşe Sarı; José Patiño","line one\r\nline two",https://arxiv.org/abs/2605.18529v4\r\n'.encode()
    )
    (paper,) = papers(path)
    assert paper.title == "Sarı's paper"
    assert paper.authors == ("Ayşe Sarı", "José Patiño")
    assert paper.abstract == "line one line two"
    assert (paper.arxiv_id, paper.version) == ("2605.18529", 4)


# ---------------------------------------------------------------------------------- BibTeX


def test_bibtex_decodes_accents_and_reads_eprints() -> None:
    items = papers(DATA / "refs.bib")
    first, no_id, scholar, old = items
    assert first.authors == ("Jörg Müller", "Ayşe Sarı", "José Patiño", "Luc François")  # "others" dropped
    assert first.title == "BERT Meets $\\alpha$-Divergence: Über-Tuning for Preference Optimization"
    assert (first.arxiv_id, first.version, first.categories) == ("2605.18529", 2, ("cs.CL",))
    assert first.doi == "10.48550/arXiv.2605.18529"
    # Math and LaTeX commands in abstracts stay verbatim; only wrapping is undone.
    assert first.abstract == (
        "We keep $\\alpha$ and \\emph{emphasis} verbatim; these lines are hard-wrapped and indented "
        "as editors do.\n\nA second paragraph after a blank line."
    )
    assert first.source.endswith("refs.bib:5")
    assert no_id.arxiv_id is None and no_id.doi == "10.18653/v1/2024.acl-long.1"
    assert no_id.authors == ("Jane Doe", "John Smith")
    assert no_id.submitted == date(2024, 8, 1)  # year + month macro
    assert scholar.arxiv_id == "2605.18703"  # from "arXiv preprint arXiv:2605.18703"
    assert scholar.authors == ("Minrui Xu", "Zilin Wang", "Mengyi DENG")
    assert (old.arxiv_id, old.version, old.submitted) == ("hep-th/9901001", 2, date(1999, 1, 1))


# ---------------------------------------------------------------------------------- Atom


def test_atom_feed_entries() -> None:
    items = papers(DATA / "atom" / "feed.xml")
    nasty, old, cga = items
    assert nasty.title == "大语言模型的偏好优化 🚀: $\\alpha$-DPO"
    assert nasty.authors == ("Ayşe Sarı", "José Patiño", "张伟")
    assert (nasty.arxiv_id, nasty.version, nasty.doi) == ("2605.99001", 3, "10.1234/example.5678")
    assert nasty.categories == ("cs.CL", "cs.AI")
    assert nasty.submitted == date(2026, 5, 19)
    assert (
        nasty.abstract
        == "We study $\\alpha$-DPO with $99\\%$ fewer labels and 中文 inputs 🤖.\n\nA second paragraph."
    )
    assert (old.arxiv_id, old.version, old.submitted) == ("hep-th/9901001", 2, date(1999, 1, 1))
    # The title was wrapped over two lines in the feed.
    assert cga.title == "Conformal Geometric Algebra as a Symbolic Interface for LLM-Driven 3D Scene Editing"
    assert [p.source.rsplit(":", 1)[1] for p in items] == ["10", "36", "52"]
    lines = (DATA / "atom" / "feed.xml").read_text(encoding="utf-8").splitlines()
    assert lines[9].strip() == "<entry>"


def test_atom_and_listing_agree_on_the_same_paper() -> None:
    from_atom = by_id(papers(DATA / "atom" / "feed.xml"))["2605.16308"]
    from_listing = by_id(papers(DATA / "listing-2026-05-19.jsonl"))["2605.16308"]
    assert from_atom.abstract == from_listing.abstract
    assert from_atom.title == from_listing.title
    assert from_atom.authors == from_listing.authors


def test_empty_atom_feed_yields_nothing() -> None:
    assert papers(DATA / "atom" / "empty.xml") == []


# ---------------------------------------------------------------------------------- snapshot


def test_snapshot_records() -> None:
    items = papers(DATA / "snapshot.jsonl")
    kaggle, old, amr, nasty = items
    assert kaggle.arxiv_id == "0704.0001"
    assert kaggle.version == 2
    assert kaggle.submitted == date(2007, 4, 2)  # v1's "Mon, 2 Apr 2007 19:18:42 GMT"
    assert (
        kaggle.title
        == "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    )
    assert kaggle.authors[0] == "C. Balázs"  # from authors_parsed
    assert kaggle.abstract.startswith(
        "A fully differential calculation in perturbative quantum chromodynamics is presented"
    )
    assert "\n" not in kaggle.abstract
    assert kaggle.doi == "10.1103/PhysRevD.76.013009"
    assert kaggle.comment == "37 pages, 15 figures; published version"
    # No authors_parsed: the LaTeX author string is split and decoded, affiliations dropped.
    assert old.authors == ("A. N. Author", "B. Büttner", "C. Çelik", "D. Sarı")
    assert (old.arxiv_id, old.version) == ("hep-th/9901001", 3)  # highest of v1, v3, v2
    assert old.categories == ("hep-th", "math-ph", "math.MP")
    assert amr.abstract == by_id(papers(DATA / "listing-2026-05-19.jsonl"))["2605.18529"].abstract
    assert amr.submitted == date(2026, 5, 18)
    assert nasty.title == "大语言模型的偏好优化 🚀: $\\alpha$-DPO"
    assert (
        nasty.abstract
        == "We study $\\alpha$-DPO with $99\\%$ fewer labels and 中文 inputs 🤖.\n\nA second paragraph."
    )


def test_readers_stream(tmp_path: Path) -> None:
    """A bad line far down is only met when the reader gets there: earlier papers come out first."""
    path = tmp_path / "big.jsonl"
    good = json.dumps({"id": "2605.00001", "title": "T", "authors": [], "summary": "s"})
    path.write_text(good + "\n" + good + "\n" + "{broken\n", encoding="utf-8")
    stream = iter_papers(path)
    assert next(stream).arxiv_id == "2605.00001"
    assert next(stream).source.endswith(":2")


def test_corpus_files_expands_folders(tmp_path: Path) -> None:
    for name in ("b.jsonl", "a.csv", ".hidden.jsonl", "notes.txt"):
        (tmp_path / name).write_text("", encoding="utf-8")
    (tmp_path / "sub.json").mkdir()
    single = DATA / "refs.bib"
    assert corpus_files([tmp_path, single]) == [tmp_path / "a.csv", tmp_path / "b.jsonl", single]
    assert corpus_files([WEEK]) == sorted(WEEK.glob("*.jsonl"))
