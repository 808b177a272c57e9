"""A claim keeps its paper's certainty: hedges kept, none invented.

Checked by code on each sentence of a post against the abstracts of the papers that sentence is about
(the same attribution as numbers: :func:`.grounding.attributed_sentences`). A word is flagged only when
no cited abstract uses it (or a word of its family), so a sentence that keeps an abstract's own words
is never flagged:

- **proof**: "proves", "proven", "guarantees" where no cited abstract speaks of proof, a theorem or a
  guarantee;
- **certainty**: "reliably", "always", "invariably", "certainly", "conclusively", "never fails" ... that
  no cited abstract says;
- **evidence**: "shows", "demonstrates", "establishes", "confirms" about a paper whose abstract only
  suggests or indicates (it uses such a word and none of this family);
- **dropped hedge**: a verb the abstract only ever writes after "may", "might", "can", "could" or
  "would" ("can reinforce"), written without any hedge ("reinforces").

A flagged word is repaired like a number (one small call with the reason); what the repair leaves,
:func:`soften` rewrites with the paper's own hedge ("proves" -> "suggests", "reinforces" ->
"can reinforce", "reliably" dropped), so the sentence stays whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_MODALS = r"may|might|can|could|would"
_HEDGE_WORDS = re.compile(
    rf"\b(?:{_MODALS}|suggest\w*|indicat\w*|likely|potentially|possibly|appears?|seems?|tends?|help\w*|"
    r"aims?|allow\w*|enabl\w*|able|hint\w*|promis\w*|not)\b", re.I)
_PROOF = re.compile(r"\b(?:prov(?:es|ed|en|ing|e)|proof|guarantee[sd]?|guaranteeing)\b", re.I)
_PROOF_SOURCE = re.compile(r"\b(?:prov(?:e|es|ed|en|ing|ably|able)|proofs?|theorems?|guarantee\w*|certif\w*)\b", re.I)
_CERTAIN = re.compile(r"\b(?:reliably|always|invariably|certainly|definitively|conclusively|undoubtedly|"
                      r"unquestionably|never fails|without fail|every time)\b", re.I)
_EVIDENCE = re.compile(r"\b(?:show(?:s|ed|n|ing)?|demonstrat(?:es|ed|ing|e)|establish(?:es|ed|ing)?|"
                       r"confirm(?:s|ed|ing)?)\b", re.I)
_WEAK_SOURCE = re.compile(r"\b(?:suggest\w*|indicat\w*|hint\w*|preliminary|may|might)\b", re.I)
_HEDGED_VERB = re.compile(
    rf"\b(?P<modal>{_MODALS})\s+(?:also\s+|further\s+|still\s+|even\s+|thus\s+)?(?P<verb>[a-z]{{4,}})\b", re.I)
_NOT_VERBS = frozenset(["be", "have", "also", "not", "only", "further", "still", "even", "thus", "then", "more",
                        "less", "help", "lead", "serve", "become", "remain"])


@dataclass(frozen=True)
class HedgeClaim:
    word: str  # as the post writes it
    start: int
    end: int
    why: str
    kind: str  # proof, certainty, evidence, dropped
    hedge: str = ""  # the abstract's own phrase ("can reinforce"), for a dropped hedge


def _root(verb: str) -> str:
    verb = verb.lower()
    return verb[:-1] if verb.endswith("e") else verb


def _forms(verb: str) -> re.Pattern[str]:
    root = _root(verb)
    return re.compile(rf"\b{re.escape(root)}(?:e|es|ed|ing|s|d)?\b", re.I)


def _hedged_before(text: str, start: int) -> bool:
    """A hedge among the three words before ``start``, within its sentence or clause."""
    clause = re.split(r"[.!?;:,]\s", text[:start])[-1]
    return bool(_HEDGE_WORDS.search(" ".join(clause.split()[-3:])))


def hedge_claims(sentence: str, abstracts: Iterable[str]) -> list[HedgeClaim]:
    """The words of ``sentence`` that claim more certainty than every one of ``abstracts`` (its papers')."""
    sources = [" ".join(a.split()) for a in abstracts]
    if not sources:
        return []
    plain = re.sub(r"\[@[^\]]*\]", lambda m: " " * len(m.group(0)), sentence)
    found: list[HedgeClaim] = []

    def said(pattern: re.Pattern[str], word: str) -> bool:
        return any(re.search(rf"\b{re.escape(word)}\b", s, re.I) for s in sources) or (
            pattern is not _CERTAIN and any(pattern.search(s) for s in sources))

    for m in _PROOF.finditer(plain):
        if not any(_PROOF_SOURCE.search(s) for s in sources):
            found.append(HedgeClaim(m.group(0), m.start(), m.end(), f'"{m.group(0)}": no cited abstract claims a '
                                    "proof or a guarantee", "proof"))
    for m in _CERTAIN.finditer(plain):
        if not said(_CERTAIN, m.group(0)):
            found.append(HedgeClaim(m.group(0), m.start(), m.end(), f'"{m.group(0)}": a certainty no cited abstract '
                                    "states", "certainty"))
    for m in _EVIDENCE.finditer(plain):
        if all(_WEAK_SOURCE.search(s) and not _EVIDENCE.search(s) and not _PROOF_SOURCE.search(s) for s in sources):
            weak = _WEAK_SOURCE.search(sources[0])
            found.append(HedgeClaim(m.group(0), m.start(), m.end(), f'"{m.group(0)}": the paper only says '
                                    f'"{weak.group(0) if weak else "suggests"}"', "evidence"))
    # Dropped hedges: a verb the abstracts write only after a modal, written bare.
    hedged: dict[str, str] = {}
    for s in sources:
        for m in _HEDGED_VERB.finditer(s):
            verb = m["verb"].lower()
            if verb not in _NOT_VERBS:
                hedged.setdefault(_root(verb), f"{m['modal'].lower()} {verb}")
    for root, phrase in hedged.items():
        pattern = _forms(root)
        # Where the paper also writes the verb inflected without a hedge ("reinforces"), it states it; a bare
        # base form ("a model", "to model") is a noun or an infinitive and says nothing either way.
        bare = {w.group(0).lower() for s in sources for w in pattern.finditer(s) if not _hedged_before(s, w.start())}
        for w in pattern.finditer(plain):
            word = w.group(0).lower()
            if word in bare or any(b != _root(b) and b != root and b != root + "e" for b in bare):
                continue
            if not _hedged_before(plain, w.start()) and not any(c.start <= w.start() < c.end for c in found):
                found.append(HedgeClaim(w.group(0), w.start(), w.end(), f'"{w.group(0)}": the paper says '
                                        f'"{phrase}"', "dropped", phrase))
    return sorted(found, key=lambda c: c.start)


_SOFTER = {"proves": "suggests", "prove": "suggest", "proved": "suggested", "proven": "suggested",
           "proving": "suggesting", "proof": "evidence", "guarantees": "helps ensure", "guarantee": "help ensure",
           "guaranteed": "expected", "guaranteeing": "helping ensure", "shows": "suggests", "show": "suggest",
           "showed": "suggested", "shown": "suggested", "showing": "suggesting", "demonstrates": "suggests",
           "demonstrate": "suggest", "demonstrated": "suggested", "demonstrating": "suggesting",
           "establishes": "suggests", "establish": "suggest", "established": "suggested",
           "establishing": "suggesting", "confirms": "suggests", "confirm": "suggest", "confirmed": "suggested",
           "confirming": "suggesting", "never fails": "rarely fails"}


def soften(sentence: str, word: str, hedge: str = "") -> str:
    """``sentence`` with one over-certain ``word`` given the paper's hedge back (see the module's rule):
    the sentence stays whole."""
    m = re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", sentence)
    if m is None:
        return sentence
    lowered = word.lower()
    if hedge and " " not in hedge:  # the abstract's own hedge word in the place of the post's
        repl = hedge
    elif hedge:
        modal = hedge.split()[0]
        base = lowered if not re.search(r"(?:es|ed|s|d|ing)$", lowered) else hedge.split()[-1]
        repl = f"{modal} {base}"
    elif lowered in _SOFTER:
        repl = _SOFTER[lowered]
    else:  # an adverb of certainty ("reliably", "always") goes
        before, after = sentence[:m.start()].rstrip(), sentence[m.end():].lstrip()
        joined = before + (" " if before and after[:1].isalnum() else "") + after
        return re.sub(r"\s+([,.;:])", r"\1", joined)
    if word[:1].isupper():
        repl = repl[:1].upper() + repl[1:]
    return sentence[:m.start()] + repl + sentence[m.end():]
