"""Plain data shared by the stages: papers, topics and post sources."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, Protocol
from urllib.parse import quote

ARXIV_NEW_ID = re.compile(r"^(?P<id>\d{4}\.\d{4,5})(?:v(?P<v>\d+))?$")
ARXIV_OLD_ID = re.compile(r"^(?P<id>[a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v(?P<v>\d+))?$")


def split_arxiv_id(raw: str) -> tuple[str, int | None] | None:
    """``'2605.18529v2'`` -> ``('2605.18529', 2)``; also old-style ids and abs/pdf URLs. None if not an id."""
    found = ARXIV_NEW_ID.match(raw)  # the common case first: one C call for a plain new-style id
    if found is not None:
        version = found.group("v")
        return found.group("id"), int(version) if version else None
    text = raw.strip()
    for prefix in ("arXiv:", "arxiv:"):
        if text.startswith(prefix):
            text = text[len(prefix):]
    # only an address on arxiv.org itself: "https://evil.example/?arxiv.org/abs/<id>" names no paper
    m = re.match(r"(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/([^?#\s]+?)(?:\.pdf)?/?$", text, re.I)
    if m:
        text = m.group(1)
    for pattern in (ARXIV_NEW_ID, ARXIV_OLD_ID):
        found = pattern.match(text)
        if found:
            version = found.group("v")
            return found.group("id"), int(version) if version else None
    return None


def date_from_arxiv_id(arxiv_id: str) -> date | None:
    """New-style ids start with yymm: ``2605.18529`` was submitted in May 2026 (first of the month)."""
    m = re.match(r"^(\d{2})(\d{2})\.", arxiv_id) or re.match(r"^[a-z\-]+(?:\.[A-Z]{2})?/(\d{2})(\d{2})", arxiv_id)
    if not m:
        return None
    yy, mm = int(m.group(1)), int(m.group(2))
    if not 1 <= mm <= 12:
        return None
    year = 2000 + yy if yy < 91 else 1900 + yy
    return date(year, mm, 1)


def arxiv_key(arxiv_id: str) -> str:
    """:attr:`Paper.key` of a paper with this arXiv id."""
    return f"arxiv:{arxiv_id}"


def normalise_title(title: str) -> str:
    """Key for papers without an id: case-folded, accents kept, punctuation and spacing removed."""
    text = unicodedata.normalize("NFKC", title).casefold()
    return re.sub(r"[\W_]+", " ", text).strip()


#: The largest fields a paper record may have. arXiv itself caps abstracts at 1,920 characters and titles are
#: a line or two; a 50 MB abstract took the built-in drafter 283 s and 1.28 GB, so a record past these
#: limits is refused, naming its file and line.
MAX_PAPER_TITLE_CHARS = 2_000
MAX_PAPER_ABSTRACT_CHARS = 20_000
MAX_PAPER_AUTHORS = 10_000
MAX_PAPER_FIELD_CHARS = 2_000  # an author, a category, a comment, a DOI, an id


@dataclass(frozen=True, slots=True)
class Paper:
    """One paper, whatever file it came from."""

    title: str
    authors: tuple[str, ...]
    abstract: str
    arxiv_id: str | None = None
    version: int | None = None
    categories: tuple[str, ...] = ()
    submitted: date | None = None
    abs_url: str | None = None
    comment: str | None = None
    doi: str | None = None
    # Where the record came from ("file:line"), for error messages and provenance; not part of identity.
    source: str = field(default="", compare=False)

    def oversized_field(self) -> str | None:
        """What is over the size limits above ("abstract has 52,428,800 characters, over the 20,000
        allowed"), or None."""
        limits = (("title", self.title, MAX_PAPER_TITLE_CHARS), ("abstract", self.abstract, MAX_PAPER_ABSTRACT_CHARS))
        for name, text, limit in limits:
            if len(text) > limit:
                return f"{name} has {len(text):,} characters, over the {limit:,} allowed"
        if len(self.authors) > MAX_PAPER_AUTHORS:
            return f"{len(self.authors):,} authors, over the {MAX_PAPER_AUTHORS:,} allowed"
        others = [*self.authors, *self.categories, self.comment or "", self.doi or "", self.arxiv_id or ""]
        longest = max(others, key=len, default="")
        if len(longest) > MAX_PAPER_FIELD_CHARS:
            return f"a field has {len(longest):,} characters, over the {MAX_PAPER_FIELD_CHARS:,} allowed"
        return None

    @property
    def primary_category(self) -> str | None:
        return self.categories[0] if self.categories else None

    @property
    def key(self) -> str:
        """Identity for de-duplication: arXiv id, else DOI, else the normalised title."""
        if self.arxiv_id:
            return arxiv_key(self.arxiv_id)
        if self.doi:
            return f"doi:{self.doi.lower()}"
        return f"title:{normalise_title(self.title)}"

    @property
    def url(self) -> str | None:
        """The paper's page, built from its id: arXiv's abstract page, else the DOI resolver; None for a
        paper with neither. Never the record's own ``abs_url``: a corpus record cannot send readers
        elsewhere (a citation of ``https://evil.example/?arxiv.org/abs/<id>`` links to arXiv)."""
        if self.arxiv_id:
            return f"https://arxiv.org/abs/{quote(self.arxiv_id, safe='/.')}"
        if self.doi:
            return f"https://doi.org/{quote(self.doi, safe='/:;()._-')}"
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.arxiv_id,
            "version": self.version,
            "title": self.title,
            "authors": list(self.authors),
            "abstract": self.abstract,
            "primary_category": self.primary_category,
            "categories": list(self.categories),
            "submitted": self.submitted.isoformat() if self.submitted else None,
            "abs": self.url,
            "comment": self.comment,
            "doi": self.doi,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "") -> Paper:
        """Inverse of :meth:`to_dict` (the project's own JSON form, as in papers.json)."""
        submitted = data.get("submitted")
        for key in ("id", "doi"):
            if data.get(key) is not None and not isinstance(data[key], str):  # an id of 0 is not "no id"
                raise TypeError(f"{key} must be a string, got {type(data[key]).__name__}")
        return cls(
            title=str(data["title"]),
            authors=tuple(str(a) for a in data.get("authors") or ()),
            abstract=str(data.get("abstract") or ""),
            arxiv_id=data.get("id"),
            version=data.get("version"),
            categories=tuple(str(c) for c in data.get("categories") or ()),
            submitted=date.fromisoformat(submitted) if submitted else None,
            abs_url=data.get("abs"),
            comment=data.get("comment"),
            doi=data.get("doi"),
            source=source,
        )


