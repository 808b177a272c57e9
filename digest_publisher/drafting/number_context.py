"""What a number is about: two numbers of one paper swapped, or one number put where another belongs.

:mod:`.numbers` checks a number's value ("is 12% stated by a paper this sentence cites?"); this module
checks its place. A stated value says something about the words around it in the abstract ("latency
falls 12%"), and a written one about the words around it in the post ("accuracy rises 12%"). Each word
of a sentence belongs to the number nearest to it in its clause (clauses end at punctuation and at
"and", "while", "but": "accuracy rises 45% and latency falls 12%" gives "accuracy rises" to 45% and
"latency falls" to 12%), within :data:`REACH` words; words are compared by their stem (the first five
letters), so "latencies" is "latency"; stop words and the words every result shares ("model",
"results", "improves") say nothing.

A number is flagged only on strong evidence, so that a careful writer's rephrasing ("cuts latency by
12%", "12% lower latency", "three benchmarks") is never flagged:

- **swapped**: two numbers of the sentence, stated by the same cited paper, each sharing at least one
  word with what only the OTHER value's context in the abstract has, and crossing them matches more
  such words than keeping them ("accuracy rises 12% and latency falls 45%" for "accuracy rises 45% and latency
  falls 12%");
- **misplaced**: a number sharing no word with any context of its value in the abstract, but at least two
  with the context of another value of that paper the sentence does not write ("latency falls 45%" when
  45% is the accuracy gain and the paper states the latency cut too), or one that is a name (a benchmark,
  "GSM8K", "AIME": two capitals): "33% on GSM8K" when 33% is the AIME score.

A leading phrase ("On AIME, it scores 79%") belongs to the clause it introduces.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from .numbers import COUNT_WORD, Written, is_faithful, written_numbers
from .prose import detex, split_sentences

REACH = 5  # words either side of a number that can belong to it
_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*")
_STOP = frozenset("""
a an the and or but nor of to in on at by for from with without into onto over under than then as is are was
were be been being it its this that these those which who whom whose while whereas when where both each
either more most less least much many few some such same other another up down out off about around
nearly almost roughly approximately only also even still yet just very per via vs versus respectively
their there they them we our us he she his her you your not no yes can could may might will would shall
should do does did has have had than after before between across against among all any one two three
four five six seven eight nine ten percent percentage point points times fold pp x while
model models method methods approach approaches result results show shows showed shown achieve achieves
achieved improve improves improved improvement improvements reach reaches reaching reached gain gains
yield yields yielding outperform outperforms baseline baselines paper work using use uses used based
respectively overall average averaged relative absolute compared comparison
""".split())  # noqa: SIM905 (a word list reads better as text)


# Where a clause ends: a word never belongs to a number across one ("accuracy rises 45% and latency falls 12%").
CLAUSE_BOUNDARY = re.compile(r"[,;:()]|\s(?:and|while|whereas|but|yet|versus|vs\.?)\s", re.I)
_CLAUSE = "\x00"
_LEADING_PHRASE = re.compile(r"^\s*(?:On|In|For|Across|At)\s+[^,\d]{1,40}$")


def _stem(word: str) -> str:
    word = word.lower().strip("'-")
    return word[:5] if len(word) > 5 else word.rstrip("s")


@dataclass(frozen=True)
class Placed:
    """A number of a sentence and the stems of the words that belong to it."""

    number: Written
    context: frozenset[str]


def contexts(sentence: str) -> list[Placed]:
    """Each number of ``sentence`` with the words nearest to it (see the module's rule)."""
    numbers = written_numbers(sentence)
    if not numbers:
        return []
    # Token positions: words and numbers in order; a number's span is one token. A number word that is not
    # a claim ("eight benchmarks") still takes its words, as its digits would ("8 benchmarks"), so that a
    # writer's "eight" and an abstract's "8" leave the claims around them the same words.
    tokens: list[tuple[int, str | int]] = []  # (char position, word or number index)
    for index, number in enumerate(numbers):
        tokens.append((number.start, index))
    counts = [m.start() for m in COUNT_WORD.finditer(sentence)
              if not any(n.start <= m.start() < n.end for n in numbers)]
    for index, start in enumerate(counts, len(numbers)):
        tokens.append((start, index))
    for m in _WORD.finditer(sentence):
        if m.start() in counts or any(n.start <= m.start() < n.end for n in numbers):
            continue  # a hedge or unit word is part of its number
        tokens.append((m.start(), m.group(0)))
    for m in CLAUSE_BOUNDARY.finditer(sentence):
        if m.group(0) == "," and _LEADING_PHRASE.match(sentence[:m.start()]):
            continue  # "On AIME, it scores 79%": the leading phrase says what the number is about
        tokens.append((m.start(), _CLAUSE))
    tokens.sort(key=lambda t: t[0])
    clause_of, clause = [], 0
    for _, token in tokens:
        clause += token == _CLAUSE
        clause_of.append(clause)
    where = [i for i, (_, t) in enumerate(tokens) if isinstance(t, int)]
    owned: list[set[str]] = [set() for _ in range(len(numbers) + len(counts))]
    for i, (_, token) in enumerate(tokens):
        if isinstance(token, int) or token == _CLAUSE or token.lower() in _STOP or len(token) < 3:
            continue
        # The nearest number of the word's clause; a word halfway between two goes to both.
        mine = [j for j in where if clause_of[j] == clause_of[i]]
        nearest = min((abs(j - i) for j in mine), default=REACH + 1)
        for j in mine:
            if abs(j - i) == nearest <= REACH:
                owned[tokens[j][1]].add(_stem(token))  # type: ignore[index]
    return [Placed(n, frozenset(c)) for n, c in zip(numbers, owned, strict=False)]


@dataclass(frozen=True)
class Stated:
    """A value an abstract states, with the words around it there."""

    value: Decimal
    context: frozenset[str]


def stated_contexts(text: str) -> list[Stated]:
    """Every number of a title and abstract with its context, sentence by sentence."""
    out: list[Stated] = []
    for sentence in split_sentences(detex(text)):
        out += [Stated(abs(p.number.value), p.context) for p in contexts(sentence)]
        out += [Stated(abs(p.number.high), p.context) for p in contexts(sentence) if p.number.high is not None]
    return out


def _context_of(value: Decimal, stated: Iterable[Stated]) -> frozenset[str]:
    return frozenset().union(*(s.context for s in stated if s.value == value))


def _values_for(number: Written, stated: list[Stated]) -> set[Decimal]:
    return {s.value for s in stated if is_faithful(number, {s.value})}


def misplaced_numbers(sentence: str, stated: list[Stated]) -> list[tuple[Written, str]]:
    """The numbers of ``sentence`` (all faithful in value to ``stated``, one paper's numbers) that sit in
    another number's place, each with the reason to give the writer."""
    placed = contexts(sentence)
    # A benchmark's or a system's name ("GSM8K", "AIME", "HumanEval") alone tells where a number belongs.
    names = {_stem(w) for w in _WORD.findall(sentence) if sum(c.isupper() for c in w) >= 2}
    flagged: dict[int, tuple[Written, str]] = {}
    supports = [_values_for(p.number, stated) for p in placed]
    # Swapped: two numbers, each with its own value, whose contexts fit the other value better.
    for i, a in enumerate(placed):
        for j in range(i + 1, len(placed)):
            b = placed[j]
            if len(supports[i]) != 1 or len(supports[j]) != 1 or supports[i] == supports[j]:
                continue
            (va,), (vb,) = supports[i], supports[j]
            # Only what tells the two values apart counts: a verb both share ("rises") says nothing.
            ca, cb = _context_of(va, stated), _context_of(vb, stated)
            ca, cb = ca - cb, cb - ca
            straight = len(a.context & ca) + len(b.context & cb)
            crossed_a, crossed_b = len(a.context & cb), len(b.context & ca)
            if crossed_a and crossed_b and crossed_a + crossed_b > straight:
                why = (f"{a.number.text} and {b.number.text} look swapped: the paper states {b.number.text} "
                       f"about what this sentence puts next to {a.number.text}, and the other way round")
                flagged[i], flagged[j] = (a.number, why), (b.number, why)
    # Misplaced: no word of its own value's context, at least two of another value's.
    written = {v for s in supports for v in s}
    for i, p in enumerate(placed):
        if i in flagged or not supports[i]:
            continue
        own = frozenset().union(*(_context_of(v, stated) for v in supports[i]))
        if p.context & own or not own:  # no words of its own in the abstract: nothing to compare with
            continue
        others = {s.value for s in stated} - written
        best = max(others, key=lambda v: len(p.context & _context_of(v, stated)), default=None)
        shared = p.context & _context_of(best, stated) if best is not None else frozenset()
        if best is not None and (len(shared) >= 2 or shared & names):
            listed = ", ".join(sorted(shared))
            flagged[i] = (p.number, f"{p.number.text} is about something else in the paper; what this sentence "
                                    f"puts next to it ({listed}) goes with another number the paper states")
    return [flagged[i] for i in sorted(flagged)]
