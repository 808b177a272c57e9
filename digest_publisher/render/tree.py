"""The block tree between Markdown and WordPress markup: what :mod:`.parser` builds and :mod:`.serialize`
writes out.

Each block holds sanitised inline HTML. A :class:`CitationResolver` is how the parser turns cited ids into
links without knowing about papers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol


@dataclass
class Paragraph:
    html: str


@dataclass
class Heading:
    level: int
    html: str


@dataclass
class ListItem:
    html: str
    children: list[ListBlock] = field(default_factory=list)


@dataclass
class ListBlock:
    ordered: bool
    items: list[ListItem]
    start: int | None = None


@dataclass
class Quote:
    children: list[Block]


@dataclass
class Separator:
    pass


@dataclass
class Cell:
    html: str
    align: str | None = None  # "left" | "center" | "right"


@dataclass
class Table:
    head: list[list[Cell]]
    body: list[list[Cell]]


@dataclass
class Code:
    text: str
    language: str = ""


@dataclass
class Image:
    src: str
    alt: str


@dataclass
class Html:
    html: str


@dataclass
class Footnote:
    number: int
    paragraphs: list[str]  # inline HTML; the last one ends with the back-reference links


@dataclass
class Footnotes:
    items: list[Footnote]


Block = Paragraph | Heading | ListBlock | Quote | Separator | Table | Code | Image | Html | Footnotes


class CitationResolver(Protocol):
    """Turns cited ids into inline HTML; records what was cited."""

    def cite(self, ids: Sequence[str]) -> str | None:
        """HTML for a citation group, or None when an id is unknown (the citation then stays literal)."""
        ...
