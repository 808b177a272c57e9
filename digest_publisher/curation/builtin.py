"""The built-in scorer: offline, deterministic, no model. Importance to the topic from what the corpus says.

Every candidate gets a score in 0..10, the sum of five signals (each a share of the 10 points):

====================  ======  ==========================================================================
signal                points  what it measures
====================  ======  ==========================================================================
topic match           3.0     half for the share of the topic's include rules the paper matches, half
                              when a rule matches on the TITLE alone (the paper is about the topic, not
                              just mentioning it)
centrality            3.0     TF-IDF cosine similarity to the candidates' centroid, as a percentile among
                              the candidates (typical of what the topic's papers are about)
named later           2.0     later candidates (submitted after it) that use the method name the paper
                              introduces (:func:`~digest_publisher.names.method_names`): 1 paper 0.8,
                              3 papers 1.6, 5 or more 2.0; a name claimed by two candidates counts for none
accepted              1.5     the comment field says accepted/published at a venue, or names a venue
                              and year ("NeurIPS 2025"); a workshop counts half
released code         0.5     a code or model link (GitHub, Hugging Face, "code is available")
====================  ======  ==========================================================================

Spread over time is not a score: the curation stage's coverage rule (:mod:`.curate`) spreads the
discussed papers over the window. The scorer also gives every candidate a theme (``PaperScore.theme``):
one of up to eight noun phrases founded on the candidates' titles and named by the one labelling rule
(:func:`digest_publisher.phrases.phrase_themes`: "Reward Models", "Multimodal Reasoning", never a
lone "enhancing").
Same candidates in, same scores out; ties never depend on hash or set order.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from ..models import Paper, Topic, word_set
from ..names import cite_key, method_names
from ..phrases import phrase_themes, topic_vocabulary
from .base import CurationProgress, PaperScore, Scores

THEMES = 8  # themes over the candidates (the coverage cap's groups)
MATCH_POINTS, CENTRAL_POINTS, NAMED_POINTS, ACCEPTED_POINTS, CODE_POINTS = 3.0, 3.0, 2.0, 1.5, 0.5

_TOKEN = re.compile(r"[a-z][a-z0-9]+(?:-[a-z0-9]+)*")
_NAME_TOKEN = re.compile(r"[\w$π≡+]+(?:-[\w$π≡+]+)*")
# What a method name looks like (names.py's rule): a capital, then another capital, a digit or "$".
_NAME_SHAPE = re.compile(r"[A-Z].*?[A-Z0-9$]")
_PUNCTUATION = ".,;:()[]{}\"'!?"
_VENUES = (r"ICML|NeurIPS|NIPS|ICLR|ACL|EMNLP|NAACL|EACL|COLING|COLM|CVPR|ICCV|ECCV|WACV|AAAI|IJCAI|KDD|"
           r"SIGIR|WWW|WSDM|CIKM|TMLR|JMLR|AISTATS|UAI|CoRL|RSS|ICRA|IROS|ICASSP|Interspeech|MICCAI|TACL")
_ACCEPTED = re.compile(
    rf"\b(?:accepted|to appear|published|presented)\b[^.;]{{0,40}}?\b(?:{_VENUES}|conference|journal|proceedings)"
    rf"(?:\s*'?(?:20)?\d{{2}}\b)?"
    rf"|\b(?:{_VENUES})\s*'?(?:20)?\d{{2}}\b",
    re.I,
)
_ACCEPTED_IN_TEXT = re.compile(rf"\b(?:accepted|to appear)\b[^.;]{{0,40}}?\b(?:{_VENUES})\b")
_CODE_HINTS = ("github", "gitlab", "huggingface", "code", "release", "open-source", "open source")
_WORKSHOP = re.compile(r"\bworkshop\b", re.I)
_CODE = re.compile(
    r"github\.com|gitlab\.com|huggingface\.co|\bcode\b[^.;]{0,60}?\b(?:available|released|open[- ]sourced?|public)\b"
    r"|\b(?:release|open[- ]source)\b[^.;]{0,30}?\b(?:code|models?|weights|dataset)\b",
    re.I,
)


@dataclass(frozen=True)
class Signals:
    """One candidate's raw signals (what the reason line says)."""

    rules: tuple[str, ...]  # include rules it matches
    in_title: bool  # a rule matches on the title alone
    centrality: float  # percentile among the candidates, 0..1
    named_by: int  # later candidates using its method name
    name: str | None  # that name
    accepted: float  # 1 accepted, 0.5 workshop, 0 neither
    venue: str | None
    code: bool


def _tokens(paper: Paper) -> list[str]:
    return _TOKEN.findall(f"{paper.title} {paper.title} {paper.abstract}".lower())  # the title counts twice


def _match(topic: Topic, paper: Paper) -> tuple[tuple[str, ...], bool]:
    """The include rules that select the paper, and whether one of them does on the title alone."""
    text = f"{paper.title}\n{paper.abstract}"
    words, title_words = word_set(text), word_set(paper.title)
    rules = tuple(r.name for r in topic.include if r.matches(paper, text, words, title_words))
    in_title = any(r.matches(paper, paper.title, title_words, title_words) for r in topic.include)
    return rules, in_title


