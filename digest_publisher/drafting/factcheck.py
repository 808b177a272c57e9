"""The editor's fact-check view of a post: for every number and every cited claim, the sentence of the
paper's abstract it rests on, and what the checks repaired, removed or flagged, with the reason.

Computed from the post as it is now (post.md, so a hand edit is checked too: an added number no cited
paper states is flagged) and its draft report (what drafting repaired or removed). The result is plain
data that the preview page turns into marks (:func:`digest_publisher.render.preview.preview_html`); it
never reaches WordPress or render.json.

Each mark names where it goes as the page shows it: a number by its text and its occurrence among the
page's paragraphs, list items and quotes (headings and tables are not counted), a cited claim by its
citation's link and that link's occurrence.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..models import Paper
from ..names import cite_key, short_names
from .attribution import number_owners
from .grounding import (
    EXEMPT_SECTIONS,
    FOOTER_LINE,
    HEADER_LINE,
    attributed_sentences,
    check_grounding,
    citations_in,
    parse_blocks,
)
from .numbers import is_faithful, is_faithful_ratio, sentence_claims, stated_ratios, stated_values
from .prose import detex, md_unescape, split_sentences

_WORD = re.compile(r"[a-z]{4,}")


def number_pattern(text: str) -> str:
    """The pattern the page uses to find a number's text (JavaScript and Python read it alike)."""
    return r"(?<![\w.\-/@$])" + re.escape(text).replace(r"\ ", " ") + r"(?![\w])"


def _plain(text: str) -> str:
    return re.sub(r"\[@[^\]]*\]", lambda m: " " * len(m.group(0)), md_unescape(text))


def _overlap(a: str, b: str) -> int:
    return len(set(_WORD.findall(a.lower())) & set(_WORD.findall(b.lower())))


def fact_check(body: str, papers: Mapping[str, Paper], report: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The fact-check view's data (see the module docstring): ``claims`` (marks), ``removed`` (what drafting
    took out, with the reason) and ``sources`` (each cited paper's abstract, sentence by sentence)."""
    report = report or {}
    names = short_names(papers.values())
    grounding = check_grounding(body, papers, names=names)
    flagged: dict[tuple[str, str], str] = {}
    for claim in grounding.unverified_claims:
        flagged[(str(claim["sentence"]), str(claim["number"]))] = str(
            claim.get("why") or f"{claim['number']} is not stated by {claim['sources']}")
    repaired = {" ".join(str(r.get("now", "")).split()) for r in report.get("numbers_repaired", [])}
    abstracts = {k: split_sentences(detex(p.abstract)) for k, p in papers.items()}
    claims: list[dict[str, Any]] = []
    seen_numbers: dict[str, int] = {}
    seen_links: dict[str, int] = {}

    def source_of(keys: list[str], test: Any) -> tuple[str, int] | None:
        for key in keys:
            for index, sentence in enumerate(abstracts.get(key, [])):
                if test(sentence):
                    return key, index
        return None

    for block in parse_blocks(body):
        for key in citations_in(block.text):  # every citation is a link on the page, headings too
            if key in papers:
                seen_links[key] = seen_links.get(key, 0) + 1
        if block.kind in ("heading", "table", "rule"):
            continue
        plain = _plain(block.text)
        exempt = block.h2.casefold() in EXEMPT_SECTIONS or bool(HEADER_LINE.match(block.text)
                                                                 or FOOTER_LINE.match(block.text))
        counted: dict[str, int] = {}
        links_before = {k: seen_links[k] - block.text.count(f"@{k}") for k in seen_links}
        offset = 0
        for sentence, keys in attributed_sentences(block.text, []):
            start = block.text.find(sentence, offset)
            start = offset if start < 0 else start
            offset = start + len(sentence)
            if exempt:
                continue
            sources = [k for k in keys if k in papers]
            whole = " ".join(sentence.split())
            status = "repaired" if whole in repaired else "ok"
            numbers = sentence_claims(sentence)
            owners = number_owners(sentence, numbers, sources, {k: [names[k]] for k in sources if k in names})
            for number, own in zip(numbers, owners, strict=True):
                pattern = re.compile(number_pattern(number.text))
                occurrence = seen_numbers.get(number.text, 0) + len(pattern.findall(plain[:start + number.start]))
                if number.ratio:
                    where = source_of(own, lambda s, n=number: is_faithful_ratio(n, stated_ratios(s)))
                else:
                    where = source_of(own, lambda s, n=number: is_faithful(n, stated_values(s)))
                why = flagged.get((sentence, number.text), "")
                claims.append({"kind": "number", "text": number.text, "occurrence": occurrence,
                               "status": "flagged" if why else status, "why": why, "sentence": whole,
                               "source": list(where) if where and not why else None})
            for key in dict.fromkeys(k for k in citations_in(sentence) if k in papers):
                index = links_before.get(key, 0) + block.text[:start].count(f"@{key}")
                scores = [_overlap(sentence, line) for line in abstracts[key]]
                best = scores.index(max(scores)) if scores else None
                why = next((w for (s, _), w in flagged.items() if s == sentence and not re.search(r"\d", _)), "")
                claims.append({"kind": "citation", "key": key, "occurrence": index,
                               "status": "flagged" if why else status, "why": why, "sentence": whole,
                               "source": [key, best] if best is not None else None})
        for text in {n.text for s, _ in attributed_sentences(block.text, []) for n in sentence_claims(s)}:
            counted[text] = len(re.findall(number_pattern(text), plain))
        for text, count in counted.items():
            seen_numbers[text] = seen_numbers.get(text, 0) + count
    removed = [{"sentence": r.get("sentence", ""), "now": r.get("now", ""), "what": r.get("number", ""),
                "action": r.get("action", "number removed"), "why": r.get("why") or "no cited paper states it",
                "sources": r.get("sources")} for r in report.get("numbers_removed", [])]
    cited = {c["source"][0] for c in claims if c.get("source")} | {c["key"] for c in claims if c.get("key")}
    shown = {k: {"name": names.get(k, k), "url": papers[k].url or f"https://arxiv.org/abs/{k}",
                 "sentences": abstracts[k]} for k in sorted(cited) if k in papers}
    return {"claims": claims, "removed": removed, "sources": shown}


def fact_check_view(folder: Path, body: str, papers: Iterable[Paper]) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """The view's data for a post folder (with its draft report, when drafting wrote one) and the page pattern of
    each of its numbers; ``None`` for a post without papers (nothing to check against)."""
    by_key = {cite_key(p): p for p in papers}
    if not by_key:
        return None, {}
    report: dict[str, Any] = {}
    try:
        loaded = json.loads((folder / "draft-report.json").read_text(encoding="utf-8"))
        report = loaded if isinstance(loaded, dict) else {}
    except (OSError, json.JSONDecodeError):
        report = {}  # a hand-written post, or a report the editor removed: the post itself is still checked
    data = fact_check(body, by_key, report)
    return data, {c["text"]: number_pattern(c["text"]) for c in data["claims"] if c["kind"] == "number"}
