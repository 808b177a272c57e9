"""Citations ``[@2605.18529]`` -> links named by the paper's short name; the "Papers covered" section."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ..models import Paper
from ..names import readable_latex, short_names
from .sanitize import sanitize_inline
from .tree import Heading, ListBlock, ListItem

#: Corpus text (a paper's title, authors, short name) that looks like Markdown is wrapped in a span of this
#: class: shown as the text it is, and left out of the literal-Markdown checks by the residue check, which
#: sees the same span in the content sent and in the content WordPress shows (wptexturize never changes
#: a tag, while it does change the text: a list of exempt strings matched only before publishing).
VERBATIM_CLASS = "dp-verbatim"
_MARKDOWN_LOOKING = re.compile(r"\*\*|__|\[|\]|^\s*[#>]|^\s*(?:[-*_]\s*){3,}$")


def as_text(raw: str) -> str:
    """Corpus text as HTML text: escaped, and marked as data when it looks like Markdown."""
    escaped = html.escape(raw, quote=False)
    return f'<span class="{VERBATIM_CLASS}">{escaped}</span>' if _MARKDOWN_LOOKING.search(raw) else escaped


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
    _names: dict[str, str] | None = field(default=None, init=False, repr=False)

    def name(self, arxiv_id: str) -> str:
        """The front matter's name (an editor's, or drafting's), else the one short-name rule over the
        post's papers - the same rule and the same papers drafting used, so the names agree."""
        override = self.overrides.get(arxiv_id)
        if override:
            return str(override)
        if self._names is None:
            by_key = short_names(self.papers.values())
            # The post's papers are keyed by arXiv id here; short_names keys by cite key (the same id).
            self._names = {key: by_key.get(key, key) for key in self.papers}
        return self._names[arxiv_id]

    def link(self, arxiv_id: str) -> str:
        url = self.papers[arxiv_id].url
        name = as_text(self.name(arxiv_id))
        return f'<a href="{html.escape(url)}">{name}</a>' if url else name

    def cite(self, ids: Sequence[str]) -> str | None:
        if any(i not in self.papers for i in ids):
            return None
        for i in ids:
            if i not in self.cited:
                self.cited.append(i)
        return join_names([self.link(i) for i in ids])


def join_names(names: Sequence[str]) -> str:
    """Several papers cited together, as a sentence names them: "A", "A and B", "A, B and C"."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


PAPERS_COVERED_TITLE = "Papers covered"


def papers_covered(ids: Sequence[str], papers: Mapping[str, Paper]) -> list[Heading | ListBlock]:
    """The appended section: h2 + one list item per paper (linked title, authors, arXiv id)."""
    items: list[ListItem] = []
    for arxiv_id in ids:
        paper = papers[arxiv_id]
        url = paper.url
        title = as_text(readable_latex(" ".join(paper.title.split())))
        parts = [f'<a href="{html.escape(url)}">{title}</a>' if url else title]
        authors = authors_line(paper)
        if authors:
            parts.append(as_text(authors))
        parts.append(f"arXiv:{html.escape(arxiv_id, quote=False)}")
        items.append(ListItem(sanitize_inline(" \u2014 ".join(parts))))
    return [Heading(2, PAPERS_COVERED_TITLE), ListBlock(False, items)]