def _centrality(token_lists: list[list[str]], df: Counter[str]) -> list[float]:
    """Cosine similarity of each paper's TF-IDF vector to the mean of all, as a percentile (0..1);
    ``df`` gets how many papers use each token."""
    n = len(token_lists)
    counts = [Counter(tokens) for tokens in token_lists]
    for c in counts:
        df.update(c.keys())
    idf = {t: math.log(n / d) for t, d in df.items()}
    vectors: list[dict[str, float]] = []
    centroid: Counter[str] = Counter()
    for c in counts:
        vec = {t: tf * idf[t] for t, tf in c.items() if idf[t] > 0}
        norm = math.sqrt(sum(w * w for w in vec.values())) or 1.0
        vec = {t: w / norm for t, w in vec.items()}
        vectors.append(vec)
        centroid.update(vec)
    sims = [sum(w * centroid[t] for t, w in vec.items()) for vec in vectors]
    order = sorted(range(n), key=lambda i: sims[i])
    ranks = [0.0] * n
    for position, i in enumerate(order):
        ranks[i] = position / max(1, n - 1)
    return ranks


def _named_later(candidates: Sequence[Paper]) -> list[tuple[int, str | None]]:
    """Per candidate: how many LATER candidates use the method name it introduces, and that name."""
    owners: dict[str, list[int]] = {}
    names: list[list[str]] = []
    for i, paper in enumerate(candidates):
        # Only a name the title uses ("ProRL: ..."): an abstract's "(ORMs)" is often a common term's.
        title_words = set(_NAME_TOKEN.findall(paper.title))
        if not any(_NAME_SHAPE.match(w) for w in title_words):  # method_names can find none: skip its regexes
            names.append([])
            continue
        own = [n for n in method_names(paper) if " " not in n and len(n) >= 3 and n in title_words]
        names.append(own)
        for name in own:
            owners.setdefault(name, []).append(i)
    unique = {name: found[0] for name, found in owners.items() if len(found) == 1}
    users: dict[int, set[int]] = {}
    for j, paper in enumerate(candidates):
        tokens = {w.strip(_PUNCTUATION) for w in f"{paper.title} {paper.abstract}".split()}
        for name in tokens & unique.keys():
            i = unique[name]
            earlier, later = candidates[i].submitted, paper.submitted
            if i != j and earlier and later and later > earlier:
                users.setdefault(i, set()).add(j)
    out: list[tuple[int, str | None]] = []
    for i in range(len(candidates)):
        count = len(users.get(i, ()))
        out.append((count, next((n for n in names[i] if n in unique), None) if count else None))
    return out


def _accepted(paper: Paper) -> tuple[float, str | None]:
    comment = paper.comment or ""
    found = _ACCEPTED.search(comment)
    if found is None and ("accepted" in paper.abstract or "to appear" in paper.abstract):
        found = _ACCEPTED_IN_TEXT.search(paper.abstract)
    if found is None:
        return 0.0, None
    venue = " ".join(found.group(0).split())
    return (0.5 if _WORKSHOP.search(comment) else 1.0), venue


def _has_code(paper: Paper) -> bool:
    text = f"{paper.comment or ''} {paper.abstract}"
    low = text.lower()
    if not any(hint in low for hint in _CODE_HINTS):  # the regex only where it can match: 10x faster
        return False
    return _CODE.search(text) is not None


def _named_points(count: int) -> float:
    return NAMED_POINTS * min(1.0, 0.4 * count if count < 3 else 0.8 + 0.1 * count) if count else 0.0


def score_of(s: Signals, include_rules: int) -> float:
    match = MATCH_POINTS * (0.5 * len(s.rules) / max(1, include_rules) + 0.5 * s.in_title)
    return (match + CENTRAL_POINTS * s.centrality + _named_points(s.named_by)
            + ACCEPTED_POINTS * s.accepted + CODE_POINTS * s.code)  # fmt: skip


def reason_of(s: Signals) -> str:
    """One line: what earned the score."""
    parts = [("title and text match " if s.in_title else "text matches ") + (", ".join(s.rules) or "the topic")]
    parts.append(f"centrality top {max(1, round(100 * (1 - s.centrality)))}%")
    if s.named_by:
        parts.append(f"{s.named_by} later paper{'s' if s.named_by > 1 else ''} use its name {s.name}")
    if s.accepted:
        parts.append(f"{'workshop' if s.accepted < 1 else 'accepted'}: {s.venue}")
    if s.code:
        parts.append("code released")
    return "; ".join(parts)


@dataclass
class BuiltinScorer:
    """Scores candidates from the corpus alone (see the module docstring). The year's 3,120 candidates
    of topic 07, scored and curated, take about 2 s of CPU (2.1-2.5x the time json needs to parse the
    year's files, measured side by side on a busy 2-core machine)."""

    name: str = "builtin"

    def score(self, candidates: Sequence[Paper], topic: Topic, progress: CurationProgress) -> Scores:
        progress.stage("score", len(candidates))
        token_lists = [_tokens(p) for p in candidates]
        df: Counter[str] = Counter()
        central = _centrality(token_lists, df) if candidates else []
        named = _named_later(candidates)
        found = phrase_themes([p.title for p in candidates], [p.abstract for p in candidates],
                              topic_vocabulary(topic), themes=THEMES, min_papers=max(2, len(candidates) // 100),
                              max_share=0.25, found_in_abstracts=False)
        themes = [found.labels[k] if k is not None else None for k in found.of_paper]
        by_id: dict[str, PaperScore] = {}
        for i, paper in enumerate(candidates):
            rules, in_title = _match(topic, paper)
            accepted, venue = _accepted(paper)
            code = _has_code(paper)
            signals = Signals(rules, in_title, central[i], named[i][0], named[i][1], accepted, venue, code)
            key = cite_key(paper)
            by_id[key] = PaperScore(key, round(score_of(signals, len(topic.include)), 4), reason_of(signals),
                                    themes[i])  # fmt: skip
        progress.advance("score", len(candidates))
        return Scores(by_id=by_id)
