"""Citations ``[@2605.18529]`` -> links named by the paper's short name; the "Papers covered" section."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ..models import Paper
from .convert import Heading, ListBlock, ListItem
from .sanitize import sanitize_inline

# "AMR-SD: Adaptive ..." -> "AMR-SD" when the part before the colon is short enough to be a name.
_MAX_NAME_WORDS = 4
_MAX_NAME_CHARS = 32
_SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"}
# Title prefixes that name a genre, not a paper ("Position: Let's ..."): never a short name.
_GENERIC_PREFIXES = {"position", "survey", "review", "tutorial", "perspective", "commentary", "editorial", "note"}


def _surname(author: str) -> str:
    parts = [p for p in re.split(r"\s+", author.strip()) if p]
    while len(parts) > 1 and parts[-1].lower().strip(",") in _SUFFIXES:
        parts.pop()
    return parts[-1].strip(",") if parts else author.strip()


def short_name(paper: Paper) -> str:
    """The name a post uses for a paper: the title's prefix before a colon if short, else "Surname et al."."""
    title = " ".join(paper.title.split())
    if ":" in title:
        head = title.split(":", 1)[0].strip()
        if (
            head
            and len(head) <= _MAX_NAME_CHARS
            and len(head.split()) <= _MAX_NAME_WORDS
            and head.casefold() not in _GENERIC_PREFIXES
        ):
            return head
    authors = [a for a in paper.authors if a.strip()]
    if len(authors) == 1:
        return _surname(authors[0])
    if len(authors) == 2:
        return f"{_surname(authors[0])} and {_surname(authors[1])}"
    if authors:
        return f"{_surname(authors[0])} et al."
    return paper.arxiv_id or title


def authors_line(paper: Paper, limit: int = 3) -> str:
    names = [a.strip() for a in paper.authors if a.strip()]
    if len(names) > limit:
        return ", ".join(names[:limit]) + " et al."
    return ", ".join(names)


@dataclass
class Citations:
    """Resolves cited ids against the post's papers; remembers what was cited, in order."""

    papers: Mapping[str, Paper]
    overrides: Mapping[str, str] = field(default_factory=dict)
    cited: list[str] = field(default_factory=list)

    def name(self, arxiv_id: str) -> str:
        override = self.overrides.get(arxiv_id)
        return str(override) if override else short_name(self.papers[arxiv_id])

    def link(self, arxiv_id: str) -> str:
        paper = self.papers[arxiv_id]
        url = paper.url or f"https://arxiv.org/abs/{arxiv_id}"
        return f'<a href="{html.escape(url)}">{html.escape(self.name(arxiv_id), quote=False)}</a>'

    def cite(self, ids: Sequence[str]) -> str | None:
        if any(i not in self.papers for i in ids):
            return None
        for i in ids:
            if i not in self.cited:
                self.cited.append(i)
        return ", ".join(self.link(i) for i in ids)


PAPERS_COVERED_TITLE = "Papers covered"


def papers_covered(ids: Sequence[str], papers: Mapping[str, Paper]) -> list[Heading | ListBlock]:
    """The appended section: h2 + one list item per paper (linked title, authors, arXiv id)."""
    items: list[ListItem] = []
    for arxiv_id in ids:
        paper = papers[arxiv_id]
        url = paper.url or f"https://arxiv.org/abs/{arxiv_id}"
        title = html.escape(" ".join(paper.title.split()), quote=False)
        parts = [f'<a href="{html.escape(url)}">{title}</a>']
        authors = authors_line(paper)
        if authors:
            parts.append(html.escape(authors, quote=False))
        parts.append(f"arXiv:{html.escape(arxiv_id, quote=False)}")
        items.append(ListItem(sanitize_inline(" \u2014 ".join(parts))))
    return [Heading(2, PAPERS_COVERED_TITLE), ListBlock(False, items)]
