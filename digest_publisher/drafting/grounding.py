"""Grounding checks, done by code on the Markdown of a post (never by another model call).

- every citation ``[@id]`` names a selected paper;
- every "Surname et al." and every paper-like name heading a ``###`` resolves to a selected paper;
- every number in a sentence is stated by a paper that sentence cites, as careful writers state numbers
  (:mod:`.numbers`: words or digits, rounded, hedged, ranges); a sentence without a citation takes the
  papers of the nearest sentence of its block that cites, else its subsection's (for headings: their
  subsection's); and it is about what the paper states it about (:mod:`.number_context`: two numbers
  of one paper swapped, or one put where another belongs, are flagged with the reason, ``why``);
- no section is empty (hard) or shorter than its minimum (soft: reported, never failing a draft).

Code-written parts are exempt: the "N papers analyzed" line, the series footer and the Run Metadata
section hold counts and dates that come from the corpus and the run, not from any paper.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from ..models import Paper
from ..names import method_names, short_names, surnames
from .alignment import aligned_numbers, closest, dropped_hedges
from .attribution import number_owners
from .base import DraftRequest
from .hedges import hedge_claims
from .number_context import Stated, misplaced_numbers, stated_contexts
from .numbers import (
    Written,
    is_faithful,
    is_faithful_ratio,
    sentence_claims,
    stated_ratios,
    stated_values,
    written_numbers,
)
from .prose import md_unescape, split_sentences, word_count

CITATION = re.compile(r"\[(@[^\]]*)\]")
HEADER_LINE = re.compile(r"^\*\*\d[\d,]* papers (?:analy[sz]ed|discussed of \d[\d,]* screened)\*\*")
FOOTER_LINE = re.compile(r"^\*This article is part of ")
EXEMPT_SECTIONS = frozenset({"run metadata"})
_ET_AL = re.compile(r"\b([A-Z][\w'’\-]+(?:\s(?:de|van|von|der|da|di|le|la)\s[A-Z][\w'’\-]+)?)\s+et\s+al\.")
# A heading that starts with a name like "AMR-SD", "EnvFactory" or "Spreadsheet-RL" before a colon.
_NAME_LIKE = re.compile(r"^(?=\S*[A-Z]\S*[A-Z0-9\-])[\w\-.+]{2,40}$")


@dataclass(frozen=True)
class Block:
    kind: str  # heading, para, item, quote, table, rule
    text: str
    line: int  # 1-based line in the body
    level: int = 0  # heading level
    h2: str = ""  # enclosing H2 heading
    h3: str = ""  # enclosing H3 heading


def parse_blocks(body: str) -> list[Block]:
    """Split Markdown into the blocks grounding reasons about (one list item = one block)."""
    blocks: list[Block] = []
    h2 = h3 = ""
    current: list[str] = []
    kind = ""
    start = 0

    def flush() -> None:
        nonlocal current, kind
        if current:
            blocks.append(Block(kind, " ".join(s.strip() for s in current).strip(), start, 0, h2, h3))
        current, kind = [], ""

    for number, raw in enumerate(body.splitlines(), 1):
        line = raw.rstrip()
        stripped = line.strip()
        heading = re.match(r"^(#{1,6})\s+(.*?)\s*#*$", stripped)
        if not stripped:
            flush()
            continue
        if heading:
            flush()
            level = len(heading.group(1))
            text = heading.group(2)
            if level <= 2:
                h2, h3 = text, ""
            elif level == 3:
                h3 = text
            blocks.append(Block("heading", text, number, level, h2, h3))
            continue
        if re.match(r"^(-{3,}|\*{3,}|_{3,})$", stripped):
            flush()
            blocks.append(Block("rule", stripped, number, 0, h2, h3))
            continue
        item = re.match(r"^(?:[-*+]|\d+[.)])\s+(.*)$", stripped)
        if item and kind != "table":
            flush()
            kind, start, current = "item", number, [item.group(1)]
            continue
        if stripped.startswith(">"):
            if kind != "quote":
                flush()
                kind, start = "quote", number
            current.append(stripped.lstrip(">").strip())
            continue
        if stripped.startswith("|"):
            if kind != "table":
                flush()
                kind, start = "table", number
            current.append(stripped)
            continue
        if not kind:
            kind, start = "para", number
        current.append(stripped)
    flush()
    return blocks


def citations_in(text: str) -> list[str]:
    """Cited ids in order: ``[@a; @b]`` -> ``["a", "b"]``; a malformed one yields ``""``."""
    out: list[str] = []
    for m in CITATION.finditer(text):
        for part in m.group(1).split(";"):
            key = part.strip()
            out.append(key[1:].strip() if key.startswith("@") else "")
    return out


@dataclass
class GroundingReport:
    citations: dict[str, int] = field(default_factory=dict)  # id -> times cited
    unknown_citations: list[str] = field(default_factory=list)
    unresolved_names: list[str] = field(default_factory=list)
    unverified_claims: list[dict[str, Any]] = field(default_factory=list)
    section_problems: list[str] = field(default_factory=list)
    short_sections: list[str] = field(default_factory=list)  # soft: reported, never failing a draft

    @property
    def hard_problems(self) -> list[str]:
        """Problems that always fail a draft (unverified numbers are judged by the caller's policy)."""
        return [*self.unknown_citations, *self.unresolved_names, *self.section_problems]

    def describe(self, *, with_claims: bool = True) -> list[str]:
        problems = list(self.hard_problems)
        if with_claims:
            problems += [f"line {c['line']}: {c['why']}" if c.get("kind") == "hedge" else
                         f"line {c['line']}: number {c['number']!r} is not in {c['sources']}" for c in
                         self.unverified_claims]
        return problems

    def to_dict(self) -> dict[str, Any]:
        return {
            "citations": dict(sorted(self.citations.items())),
            "unknown_citations": self.unknown_citations,
            "unresolved_names": self.unresolved_names,
            "unverified_claims": self.unverified_claims,
            "section_problems": self.section_problems,
            "short_sections": self.short_sections,
        }


@dataclass(frozen=True)
class SectionLimits:
    min_h2_words: int = 60
    min_h3_words: int = 25


def _sources_of(keys: list[str], papers: Mapping[str, Paper], cards: Mapping[str, str]) -> set[Decimal]:
    values: set[Decimal] = set()
    for key in keys:
        paper = papers.get(key)
        if paper is None:
            continue
        values |= stated_values(paper.title + " " + paper.abstract + " " + cards.get(key, ""))
        if paper.submitted is not None:
            values |= {Decimal(paper.submitted.year), Decimal(paper.submitted.day)}
    return values


# A citation that closes the sentence before it: "... the result. ([@a]) Next" or "... the result. [@a]. Next";
# a bare one ("[@a] does X.") opens its own sentence.
_LEADING_CITATION = re.compile(r"^(?:\(\[@[^\]]*\]\)[.,;]?|\[@[^\]]*\][.,;])(?:\s+|$)")


def attributed_sentences(text: str, fallback: list[str]) -> list[tuple[str, list[str]]]:
    """A block's sentences, each with the papers its numbers are checked against: the ones it cites, else
    the nearest citing sentence's before it, else after it, else ``fallback`` (its subsection's)."""
    sentences: list[str] = []
    for piece in split_sentences(text) or [text]:
        # "... the result. ([@a]) Next sentence": a citation right after a full stop closes the sentence before.
        lead = _LEADING_CITATION.match(piece)
        if lead and sentences:
            sentences[-1] += " " + lead.group(0).strip()
            piece = piece[lead.end():]
        if piece.strip():
            sentences.append(piece)
    cited = [[k for k in citations_in(s) if k] for s in sentences]
    out: list[tuple[str, list[str]]] = []
    for i, sentence in enumerate(sentences):
        own = cited[i]
        if not own:
            before = next((cited[j] for j in range(i - 1, -1, -1) if cited[j]), None)
            after = next((cited[j] for j in range(i + 1, len(cited)) if cited[j]), None)
            own = before or after or fallback
        out.append((sentence, own))
    return out


def unsourced_meta_numbers(text: str, request: DraftRequest) -> list[str]:
    """The numbers of a title, hook or excerpt that no paper is cited for: all but the post's own facts, which
    the meta prompt allows ("19 papers", "of 3,120 screened", "May 21-22, 2026": the paper counts and the
    window's days and years)."""
    start, end = request.window
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)] if end >= start else []
    own = {Decimal(len(request.papers)), *([Decimal(request.screened)] if request.screened else [])}
    own |= {Decimal(d.day) for d in days} | {Decimal(d.year) for d in days}
    return [w.text for w in written_numbers(text) if not {w.value, *([w.high] if w.high is not None else [])} <= own]


