"""Text normalisation: unwrapping, LaTeX accents in names, author splitting (examples + properties)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digest_publisher.corpus.bibtex import bibtex_name
from digest_publisher.corpus.text_cleanup import collapse_whitespace, latex_to_unicode, split_authors, unwrap_abstract


def test_unwrap_arxiv_snapshot_abstract() -> None:
    raw = (
        "  We study $\\alpha$-divergences for\npreference optimisation with 99\\% fewer\nlabels.\n"
        "  A second paragraph starts\nindented, as arXiv writes it.\n"
    )
    assert unwrap_abstract(raw) == (
        "We study $\\alpha$-divergences for preference optimisation with 99\\% fewer labels.\n\n"
        "A second paragraph starts indented, as arXiv writes it."
    )


def test_unwrap_bibtex_style_keeps_indented_continuations_together() -> None:
    raw = "First line\n    continues here.\n\n    Second paragraph\r\n    after a blank line."
    assert unwrap_abstract(raw, indent_breaks=False) == (
        "First line continues here.\n\nSecond paragraph after a blank line."
    )
    assert unwrap_abstract(raw) == "First line\n\ncontinues here.\n\nSecond paragraph\n\nafter a blank line."


def test_unwrap_keeps_single_line_text_and_unicode() -> None:
    assert unwrap_abstract("  大语言模型 🤖 $\\mathcal{L}$  ") == "大语言模型 🤖 $\\mathcal{L}$"


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        ('M{\\"u}ller', "Müller"),
        ('M\\"uller', "Müller"),
        ('M\\"{u}ller', "Müller"),
        ("Sar{\\i}", "Sarı"),
        ("Sar\\i{}", "Sarı"),
        ("Pati\\~{n}o", "Patiño"),
        ("Jos\\'e", "José"),
        ("Fran\\c{c}ois", "François"),
        ("Fran\\c cois", "François"),
        ("{\\v{S}}truc", "Štruc"),
        ("Ru{\\ss}wurm", "Rußwurm"),
        ("{\\O}ystein {\\AA}se", "Øystein Åse"),
        ("{\\L}ukasz", "Łukasz"),
        ("Erd{\\H{o}}s", "Erdős"),
        ("Ch{\\'\\i}a", "Chía"),
        ("Smith \\& Sons", "Smith & Sons"),
        ("{BERT}", "BERT"),
        ("Ayşe Sarı", "Ayşe Sarı"),  # Unicode is left untouched
        ('$\\alpha$-Net {\\"U}ber', "$\\alpha$-Net Über"),  # math stays verbatim (pylatexenc path)
    ],
)
def test_latex_to_unicode(latex: str, text: str) -> None:
    assert latex_to_unicode(latex) == text


@pytest.mark.parametrize(
    ("raw", "names"),
    [
        ("A. Author, B. Writer and C. Coder", ("A. Author", "B. Writer", "C. Coder")),
        ("A. Author, B. Writer, and C. Coder", ("A. Author", "B. Writer", "C. Coder")),
        ("Alexandra Anderson and Sandra Andrews", ("Alexandra Anderson", "Sandra Andrews")),
        ("J. Smith (1), K. Lee (2) ((1) MIT, (2) CMU)", ("J. Smith", "K. Lee")),
        ("C. Bal\\'azs, E. L. Berger", ("C. Balázs", "E. L. Berger")),
        ("Ayşe Sarı, José Patiño and 张伟", ("Ayşe Sarı", "José Patiño", "张伟")),
    ],
)
def test_split_authors(raw: str, names: tuple[str, ...]) -> None:
    assert split_authors(raw) == names


def test_bibtex_names_are_flipped_and_decoded() -> None:
    assert bibtex_name("Pati\\~{n}o, Jos\\'{e}") == "José Patiño"
    assert bibtex_name("D.~E. Knuth") == "D. E. Knuth"
    assert bibtex_name("Gonz\\'{a}lez, Jr., Juan") == "Juan González Jr."
    assert bibtex_name("van der Waals, J. D.") == "J. D. van der Waals"
    assert bibtex_name("{Barnes, and Noble}") == "Barnes, and Noble"


# ------------------------------------------------------------------------------- properties

words = st.text(
    alphabet=st.characters(exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp")), min_size=1, max_size=8
).filter(lambda word: not any(ch.isspace() for ch in word))
separators = st.sampled_from([" ", "\n", "\n  ", "\n\n", "  \n", "\r\n", "\t"])


@st.composite
def wrapped_text(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.tuples(words, separators), min_size=1, max_size=30))
    return "".join(word + sep for word, sep in parts)


@given(wrapped_text(), st.booleans())
def test_unwrap_keeps_every_word_in_order(text: str, indent_breaks: bool) -> None:
    result = unwrap_abstract(text, indent_breaks=indent_breaks)
    assert result.split() == text.split()


@given(wrapped_text(), st.booleans())
def test_unwrap_leaves_only_paragraph_breaks(text: str, indent_breaks: bool) -> None:
    result = unwrap_abstract(text, indent_breaks=indent_breaks)
    assert result == result.strip()
    assert "\r" not in result
    for paragraph in result.split("\n\n"):
        assert paragraph and "\n" not in paragraph and paragraph == paragraph.strip()


@given(wrapped_text(), st.booleans())
def test_unwrap_is_idempotent(text: str, indent_breaks: bool) -> None:
    once = unwrap_abstract(text, indent_breaks=indent_breaks)
    assert unwrap_abstract(once, indent_breaks=indent_breaks) == once


@given(st.text(alphabet=st.characters(exclude_characters="\\{}", exclude_categories=["Cs"])))
def test_text_without_latex_is_untouched(text: str) -> None:
    assert latex_to_unicode(text) == text


@given(st.text())
def test_collapse_whitespace_is_idempotent(text: str) -> None:
    once = collapse_whitespace(text)
    assert collapse_whitespace(once) == once
    assert "  " not in once and once == once.strip()
