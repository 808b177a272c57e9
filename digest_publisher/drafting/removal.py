"""Taking unverified claims out of a post so that its prose stays whole (see :func:`remove_unverified_numbers`)."""

from __future__ import annotations

import re
from typing import Any

from .grounding import citations_in
from .hedges import soften
from .numbers import remove_claim, remove_number, sentence_claims


def _find_sentence(body: str, sentence: str, line: int) -> re.Match[str] | None:
    """The sentence in the body, at or after its block's first line (the same sentence may recur in another
    section); blocks join their lines with a space, so any whitespace matches one."""
    pattern = r"\s+".join(re.escape(part) for part in sentence.split())
    if not pattern:
        return None
    start = sum(len(text) for text in body.splitlines(keepends=True)[: max(0, line - 1)])
    return re.compile(pattern).search(body, start)


def remove_unverified_numbers(body: str, claims: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """The body with every unverified claim taken out so that the prose stays whole, and the list of what
    was done, for the report (``action``):

    - ``softened``: an over-certain word given its paper's hedge back (:func:`.hedges.soften`);
    - ``number removed``: a number cut from a place that leaves its sentence whole
      (:func:`.numbers.remove_claim`; in a heading, :func:`.numbers.remove_number`);
    - ``sentence dropped``: the sentence taken out whole where the number's words need it; a paper it was
      the only citation of is still cited ("See also [@id].") so it stays in the post.
    """
    removed: list[dict[str, Any]] = []
    current = {id(claim): str(claim["sentence"]) for claim in claims}
    dropped: set[str] = set()
    # Bottom up: a line taken out (a list item left empty) never moves the lines of claims still to do.
    for claim in sorted(claims, key=lambda c: -int(c["line"])):
        if current[id(claim)] in dropped:
            continue
        found = _find_sentence(body, current[id(claim)], int(claim["line"]))
        if found is None:
            continue
        sentence = found.group(0)
        line_text = body[body.rfind("\n", 0, found.start()) + 1:found.start()]
        heading = line_text.lstrip().startswith("#")
        entry = {"line": claim["line"], "number": claim["number"], "sentence": claim["sentence"],
                 "sources": claim["sources"], **({"why": claim["why"]} if "why" in claim else {}),
                 **({"kind": claim["kind"]} if "kind" in claim else {})}
        fixed: str | None
        if claim.get("kind") == "hedge":
            fixed, action = soften(sentence, str(claim["number"]), str(claim.get("hedge", ""))), "softened"
        else:
            target = next((w for w in sentence_claims(sentence) if w.text == claim["number"]), None)
            if target is None:
                continue
            fixed = remove_number(sentence, target) if heading else remove_claim(sentence, target)
            action = "number removed"
        if fixed is None or (not heading and not written_sentence_ok(fixed)):
            rest = body[:found.start()] + body[found.end():]
            orphans = [k for k in dict.fromkeys(citations_in(sentence)) if k and k not in citations_in(rest)]
            fixed = f"See also [@{'; @'.join(orphans)}]." if orphans else ""
            action = "sentence dropped"
            dropped.add(current[id(claim)])
        body = _tidy_gap(body[:found.start()] + fixed + body[found.end():], found.start(), len(fixed))
        removed.append({**entry, "now": fixed, "action": action})
        # A second claim of the same sentence is looked up in the sentence's new text.
        was = current[id(claim)]
        for later in claims:
            if later["line"] == claim["line"] and current[id(later)] == was:
                current[id(later)] = fixed if action != "sentence dropped" else was
    return body, sorted(removed, key=lambda r: int(r["line"]))


def written_sentence_ok(sentence: str) -> bool:
    """A sentence left with some words besides its citations."""
    return bool(re.search(r"[A-Za-z]{3,}", re.sub(r"\[@[^\]]*\]", " ", sentence)))


def _tidy_gap(body: str, at: int, length: int) -> str:
    """After a sentence was dropped (``length`` 0) or replaced at ``at``: no doubled spaces, no line left as a
    bare list marker or quote mark."""
    if length:
        return body
    start = body.rfind("\n", 0, at) + 1
    end = body.find("\n", at)
    end = len(body) if end < 0 else end
    line = body[start:end]
    tidy = re.sub(r"[ \t]{2,}", " ", line).rstrip()
    if at == start:  # the line's first sentence went
        tidy = tidy.lstrip()
    if re.fullmatch(r"\s*(?:[-*+]|\d+[.)]|>)?\s*", tidy):
        return body[:start] + body[min(len(body), end + 1):]
    return body[:start] + tidy + body[end:]


_CONTENT_WORD = re.compile(r"[a-z][a-z\-]{3,}")
_CLOSING = re.compile(r"road ahead|what to watch|looking ahead|outlook|open (?:questions|problems)|conclusion|"
                      r"takeaway|what(?:'s| is) next|closing|the bottom line", re.I)


def _words(sentence: str) -> set[str]:
    return {w[:6] for w in _CONTENT_WORD.findall(re.sub(r"\[@[^\]]*\]", " ", sentence).lower())}


def drop_restated_closing(body: str, exempt: frozenset[str]) -> tuple[str, list[dict[str, Any]]]:
    """The closing section (the last ``##`` section that is not one of ``exempt``, when its heading says it
    closes: "The Road Ahead", "What to Watch", "Outlook", "Conclusion" ...) without the sentences that
    restate a fact an earlier section states: a sentence citing a paper an earlier sentence cites, and stating
    one of its numbers or most of its words (half of the content words of the shorter). The closing section
    looks ahead; it does not repeat. Returns the body and what was dropped, for the report."""
    from .grounding import attributed_sentences, parse_blocks

    blocks = parse_blocks(body)
    sections = [b.text for b in blocks if b.kind == "heading" and b.level == 2 and b.text.casefold() not in exempt]
    if len(sections) < 2:
        return body, []
    closing = sections[-1]
    if not _CLOSING.search(closing):
        return body, []  # the last section is a theme of its own, not a look ahead
    earlier: list[tuple[str, str, set[str], set[str], set[str]]] = []
    dropped: list[dict[str, Any]] = []
    for block in blocks:
        if block.kind in ("heading", "table", "rule") or not block.h2 or block.h2.casefold() in exempt:
            continue
        for sentence, _ in attributed_sentences(block.text, []):
            cited = {k for k in citations_in(sentence) if k}
            numbers = {w.text for w in sentence_claims(sentence)}
            words = _words(sentence)
            if block.h2 != closing:
                earlier.append((block.h2, sentence, cited, numbers, words))
                continue
            for heading, other, other_cited, other_numbers, other_words in earlier:
                shared_words = len(words & other_words) / max(1, min(len(words), len(other_words)))
                if cited & other_cited and (numbers & other_numbers or shared_words >= 0.5):
                    found = _find_sentence(body, sentence, block.line)
                    if found is not None:
                        body = _tidy_gap(body[:found.start()] + body[found.end():], found.start(), 0)
                        dropped.append({"section": closing, "sentence": sentence, "restates": other,
                                        "in_section": heading})
                    break
    return body, dropped