def _names_in(paper: Paper) -> str:
    return f" {paper.title} {paper.abstract} ".casefold()


def check_grounding(
    body: str,
    papers: Mapping[str, Paper],
    cards: Mapping[str, str] | None = None,
    limits: SectionLimits = SectionLimits(),
    *,
    line_offset: int = 0,
    names: Mapping[str, str] | None = None,
) -> GroundingReport:
    """Check a post body (or one section of it) against the selected papers (by cite key); ``names`` are
    the post's short names (computed from ``papers`` when not given)."""
    cards = cards or {}
    report = GroundingReport()
    blocks = parse_blocks(body)
    known_surnames = {n.casefold() for p in papers.values() for n in surnames(p)[:1]}
    known_surnames |= {n.split()[-1] for n in known_surnames if n.split()}
    names = names if names is not None else short_names(papers.values())
    known_names = {n.casefold() for n in names.values()}
    # A disambiguated short name ("Liu, Chen et al.") is a name in its own right, not a claim about "Chen".
    name_pattern = re.compile("|".join(re.escape(n) for n in sorted(names.values(), key=len, reverse=True)))

    contexts: dict[str, list[Stated]] = {}  # per cited paper, computed once
    aliases: dict[str, list[str]] = {}  # a paper's names, for sentences that cite several papers

    def names_of(keys: list[str]) -> dict[str, list[str]]:
        for key in keys:
            if key not in aliases:
                aliases[key] = [*([names[key]] if key in names else []), *method_names(papers[key])]
        return {k: aliases[k] for k in keys}
    values: dict[str, set[Decimal]] = {}
    ratios: dict[str, set[Decimal]] = {}

    def _supported(number: Written, keys: list[str]) -> bool:
        for key in keys:
            if key not in values:
                values[key] = _sources_of([key], papers, cards)
                ratios[key] = stated_ratios(papers[key].title + ". " + papers[key].abstract)
        if number.ratio:
            return is_faithful_ratio(number, set().union(*(ratios[k] for k in keys)) if keys else set())
        return is_faithful(number, set().union(*(values[k] for k in keys)) if keys else set())

    def where(block: Block) -> str:
        return f"line {block.line + line_offset}"

    # Citations by subsection, so a heading's numbers can be checked against what its text cites.
    sub_cites: dict[tuple[str, str], list[str]] = {}
    for block in blocks:
        sub_cites.setdefault((block.h2, block.h3), []).extend(citations_in(block.text))

    for block in blocks:
        exempt = block.h2.casefold() in EXEMPT_SECTIONS or bool(
            HEADER_LINE.match(block.text) or FOOTER_LINE.match(block.text)
        )
        for key in citations_in(block.text):
            if not key:
                report.unknown_citations.append(f"{where(block)}: malformed citation in {block.text[:60]!r}")
            elif key not in papers:
                report.unknown_citations.append(f"{where(block)}: [@{key}] is not a selected paper")
            else:
                report.citations[key] = report.citations.get(key, 0) + 1
        if exempt or block.kind in ("rule", "table"):
            continue
        scope = [k for k in sub_cites.get((block.h2, block.h3), []) if k in papers] if block.h3 else []
        if block.kind == "heading":
            if block.level == 3:
                head = md_unescape(block.text).split(":", 1)[0].strip()
                # A paper's own name for its method ("SAGE", "R3-Streaming") is as good as its short name.
                own = [papers[k] for k in scope] or list(papers.values())
                if _NAME_LIKE.match(head) and head.casefold() not in known_names and not any(
                    re.search(rf"(?<![\w-]){re.escape(head.casefold())}(?![\w-])", _names_in(p)) for p in own
                ):
                    report.unresolved_names.append(
                        f"{where(block)}: heading names {head!r}, which is neither a selected paper's short name "
                        "nor a name in the title or abstract of a paper it cites"
                    )
                if not scope:
                    report.section_problems.append(f"{where(block)}: subsection {block.text!r} cites no paper")
            else:
                scope = []
        for m in _ET_AL.finditer(name_pattern.sub(" ", md_unescape(block.text)) if names else md_unescape(block.text)):
            if m.group(1).casefold() not in known_surnames:
                report.unresolved_names.append(
                    f"{where(block)}: '{m.group(0)}' is not the first author of any selected paper"
                )
        pieces = [(block.text, scope)] if block.kind == "heading" else attributed_sentences(block.text, scope)
        for sentence, keys in pieces:
            sources = [k for k in keys if k in papers]
            if block.kind != "heading":
                for hedge in hedge_claims(sentence, [papers[k].abstract for k in sources]):
                    report.unverified_claims.append({
                        "line": block.line + line_offset, "number": hedge.word, "kind": "hedge",
                        "sentence": sentence, "text": block.text[:200], "sources": sources, "why": hedge.why,
                        **({"hedge": hedge.hedge} if hedge.hedge else {})})
            close = {k: closest(sentence, papers[k].abstract) for k in sources} if block.kind != "heading" else {}
            flagged_words = {(c["line"], c["sentence"], c["number"]) for c in report.unverified_claims}
            for alignment in close.values():
                if alignment is None:
                    continue
                for token, lost in dropped_hedges(alignment):
                    word = sentence[token.start:token.end]
                    if (block.line + line_offset, sentence, word) in flagged_words:
                        continue
                    flagged_words.add((block.line + line_offset, sentence, word))
                    report.unverified_claims.append({
                        "line": block.line + line_offset, "number": word, "kind": "hedge", "sentence": sentence,
                        "text": block.text[:200], "sources": sources, "hedge": lost,
                        "why": f'"{word}": the paper\'s own sentence says "{lost}" ("{alignment.source[:120]}")'})
            written = sentence_claims(sentence)
            if not written:
                continue
            wrong = {}
            owned = number_owners(sentence, written, sources, names_of(sources))
            for number, owners in zip(written, owned, strict=True):
                if _supported(number, owners):
                    continue
                # A number of another paper the sentence cites, put next to this one: crossed attribution.
                others = [k for k in sources if k not in owners and _supported(number, [k])]
                wrong[(number.start, number.end)] = (
                    f"{number.text} is stated by {', '.join(f'[@{k}]' for k in others)}, not by "
                    f"{', '.join(f'[@{k}]' for k in owners)}, the paper its clause is about" if others else "")
            for key in sources:  # right values in the wrong places (see number_context)
                if key not in contexts:
                    contexts[key] = stated_contexts(papers[key].title + ". " + papers[key].abstract)
                for number, why in misplaced_numbers(sentence, contexts[key]):
                    wrong.setdefault((number.start, number.end), why)
            owner_of = {(n.start, n.end): o for n, o in zip(written, owned, strict=True)}
            for key, alignment in close.items():  # a sentence of the abstract kept, its numbers moved
                if alignment is None:
                    continue
                in_source = written_numbers(alignment.source)
                for post, src in aligned_numbers(alignment):
                    at = next((n for n in written if n.start <= post.start < n.end), None)
                    there = next((n for n in in_source if n.start <= src.start < n.end), None)
                    value = {there.value, *([there.high] if there.high is not None else [])} if there else set()
                    # Only the paper a number's clause is about can have it out of place (not a sentence of
                    # another cited paper that the joined sentence happens to resemble).
                    mine = at is not None and key in owner_of.get((at.start, at.end), [key])
                    if mine and at is not None and there is not None and not at.ratio and not is_faithful(at, value):
                        wrong.setdefault((at.start, at.end), (
                            f"{at.text} is in the place of {alignment.source[src.start:src.end]} in the "
                            f"paper's sentence \"{alignment.source[:160]}\""))
            for number in written:
                if (number.start, number.end) in wrong:
                    claim = {"line": block.line + line_offset, "number": number.text, "sentence": sentence,
                             "text": block.text[:200], "sources": sources or "no cited paper"}
                    if wrong[(number.start, number.end)]:
                        claim["why"] = wrong[(number.start, number.end)]
                    report.unverified_claims.append(claim)
    _check_sections(blocks, limits, report, line_offset)
    return report


def _check_sections(blocks: list[Block], limits: SectionLimits, report: GroundingReport, offset: int) -> None:
    """Every heading is followed by enough text before the next heading of the same or higher level."""
    headings = [(i, b) for i, b in enumerate(blocks) if b.kind == "heading"]
    for pos, (i, block) in enumerate(headings):
        end = len(blocks)
        for j, other in headings[pos + 1:]:
            if other.level <= block.level:
                end = j
                break
        content = [b for b in blocks[i + 1:end] if b.kind not in ("rule",)]
        if block.h2.casefold() in EXEMPT_SECTIONS:
            if not content:
                report.section_problems.append(f"line {block.line + offset}: section {block.text!r} is empty")
            continue
        words = sum(word_count(b.text) for b in content if b.kind != "heading")
        minimum = limits.min_h2_words if block.level <= 2 else limits.min_h3_words
        if not content or words == 0:
            report.section_problems.append(f"line {block.line + offset}: section {block.text!r} is empty")
        elif words < minimum:
            report.short_sections.append(
                f"line {block.line + offset}: section {block.text!r} has {words} words (minimum {minimum})"
            )