class PostKind(StrEnum):
    BACKFILL = "backfill"
    BRIEF = "brief"


# Every byte that is not an ASCII letter or digit separates words (UTF-8 bytes of non-ASCII letters too:
# that can only split a word in two, which makes a guard pass more often, never less).
_WORD_BYTES = bytes(c if (48 <= c <= 57 or 97 <= c <= 122) else 32 for c in range(256))


# The same for ASCII text, lower-casing as it goes (str.lower of ASCII text changes only A-Z).
_LOWER_WORD_BYTES = bytes(c + 32 if 65 <= c <= 90 else _WORD_BYTES[c] for c in range(256))


def word_buffer(text: str) -> bytes:
    """The lower-cased ASCII words of ``text`` as one bytes string, each word between spaces
    (``b" grpo for llms "``): a word ``w`` is in :func:`word_set` exactly when ``b" w "`` occurs here."""
    if text.isascii():  # most abstracts: one copy fewer (topic selection makes a buffer of every record)
        return b" " + text.encode("ascii").translate(_LOWER_WORD_BYTES) + b" "
    return b" " + text.lower().encode("utf-8", "surrogatepass").translate(_WORD_BYTES) + b" "


def word_set(text: str) -> frozenset[bytes]:
    """The lower-cased ASCII words of ``text``: what keyword guards are checked against.

    Bytes and ``translate`` + ``split`` are three C calls: about five times faster than ``re.findall``.
    """
    return frozenset(word_buffer(text).split())


def ascii_words(text: str) -> list[bytes]:
    """The words of a keyword, split exactly as :func:`word_set` splits text."""
    return text.lower().encode("utf-8", "surrogatepass").translate(_WORD_BYTES).split()


