"""How ``[@id]`` reads, made consistent by code whatever the drafter wrote.

The renderer turns ``[@id]`` into the paper's short name, linked (``[@a; @b]`` into "A, B"). So a
citation reads well in two places only: where the name belongs in the sentence ("[@id] assigns credit
per token", "as shown in [@id]"), or in parentheses after a claim ("... at negligible cost ([@id])").
This module rewrites the two ways model prose goes wrong:

- the name written next to its own citation ("PAIR [@id] improves" would read "PAIR PAIR improves"):
  the written name goes, the citation (which shows it) stays;
- a citation dangling after a claim ("... at negligible inference cost [@id]." would read "... cost
  PAIR."): it is put in parentheses ("... cost ([@id]).", read "... cost (PAIR).").

- a sentence that opens with a paper's name and cites it again ("CRPO cuts cost ([@id])." would read
  "CRPO cuts cost (CRPO)."): it opens with the citation instead ("[@id] cuts cost.").

A citation after a word that takes a name ("in", "by", "see", "and", "from", "of", "with", "as",
"than", "like", "via") is where the name belongs, and stays as it is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from .prose import split_sentences

_CITATION = r"\[@[^\]]+\]"
# Words after which a citation stands where a name does ("as shown in [@id]").
_TAKES_A_NAME = frozenset({
    "in", "by", "see", "and", "or", "from", "of", "with", "as", "than", "like", "via", "to", "for", "on", "between",
    "versus", "vs.", "including", "unlike", "follows", "following", "extends", "extending", "builds",
})


def tidy_citations(text: str, aliases: Mapping[str, Sequence[str]]) -> str:
    """``text`` with doubled names removed and dangling citations parenthesised (see the module docstring);
    ``aliases`` maps a cited id to the names prose may call it (its short name, its method names)."""
    out = _drop_doubled_names(text, aliases)
    return _open_with_the_citation(_parenthesise_dangling(out), aliases)


_LINE = re.compile(r"^(\s*(?:[-*+]\s+|\d+[.)]\s+|>\s*)?)(.*)$")


def _open_with_the_citation(text: str, aliases: Mapping[str, Sequence[str]]) -> str:
    """A sentence that opens with a paper's name and cites it once more ("CRPO cuts cost ([@id]).", read
    "CRPO cuts cost (CRPO).") opens with the citation instead, which shows the name: "[@id] cuts cost."."""
    lines = []
    for line in text.split("\n"):
        match = _LINE.match(line)
        if match is None or "[@" not in line:
            lines.append(line)
            continue
        lines.append(match.group(1) + " ".join(_opened(s, aliases) for s in split_sentences(match.group(2))))
    return "\n".join(lines)


def _opened(sentence: str, aliases: Mapping[str, Sequence[str]]) -> str:
    for key, names in aliases.items():
        cite = f"[@{key}]"
        if sentence.count(f"@{key}") != 1 or cite not in sentence or sentence.startswith(cite):
            continue
        for name in sorted(names, key=len, reverse=True):
            opening = re.match(rf"(\*\*)?{re.escape(name)}(\*\*)?(?![\w-])", sentence)
            closing = re.search(rf"\s*(?:\(\s*{re.escape(cite)}\s*\)|{re.escape(cite)})(?=[.!?]?$)", sentence)
            if opening and closing:  # only a citation that closes the sentence repeats its opening name
                return cite + sentence[opening.end():closing.start()] + sentence[closing.end():]
    return sentence


def _drop_doubled_names(text: str, aliases: Mapping[str, Sequence[str]]) -> str:
    def replace(match: re.Match[str]) -> str:
        before, cite, closing = match.group(1), match.group(2), match.group(3)
        ids = [part.strip().removeprefix("@") for part in cite[1:-1].split(";")]
        if len(ids) != 1:
            return match.group(0)
        for name in sorted(aliases.get(ids[0], ()), key=len, reverse=True):
            # "PAIR [@id]", "PAIR ([@id])", "**PAIR** [@id]": the name right before its own citation.
            doubled = re.search(rf"(\*\*)?{re.escape(name)}(?:\*\*)?\s*(\()?$", before)
            if doubled and (doubled.start() == 0 or not before[doubled.start() - 1].isalnum()):
                cited = f"**{cite}**" if doubled.group(1) else cite
                # The opening parenthesis went with the name, so its closing one goes too.
                return before[: doubled.start()] + cited + ("" if doubled.group(2) else closing)
        return match.group(0)

    return re.sub(rf"([^\n]*?)({_CITATION})(\)?)", replace, text)


def _parenthesise_dangling(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        word, cite, end = match.group(1), match.group(2), match.group(3)
        if word.lower().strip("*_") in _TAKES_A_NAME:
            return match.group(0)
        return f"{word} ({cite}){end}"

    # a word (not a citation, not an opening parenthesis), a space, the citation, then punctuation or the end.
    return re.sub(rf"(?<=\s)([\w\-’'.%*]+?[\w%*])\s+({_CITATION})(?=\s*[.,;:!?]|\s*$)(\s*)", replace, text, flags=re.M)
