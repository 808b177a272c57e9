"""A post's sentence that restates one sentence of an abstract closely, token by token.

Models often keep an abstract's sentence and change a word or two. When a sentence of a post matches a
sentence of its paper's abstract closely (:data:`CLOSE`: difflib's ratio over word tokens, numbers as one
token kind), what changed is read position by position:

- a number the abstract puts in another place of the same sentence ("48.9% versus 80.9%" written
  "80.9% versus 48.9%") is a swap, however the clause reads;
- a hedge the abstract has there ("suggests", "can reinforce") that the post replaced ("proves") or
  dropped ("reinforces") is a hedge dropped.

A sentence that matches no abstract sentence closely (a writer's own phrasing) is left to the other
checks (:mod:`.number_context`, :mod:`.hedges`).
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from .prose import detex, split_sentences

CLOSE = 0.7
_TOKEN = re.compile(r"\[@[^\]]*\]|(?<![\w.])\d+(?:,\d{3})*(?:\.\d+)?|[A-Za-z][\w'\-]*")
_NUMBER = re.compile(r"\d")
HEDGES = frozenset({"suggest", "suggests", "suggested", "suggesting", "indicate", "indicates", "indicated",
                    "indicating", "may", "might", "can", "could", "likely", "potentially", "possibly"})
MODALS = frozenset({"may", "might", "can", "could"})


@dataclass(frozen=True)
class Token:
    kind: str  # the word lowercased, or "<n>" for a number
    start: int
    end: int


def tokens(text: str) -> list[Token]:
    out = []
    for m in _TOKEN.finditer(text):
        if m.group(0).startswith("[@"):
            continue
        out.append(Token("<n>" if _NUMBER.match(m.group(0)) else m.group(0).lower(), m.start(), m.end()))
    return out


@dataclass(frozen=True)
class Alignment:
    source: str  # the abstract's sentence (LaTeX cleaned)
    post: list[Token]
    src: list[Token]
    opcodes: Sequence[tuple[str, int, int, int, int]]


def closest(sentence: str, abstract: str) -> Alignment | None:
    """The abstract's sentence that ``sentence`` restates closely, aligned; None when none is close."""
    post = tokens(sentence)
    if len(post) < 5:
        return None
    best: Alignment | None = None
    best_ratio = CLOSE
    for candidate, src in _source_sentences(abstract):
        matcher = difflib.SequenceMatcher(None, [t.kind for t in post], [t.kind for t in src], autojunk=False)
        if matcher.real_quick_ratio() < best_ratio or matcher.quick_ratio() < best_ratio:
            continue
        ratio = matcher.ratio()
        if ratio >= best_ratio:
            best, best_ratio = Alignment(candidate, post, list(src), matcher.get_opcodes()), ratio
    return best


@functools.lru_cache(maxsize=4096)
def _source_sentences(abstract: str) -> tuple[tuple[str, tuple[Token, ...]], ...]:
    """An abstract's sentences, each with its tokens (every sentence of a post is compared with them)."""
    return tuple((sentence, tuple(tokens(sentence))) for sentence in split_sentences(detex(abstract)))


def aligned_numbers(alignment: Alignment) -> list[tuple[Token, Token]]:
    """(post number, abstract number) pairs at the same place of the sentence."""
    pairs = []
    for op, i1, i2, j1, j2 in alignment.opcodes:
        if op in ("equal", "replace") and i2 - i1 == j2 - j1:
            pairs += [(alignment.post[i], alignment.src[j]) for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
                      if alignment.post[i].kind == alignment.src[j].kind == "<n>"]
    return pairs


def dropped_hedges(alignment: Alignment) -> list[tuple[Token, str]]:
    """The post's words that stand where the abstract's sentence hedges: (the post's word, the abstract's
    hedge with the word it governs)."""
    out: list[tuple[Token, str]] = []
    post_hedges = {t.kind for t in alignment.post} & HEDGES
    for op, i1, i2, j1, j2 in alignment.opcodes:
        lost = [t for t in alignment.src[j1:j2] if t.kind in HEDGES and t.kind not in post_hedges]
        if not lost or op == "equal":
            continue
        if op == "replace":
            word = next((t for t in alignment.post[i1:i2] if t.kind != "<n>"), None)
            if word is not None:
                out.append((word, lost[0].kind))
        elif op == "delete" and i1 < len(alignment.post) and lost[0].kind in MODALS:
            following = alignment.src[j2].kind if j2 < len(alignment.src) else ""
            out.append((alignment.post[i1], f"{lost[0].kind} {following}".strip()))
    return out
