"""Which paper each number of a sentence is about, as a reader reads it.

A sentence that cites one paper gives all its numbers to that paper. A sentence that cites several
(``"A [@a] reaches 76% and B [@b] 39 points"``, ``"... by 38.8 and 10.7 points respectively ([@a; @b])"``)
gives each number to the papers named nearest to it:

- the sentence is cut into clauses at punctuation and at "and", "while", "but", "whereas" (citations,
  with their parentheses, are blanked first so they never cut a clause);
- an anchor is a citation or a paper's name (its short name or its own method name); a citation of one
  paper is a strong anchor, a group (``[@a; @b]``) a weak one, counted only where no strong anchor is;
- a clause's numbers belong to its anchors; a clause that holds anchors and no number ("A [@a] and
  B [@b] reach ...") lends them to the next clause that holds a number; a clause with a number and no
  anchor takes the anchors of the nearest clause before it that has some (else after it);
- "respectively" pairs the sentence's numbers with its papers in order when they are as many;
- where nothing decides, a number belongs to every paper the sentence cites (never a false flag).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from .numbers import Written

_CITE_GROUP = re.compile(r"\(?\[@[^\]]*\]\)?")
_BOUNDARY = re.compile(r"[,;:()]|\s(?:and|while|whereas|but|versus|vs\.?)\s|\s[—–]\s", re.I)


def _cited(group: str) -> list[str]:
    inner = group.strip("()")[1:-1]
    return [part.strip()[1:].strip() for part in inner.split(";") if part.strip().startswith("@")]


def number_owners(sentence: str, numbers: Sequence[Written], keys: Sequence[str],
                  aliases: Mapping[str, Sequence[str]]) -> list[list[str]]:
    """For each number of ``numbers`` (spans into ``sentence``), the cited papers (of ``keys``) it is about."""
    everyone = list(dict.fromkeys(keys))
    if len(everyone) < 2 or not numbers:
        return [everyone for _ in numbers]
    anchors: list[tuple[int, list[str], bool]] = []  # (position, keys, strong)
    blanked = sentence
    for m in _CITE_GROUP.finditer(sentence):
        cited = [k for k in dict.fromkeys(_cited(m.group(0))) if k in everyone]
        if cited:
            anchors.append((m.start(), cited, len(cited) == 1))
        blanked = blanked[:m.start()] + " " * (m.end() - m.start()) + blanked[m.end():]
    for key in everyone:
        for alias in aliases.get(key, ()):
            if len(alias) < 2:
                continue
            for m in re.finditer(rf"(?<![\w-]){re.escape(alias)}(?![\w-])", blanked):
                anchors.append((m.start(), [key], True))
    ordered = sorted(anchors)
    if re.search(r"\brespectively\b", sentence, re.I):
        in_order = list(dict.fromkeys(k for _, ks, _ in ordered for k in ks))
        if len(in_order) == len(numbers):
            return [[k] for k in in_order]
    cuts = [m.start() for m in _BOUNDARY.finditer(blanked)]

    def clause(pos: int) -> int:
        return sum(c < pos for c in cuts)

    count = len(cuts) + 1
    strong: list[list[str]] = [[] for _ in range(count)]
    weak: list[list[str]] = [[] for _ in range(count)]
    for pos, ks, is_strong in ordered:
        (strong if is_strong else weak)[clause(pos)].extend(ks)
    has_number = [False] * count
    for number in numbers:
        has_number[clause(number.start)] = True
    own: list[list[str]] = [list(dict.fromkeys(s or w)) for s, w in zip(strong, weak, strict=True)]
    lent: list[str] = []
    for i in range(count):  # "A [@a] and B [@b] reach 76% and 39 points": the subjects go to the numbers
        if own[i] and not has_number[i]:
            lent += own[i]
        elif has_number[i] and lent:
            own[i] = list(dict.fromkeys(lent + own[i]))
            lent = []
    out: list[list[str]] = []
    for number in numbers:
        c = clause(number.start)
        found = own[c] or next((own[j] for j in range(c - 1, -1, -1) if own[j]), None) or next(
            (own[j] for j in range(c + 1, count) if own[j]), None)
        out.append(found or everyone)
    return out
