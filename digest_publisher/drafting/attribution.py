"""Which paper each number of a sentence is about, as a reader reads it.

A sentence that cites one paper gives all its numbers to that paper. A sentence that cites several
(``"A [@a] reaches 76% and B [@b] 39 points"``, ``"... by 38.8 and 10.7 points respectively ([@a; @b])"``)
gives each number to the papers named nearest to it:

- the sentence is cut into clauses where :mod:`.number_context` cuts them (punctuation, "and", "while",
  "but", "whereas" ...; citations, with their parentheses, are blanked first so they never cut a clause);
- an anchor is a citation or a paper's name (its short name or its own method name); a citation of one
  paper is a strong anchor, a group (``[@a; @b]``) a weak one, counted only where no strong anchor is;
- a clause's numbers belong to its anchors; a clause that holds only anchors ("A [@a] and B [@b] reach
  ...") lends them to the clause right after it when that clause holds a number; a clause with a number and no
  anchor takes the anchors of the nearest clauses before and after it that have some (either may be the
  one a reader gives it);
- "respectively" pairs the sentence's numbers with its papers in order when they are as many and the
  papers are cited together or all named before the numbers;
- where nothing decides, a number belongs to every paper the sentence cites (never a false flag).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from .number_context import CLAUSE_BOUNDARY
from .numbers import Written

_CITE_GROUP = re.compile(r"\(?\[@[^\]]*\]\)?")


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
        # The papers "respectively" runs over: one citation of them all, or all named before the numbers.
        together = any(set(ks) == set(everyone) for _, ks, _ in ordered) or all(
            any(pos < numbers[0].start for pos, ks, _ in ordered if k in ks) for k in everyone)
        if together and len(in_order) == len(numbers):
            return [[k] for k in in_order]
    cuts = [m.start() for m in CLAUSE_BOUNDARY.finditer(blanked)]

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
    # What a clause says besides its anchors: a clause of names only ("A [@a] and B [@b] reach ...") is a subject.
    residue = blanked
    for pos, ks, _ in sorted(anchors, reverse=True):
        name = next((a for k in ks for a in aliases.get(k, ()) if blanked.startswith(a, pos)), "")
        residue = residue[:pos] + " " * len(name) + residue[pos + len(name):]
    bounds = [0, *cuts, len(residue)]
    words = [len(re.findall(r"[A-Za-z]{2,}", residue[bounds[i]:bounds[i + 1]])) for i in range(count)]
    lent: list[str] = []
    for i in range(count):  # "A [@a] and B [@b] reach 76% and 39 points": the subjects go to the numbers
        if own[i] and not has_number[i] and words[i] <= 2:
            lent += own[i]
            continue
        if has_number[i] and lent:
            own[i] = list(dict.fromkeys(lent + own[i]))
        lent = []  # only to the clause right after them
    out: list[list[str]] = []
    for number in numbers:
        c = clause(number.start)
        before = [own[j] for j in range(c - 1, -1, -1) if own[j]]
        after = [own[j] for j in range(c + 1, count) if own[j]]
        # Between two papers' clauses, a number could be either's: the one before, or the one a citation
        # closing its stretch names ("..., while B, on 12 tasks, reaches 39 points ([@b])").
        out.append(own[c] or list(dict.fromkeys([*before[:1][0], *after[:1][0]])) if before and after else
                   own[c] or (before or after or [everyone])[0])
    return out
