"""Theme discovery from a selection's own phrases, and per-paper sentence roles.

Used by the built-in drafter (themes become H2 sections) and as a fallback plan. Deterministic:
ties are broken by term text and paper order, never by hash or set order.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

from ..models import Paper
from ..phrases import phrase_themes
from .base import cite_key
from .prose import (
    claim_numbers,
    content_terms,
    detex,
    is_displayable,
    plain_abstract,
    split_sentences,
    stem,
)


@dataclass
class PaperText:
    """A paper's displayable sentences, sorted into the roles a post uses them for."""

    key: str
    paper: Paper
    sentences: list[str]
    terms: Counter[str]  # stemmed term -> weight (title counts double)
    context: str | None = None
    method: str | None = None
    results: list[str] = field(default_factory=list)
    implication: str | None = None
    limitation: str | None = None

    @property
    def has_numbers(self) -> bool:
        return any(claim_numbers(s) for s in self.results)


_METHOD = re.compile(r"\b(propose|proposes|introduce|introduces|present|presents|develop|design|formulate|"
                     r"build|builds|construct)\b", re.I)
_AUTHORS = re.compile(r"\b(we|our|this paper|this work|this study)\b", re.I)
_RESULT = re.compile(r"\b(outperform\w*|improv\w*|achiev\w*|reduc\w*|gain\w*|surpass\w*|boost\w*|"
                     r"increas\w*|speed\w*|accuracy|state-of-the-art|SOTA)\b", re.I)
_IMPLICATION = re.compile(r"\b(suggest\w*|implication\w*|highlight\w*|pave\w*|insight\w*|reveal\w*|"
                          r"underscore\w*|demonstrate that|show that|indicat\w*|establish\w*)\b", re.I)
_STRONG_IMPLICATION = re.compile(r"\b(suggest\w*|implication\w*|pave\w*|highlight\w*|underscore\w*|"
                                 r"call\w* for|point\w* to|open\w* (?:a|new|the))\b", re.I)
_STRONG_LIMITATION = re.compile(r"^(However|Yet|But)\b|\b(limitation\w*|bottleneck\w*|remains? (?:unclear|"
                                r"open|challenging|difficult|limited)|struggl\w*|fail\w* to)\b")
_LIMITATION = re.compile(r"\b(limitation\w*|remain\w*|challeng\w*|future|open question|bottleneck\w*|"
                         r"fail\w*|struggl\w*|lack\w*|costly|brittle|unclear)\b", re.I)


def analyse_paper(paper: Paper) -> PaperText:
    abstract = detex(plain_abstract(paper.abstract))
    sentences = [
        s for s in split_sentences(abstract)
        if is_displayable(s) and 6 <= len(s.split()) <= 60 and s.endswith((".", "!", "?"))
    ]
    terms: Counter[str] = Counter()
    for term in content_terms(paper.abstract):
        terms[stem(term)] += 1
    for term in content_terms(paper.title):
        terms[stem(term)] += 2
    text = PaperText(cite_key(paper), paper, sentences, terms)
    own = [s for s in sentences if _METHOD.search(s) and _AUTHORS.search(s)]
    text.method = own[0] if own else next((s for s in sentences[1:] if _METHOD.search(s)), None)
    if sentences and sentences[0] != text.method:
        text.context = sentences[0]
    used = {text.context, text.method}
    numeric = [s for s in sentences if s not in used and claim_numbers(s)]
    worded = [s for s in sentences if s not in used and not claim_numbers(s) and _RESULT.search(s)]
    text.results = (numeric + worded)[:2]
    used |= set(text.results)
    for pattern in (_STRONG_IMPLICATION, _IMPLICATION):
        for s in reversed(sentences):
            if s not in used and pattern.search(s):
                text.implication = s
                break
        if text.implication:
            break
    if text.implication is None:
        # No sentence says "suggests"/"highlights": the abstract's closing sentence is its takeaway.
        text.implication = next((s for s in reversed(sentences) if s not in used), None)
    used.add(text.implication)
    for pattern in (_STRONG_LIMITATION, _LIMITATION):
        for s in sentences:
            if s not in used and pattern.search(s):
                text.limitation = s
                break
        if text.limitation:
            break
    return text


@dataclass
class Theme:
    term: str  # the founding phrase, lower case
    label: str  # heading text: the phrase as the papers write it ("Reward Models")

    members: list[PaperText]
    profile: Counter[str] = field(default_factory=Counter)

    @property
    def keys(self) -> list[str]:
        return [m.key for m in self.members]

    @property
    def short_label(self) -> str:
        """The label without any "and" clause ("Reward Models"), for titles and lists."""
        return self.label.split(" and ")[0]


def discover_themes(papers: list[PaperText], *, vocabulary: frozenset[str] = frozenset(), max_themes: int = 6,
                    min_themes: int = 4) -> list[Theme]:
    """Group papers by the noun phrases they share, named by the one labelling rule
    (:func:`digest_publisher.phrases.phrase_themes` over titles and displayable abstract sentences, with the topic's
    ``vocabulary``): each theme's founding members use its phrase; papers no founding phrase covers join
    the theme whose vocabulary they share most."""
    n = len(papers)
    if n == 0:
        return []
    target = max(1, min(max_themes, max(min_themes, round(n / 12)), max(1, n // 2)))
    # Only the sentences a post may show name a theme: never one addressed to a model or reader.
    found = phrase_themes([pt.paper.title for pt in papers], [" ".join(pt.sentences) for pt in papers], vocabulary,
                          themes=target, min_papers=2 if n < 30 else 3, max_share=0.45)
    themes = [Theme(phrase, label, []) for phrase, label in zip(found.phrases, found.labels, strict=True)]
    unassigned: list[PaperText] = []
    for pt, k in zip(papers, found.of_paper, strict=True):
        (themes[k].members if k is not None else unassigned).append(pt)
    themes = [t for t in themes if t.members]
    if not themes:
        themes.append(Theme("", "Further Work", []))
    df: Counter[str] = Counter()
    for pt in papers:
        df.update(set(pt.terms))
    for theme in themes:
        for pt in theme.members:
            theme.profile.update(pt.terms)
    # Papers no founding phrase covers join the theme whose vocabulary they share most.
    for pt in unassigned:
        def affinity(theme: Theme, pt: PaperText = pt) -> tuple[float, int]:
            shared = sum(
                min(w, theme.profile[t]) / max(1, df[t]) for t, w in pt.terms.items() if t in theme.profile
            )
            # Normalised by the theme's size, so leftovers do not all drift into the largest theme.
            return (shared / math.sqrt(1 + len(theme.members)), -len(theme.members))

        target_theme = max(themes, key=affinity)
        target_theme.members.append(pt)
        target_theme.profile.update(pt.terms)
    for theme in themes:
        theme.members.sort(key=papers.index)
    return themes


def keyness(pt: PaperText, theme: Theme) -> float:
    """How well a paper represents its theme (for choosing the ones that get a ### subsection)."""
    shared = sum(1 for t in pt.terms if theme.profile[t] > pt.terms[t])
    return (
        3.0 * pt.has_numbers
        + 1.5 * (pt.method is not None)
        + 1.0 * (pt.context is not None)
        + 1.0 * (theme.term in pt.terms and pt.terms[theme.term] >= 2)
        + math.log1p(shared)
        + 0.5 * (pt.implication is not None)
    )