@dataclass(frozen=True, slots=True)
class TextMatcher:
    """A regex, guarded by the words of its keywords: the regex runs only if all the words of at least
    one keyword occur in the text.

    Python's regex engine tries every alternative at every position of a 1,500-character abstract; set
    operations on the paper's words are a few C calls, and on most papers no keyword's words all occur,
    so the guard makes topic selection several times faster without changing what matches.
    """

    source: str  # the regex, matched case-insensitively: compiled when first used (:attr:`pattern`)
    guarded: bool = False  # False: always run the regex
    single_words: frozenset[bytes] = frozenset()  # one-word keywords
    phrases: tuple[frozenset[bytes], ...] = ()  # the words of each multi-word keyword
    phrase_keys: frozenset[bytes] = frozenset()  # the longest word of each phrase: one C call rules most out
    keywords: tuple[tuple[bytes, ...], ...] = ()  # the words of each keyword, in order (see screen.TopicScreen)
    # ``pattern``'s source for ASCII keywords, lower-cased, with ASCII classes only (``\\s`` written out), to run
    # without IGNORECASE: on an ASCII text, lower-cased, it finds a match exactly when ``pattern`` does
    # (str.lower changes only A-Z there). Run by RE2 (:func:`re2_regex`), whose one pass over the text is
    # several times faster than Python's engine trying each keyword at each position; compiled when first
    # used (:func:`_lowered_search`): loading topics.toml does not pay for it.
    lowered: str | None = None

    @property
    def pattern(self) -> re.Pattern[str]:
        """:attr:`source` compiled (once per process): loading topics.toml compiles none of its groups, a
        selection only those of its topic that a text needs."""
        return _ignoring_case(self.source)

    def may_match(self, words: frozenset[bytes]) -> bool:
        if not self.guarded or not self.single_words.isdisjoint(words):
            return True
        if self.phrase_keys.isdisjoint(words):
            return False
        return any(phrase <= words for phrase in self.phrases)

    def search(self, text: str) -> bool:
        if self.lowered is not None and text.isascii():
            return _lowered_search(self.lowered)(text.lower())
        return self.pattern.search(text) is not None


def re2_options() -> Any:
    """The options of every RE2 regex here (the google-re2 binding; imported on first use): a byte is a
    character (Latin-1: no UTF-8 decoding, no Unicode case folding), and the DFA's memory budget."""
    import re2

    options = re2.Options()
    options.encoding = re2.Options.Encoding.LATIN1
    options.max_mem = 64 << 20  # past it a regex falls back to RE2's NFA (slower, same answers); a Set fails
    return options


def re2_regex(pattern: bytes) -> Any | None:
    """``pattern`` compiled by RE2 (:func:`re2_options`); None if RE2 refuses it (a construct it lacks, or a
    program over its memory budget): the caller then keeps Python's engine."""
    import re2

    try:
        return re2.compile(pattern, re2_options())
    except re2.error:
        return None


@functools.cache
def _lowered_search(source: str) -> Callable[[str], bool]:
    """Whether a :attr:`TextMatcher.lowered` source finds a match in a lower-cased ASCII text: by RE2, or by
    Python's engine if RE2 refuses the source (the same answer: only ASCII classes, ``\\b`` and literals)."""
    regex = re2_regex(source.encode("ascii"))
    if regex is None:
        python = re.compile(source)
        return lambda text: python.search(text) is not None
    search = regex.search
    return lambda text: search(text.encode("ascii")) is not None


@functools.cache
def _ignoring_case(source: str) -> re.Pattern[str]:
    return re.compile(source, re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Rule:
    """One include or exclude rule of a topic; ``name`` is what `corpus select` reports as matched.

    A rule matches when every one of its ``patterns`` is found in title + abstract (each pattern is an
    any-of group of keywords or a regex), every ``title_patterns`` in the title alone, and, if it lists
    ``categories``, the paper has one of them.
    """

    name: str
    patterns: tuple[TextMatcher, ...] = ()
    categories: frozenset[str] = frozenset()
    title_patterns: tuple[TextMatcher, ...] = ()  # must match the title alone

    def matches(self, paper: Paper, text: str, words: frozenset[bytes], title_words: frozenset[bytes]) -> bool:
        """``text`` is title + abstract; ``words``/``title_words`` are their :func:`word_set`."""
        if self.categories and self.categories.isdisjoint(paper.categories):
            return False
        # Every cheap word guard first; a regex only runs when no guard has ruled the rule out.
        if not all(m.may_match(title_words) for m in self.title_patterns):
            return False
        if not all(m.may_match(words) for m in self.patterns):
            return False
        if not all(m.search(paper.title) for m in self.title_patterns):
            return False
        return all(m.search(text) for m in self.patterns) and bool(
            self.patterns or self.categories or self.title_patterns
        )


@dataclass(frozen=True, slots=True)
class Topic:
    number: str
    name: str
    slug: str
    category_name: str
    category_slug: str
    include: tuple[Rule, ...]
    exclude: tuple[Rule, ...] = ()
    # When set, a paper must also be in one of these arXiv categories (a scope, not a match).
    scope_categories: frozenset[str] = frozenset()
    kind: PostKind = PostKind.BACKFILL
    series: str = "Frontier AI Research Digest"
    tags: tuple[str, ...] = ()
    window_from: date | None = None
    window_to: date | None = None
    # The editor's curation: ids always discussed (``pin``) and never discussed (``exclude_ids``).
    pins: tuple[str, ...] = ()
    exclude_ids: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """"07 - RL & Post-Training", as editors name topics."""
        return f"{self.number} - {self.name}"


@dataclass(frozen=True, slots=True)
class FeaturedImage:
    """The image a post is published with: generated card or a user-supplied file."""

    data: bytes = field(repr=False)
    filename: str
    mime_type: str
    alt_text: str
    caption: str = ""

    @property
    def sha256(self) -> str:
        import hashlib

        return hashlib.sha256(self.data).hexdigest()

    def metadata(self) -> dict[str, str]:
        """Everything but the bytes, with their hash: what publishing compares and the render cache keeps."""
        return {"sha256": self.sha256, "filename": self.filename, "mime_type": self.mime_type,
                "alt_text": self.alt_text, "caption": self.caption}  # fmt: skip


@dataclass(frozen=True)
class RenderedPost:
    """What rendering hands to publishing: the fields as they will be SENT, plus the dry-run object.

    ``post_object`` has the keys of a WordPress post JSON (seed 000): values only the server knows
    (id, guid, link, author, featured_media ...) are None; ``content.rendered`` / ``title.rendered`` /
    ``excerpt.rendered`` are what WordPress will display.
    """

    slug: str
    title: str
    content: str
    excerpt: str
    content_format: str  # "blocks" or "classic"
    status: str
    date_gmt: str | None
    categories: tuple[str, ...]  # term names
    tags: tuple[str, ...]
    featured_image: FeaturedImage | None
    post_object: dict[str, Any]
    #: What the reader won't see as written (a link removed for its URL, raw HTML removed, a shortcode shown
    #: as text): the post still renders; commands print these as warnings.
    warnings: tuple[str, ...] = ()
    #: The slug a category must have, by its name (topics.toml's ``category.slug`` of the post's topic): that
    #: category is looked up and created by this slug. Other categories go by their name.
    category_slugs: dict[str, str] = field(default_factory=dict)


class Progress(Protocol):
    """What a long stage reports while it works (selection's curation, Claude's calls, drafting); the CLI
    draws it with rich, tests record it, :class:`NullProgress` ignores it."""

    def stage(self, name: str, total: int | None = None) -> None:
        """A stage starts; ``total`` is the number of calls/steps it will make, when known."""

    def advance(self, name: str, steps: int = 1) -> None:
        """``steps`` more calls/steps of stage ``name`` are done."""

    def note(self, message: str) -> None:
        """Something worth a line of its own (a warning, a retry)."""


class NullProgress:
    """A :class:`Progress` that shows nothing (no terminal, ``--json``, an estimate, a test)."""

    def stage(self, name: str, total: int | None = None) -> None:
        return None

    def advance(self, name: str, steps: int = 1) -> None:
        return None

    def note(self, message: str) -> None:
        return None
