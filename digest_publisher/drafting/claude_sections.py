"""The section stage of the Claude engine: sections written in parallel (or, when they only gained papers,
updated in place), checked by code, then repaired (numbers no cited paper states), condensed (more than
25% over the maximum) or stripped of other sections' citations, each listed in the report."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from ..claude import Call, Validator, json_answer, parse_json, stable_hash
from ..models import PostKind
from .base import Section, cite_key
from .claude_context import DraftContext
from .claude_plan import Outline
from .grounding import SectionLimits, check_grounding, citations_in, parse_blocks
from .prose import split_sentences, word_count

# A section's maximum length is at least these many words per paper it cites and per key paper's subsection.
WORDS_PER_PAPER = 30
WORDS_PER_KEY_PAPER = 120


@dataclass(frozen=True)
class SectionSpec:
    """What the code checks a section against: its papers, the key papers that get a subsection, bounds."""

    heading: str
    papers: list[str]
    key_papers: list[str]
    closing: bool
    min_words: int
    max_words: int
    angle: str = ""


def insert_before_quote(body: str, addition: str) -> str:
    """``addition`` as paragraphs before the closing "Key implication" quote (or at the end)."""
    quote = re.search(r"^>\s*\*\*Key implication", body, re.M)
    if quote is None:
        return body.rstrip() + "\n\n" + addition
    return body[: quote.start()].rstrip() + "\n\n" + addition + "\n\n" + body[quote.start():]


def text_ending(body: str, sentences: int = 2) -> str:
    """The last ``sentences`` sentences of a section's text before its closing "Key implication" quote: where
    an in-place update's paragraph goes, and what it follows on from."""
    quote = re.search(r"^>\s*\*\*Key implication", body, re.M)
    text = body[: quote.start()] if quote else body
    paragraphs = [p for p in text.strip().split("\n\n") if p.strip()]
    return " ".join(split_sentences(paragraphs[-1])[-sentences:]) if paragraphs else ""


def repair_sentences(claims: list[dict[str, Any]]) -> list[str]:
    """The sentences a repair call lists, numbered from 1 in this order (its answer names them by number)."""
    return list(dict.fromkeys(str(c["sentence"]) for c in claims))


def subsection_citations(body: str) -> set[str]:
    """Ids cited inside ### subsections (in the heading or the text under it)."""
    cited: set[str] = set()
    for block in parse_blocks(body):
        if block.h3:
            cited.update(citations_in(block.text))
    return cited



class SectionStage:
    """Sections, their in-place updates, repairs and condensing."""

    def __init__(self, ctx: DraftContext) -> None:
        self.ctx = ctx
        self.service = ctx.service
        self.by_key = ctx.by_key
        self.short_names = ctx.request.short_names

    def run(self, outline: Outline, cards: dict[str, dict[str, str]]) -> list[Section]:
        prompt = self.ctx.prompts["section"]
        shared = [self.ctx.cards_block(cards), outline.block(self.short_names)]
        n = max(1, len(outline.sections))
        backfill = self.ctx.request.kind is PostKind.BACKFILL
        min_words, max_words = (200, max(300, 2400 // n)) if backfill else (80, 350)
        headings = outline.headings()
        closing = len(outline.sections) - 1 if backfill else -1
        calls = []
        specs: list[SectionSpec] = []
        for index, spec in enumerate(outline.sections):
            papers = [self.by_key[k] for k in spec["papers"] if k in self.by_key]
            is_closing = index == closing
            keys = [] if is_closing else [k for k in spec["key_papers"] if k in spec["papers"]]
            # The bound grows with what the section must hold (a sentence per paper, a subsection per key
            # paper): a fixed maximum would ask a 70-paper section for the impossible and condense it in vain.
            most = max(max_words, WORDS_PER_PAPER * len(papers) + WORDS_PER_KEY_PAPER * len(keys))
            blocks = []
            for p in papers:
                key = cite_key(p)
                # Key papers come with their abstract (they get a subsection), and so do the closing section's
                # (it draws on open problems the abstracts state, which cards compress away); the others with
                # their title only: their card is in the cached cards block above, read at a tenth of the price,
                # and a sentence each needs no more (abstracts are most of the input cost).
                with_abstract = key in keys or is_closing
                blocks.append(self.ctx.paper_block(p, abstract=with_abstract)
                              + ("  (key paper)" if key in keys else ""))
            text = prompt.render({
                "topic": self.ctx.topic_text,
                "heading": spec["heading"],
                "angle": spec["angle"],
                "papers": "\n\n".join(blocks),
                "min_words": min_words,
                "max_words": most,
                "structure": self.structure_text(keys, is_closing),
            })
            inputs = [(cite_key(p), p.abstract, cards.get(cite_key(p))) for p in papers]
            key = self.ctx.key("section", spec, headings, inputs, min_words, most, is_closing)  # not the whole outline
            section = SectionSpec(spec["heading"], [cite_key(p) for p in papers], keys, is_closing, min_words, most,
                                  spec["angle"])
            specs.append(section)
            calls.append(Call("section", key, self.ctx.params("section", prompt, shared, text, None),
                              self.section_validator(section), stream=True))
        # A section that only gained papers since the last draft is updated in place (its text plus a
        # paragraph on the new papers) instead of being written again: the cost of +5 papers stays small.
        latest = [self.service.cache.get("section-latest", self.latest_key(sec.heading)) for sec in specs]
        updates: dict[int, Call] = {}
        for index, (sec, call, before) in enumerate(zip(specs, calls, latest, strict=True)):
            old = [str(k) for k in before.get("papers", [])] if before else []
            if before and self.service.cache.get("section", call.key) is None and set(old) < set(sec.papers) and old:
                updates[index] = self.update_call(sec, str(before["text"]), [k for k in sec.papers if k not in old],
                                                  cards)
        # Each section is written (or updated), checked and, if needed, repaired or condensed in its own
        # line of work: a repair starts as soon as its section is checked, not after every section.
        fresh = [c for i, c in enumerate(calls) if i not in updates]
        self.ctx.progress.stage("section", len(calls))
        firsts = self.service.first_attempts(fresh)
        card_texts = {k: self.ctx.card_text(k, cards) for k in cards}

        def one(index: int) -> str:
            sec, call, before = specs[index], calls[index], latest[index]
            if index in updates and before:
                added = self.service.ask(updates[index])
                if added.strip():
                    body = insert_before_quote(str(before["text"]), added.strip())
                    self.service.find("sections_updated_in_place", {"section": sec.heading, "papers_added": [
                        k for k in sec.papers if k not in before.get("papers", [])]})
                else:  # the update failed its checks: write the section afresh
                    body = self.service.ask(call)
            else:
                body = self.service.ask(call, firsts.get(call.key))
            return self.revise(sec, self.own_citations_only(sec, body.strip()), card_texts, shared)

        workers = max(1, min(self.ctx.settings.max_concurrency, len(specs)))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="claude-section") as pool:
            bodies = list(pool.map(one, range(len(specs))))
        for sec, call, body in zip(specs, calls, bodies, strict=True):
            self.service.cache.put("section-latest", self.latest_key(sec.heading), {"papers": sec.papers, "text": body})
            if self.service.cache.get("section", call.key) is None:  # an updated section: a re-run reads it as written
                self.service.cache.put("section", call.key, {"text": body, "model": self.ctx.settings.model})
        return [
            Section(spec["heading"], body, tuple(spec["papers"]))
            for spec, body in zip(outline.sections, bodies, strict=True)
        ]

    def latest_key(self, heading: str) -> str:
        topic = self.ctx.request.topic
        return stable_hash("latest-section", topic.number, topic.slug, self.ctx.request.kind.value, heading)

    def update_call(self, spec: SectionSpec, current: str, new: list[str], cards: dict[str, dict[str, str]]) -> Call:
        prompt = self.ctx.prompts["update"]
        # Its new papers' titles and cards only (they join as "other" papers, which a fresh section also writes
        # from their cards), and of the section only its argument and closing sentences: the paragraph goes
        # at its end, and the rest of the section is kept as written, not sent again.
        papers = "\n\n".join(self.ctx.paper_block(self.by_key[k], abstract=False, card=self.ctx.card_text(k, cards))
                              for k in new)
        text = prompt.render({"heading": spec.heading, "angle": spec.angle, "ending": text_ending(current),
                              "papers": papers})

        def validate(answer: str) -> list[str]:
            cited = set(citations_in(answer))
            problems = [f"it does not cite the new paper {k} ({self.short_names.get(k, k)}); write a "
                        f"sentence on it citing it as [@{k}]" for k in new if k not in cited]
            if re.search(r"^#{1,6}\s", answer, re.M):
                problems.append("write paragraphs only, no headings")
            return problems

        key = self.ctx.key("update", spec.heading, current, [(k, self.by_key[k].abstract) for k in new])
        return Call("update", key, self.ctx.params("update", prompt, [], text, None), validate, stream=True,
                    optional=True)

    def structure_text(self, key_papers: list[str], closing: bool) -> str:
        """The structure the section validator will check, said to the model in the same terms."""
        if self.ctx.request.kind is PostKind.BRIEF:
            return ("A numbered list (\"1. **Name**: ...\") of items, each two to four sentences citing the papers "
                    "they discuss; the \"Concluding Overview\" is two paragraphs instead of a list.")
        if closing:
            return ("Two to four paragraphs on open problems and what to watch, drawing on the papers below (they "
                    "are covered in earlier sections: refer to them, do not re-cover them). No ### subsections.")
        subsections = "; ".join(f"one for {k} ({self.short_names.get(k, k)})" for k in key_papers)
        return ("1. An opening paragraph that states the theme and why it matters, citing the papers it mentions.\n"
                f"2. A \"### <name>: <what it shows>\" subsection for each key paper ({subsections}), on the "
                "problem, the method and the result with its numbers; <name> is the paper's short name or the "
                "name its title or abstract gives its method.\n"
                "3. One or two sentences each on the other papers.\n"
                "4. Exactly one \"> **Key implication:** ...\" quote at the end, saying what a practitioner "
                "should take away.")

    def section_validator(self, spec: SectionSpec) -> Validator:
        """Checks of one section's answer, done by code; a failing answer is retried once with them.

        Every paper the outline assigned must be cited (issue #4: every selected paper is covered or left
        out with a reason); a backfill section has a ### subsection for each key paper and one Key
        implication quote. Numbers, over-length and citations of other sections' papers are not failures:
        they are repaired, condensed or removed afterwards (see :meth:`revise`, :meth:`own_citations_only`).
        """
        limits = SectionLimits(min_h2_words=0, min_h3_words=25)
        structured = self.ctx.request.kind is PostKind.BACKFILL and not spec.closing

        def validate(text: str) -> list[str]:
            body = text.strip()
            problems: list[str] = []
            if re.search(r"^#{1,2}\s", body, re.M):
                problems.append("do not write '#' or '##' headings; the section heading is added by code")
            words = word_count(body)
            if words < int(spec.min_words * 0.6):
                problems.append(f"the section has {words} words; write at least {spec.min_words}")
            report = check_grounding(body, self.by_key, {}, limits, names=self.short_names)
            problems += report.unresolved_names + report.section_problems
            problems += [p for p in report.unknown_citations if "malformed" in p]
            problems += [
                f"it does not cite {key} ({self.short_names.get(key, key)}), which the outline assigned "
                f"to it; write at least one sentence on that paper, citing it as [@{key}]"
                for key in spec.papers if key not in report.citations
            ]
            if structured:
                problems += [
                    f"there is no ### subsection on the key paper {key} ({self.short_names.get(key, key)}): "
                    f"write one, citing it as [@{key}]"
                    for key in spec.key_papers if key not in subsection_citations(body)
                ]
                quotes = len(re.findall(r"^>\s*\*\*Key implication:?\*\*", body, re.M))
                if quotes != 1:
                    problems.append(f"the section has {quotes} \"> **Key implication:** ...\" quotes; "
                                    "write exactly one")
            return [f"section {spec.heading!r}: {p}" for p in problems]

        return validate

    def own_citations_only(self, spec: SectionSpec, body: str) -> str:
        """Citations of papers that are not this section's are taken out (each section covers its own papers;
        a citation elsewhere would send readers to the wrong paragraph) and listed."""
        allowed = set(spec.papers)

        def keep(match: re.Match[str]) -> str:
            ids = citations_in(match.group(0))
            kept = [i for i in ids if i in allowed or i not in self.by_key]  # unknown ids: draft_post removes them
            for dropped in (i for i in ids if i not in kept):
                self.service.find("citations_removed", {"section": spec.heading, "id": dropped,
                                                "reason": "the outline gave this paper to another section"})
            return "[" + "; ".join(f"@{i}" for i in kept) + "]" if kept else ""

        def replace(match: re.Match[str]) -> str:
            kept = keep(match)
            return match.group(1) + kept if kept else ""

        # Only a space or tab before a citation goes with it: a newline is structure (a paragraph break).
        return re.sub(r"([ \t]?)\[@[^\]]*\]", replace, body)

    def revise(self, spec: SectionSpec, body: str, card_texts: dict[str, str], shared: list[str]) -> str:
        """One small call when the section needs it: repair the sentences whose numbers no cited paper states
        (what the repair does not fix, draft_post removes and lists), or condense a section more than 25%
        over its maximum (if the condensed text fails the checks, the section is kept and flagged)."""
        claims = check_grounding(body, self.by_key, card_texts, SectionLimits(0, 0),
                                 names=self.short_names).unverified_claims
        if claims:
            answer = self.service.ask(self.repair_call(spec, body, claims, shared))
            return self.apply_repairs(spec, body, repair_sentences(claims), answer, card_texts)
        if word_count(body) <= spec.max_words * 1.25:
            return body
        answer = self.service.ask(self.condense_call(spec, body, shared))
        if answer.strip():
            self.service.find("sections_condensed", {"section": spec.heading, "words_before": word_count(body),
                                                     "words_after": word_count(answer)})
            return self.own_citations_only(spec, answer.strip())
        self.service.find("sections_over_length", {"section": spec.heading, "words": word_count(body),
                                                   "max_words": spec.max_words})
        return body

    def repair_call(self, spec: SectionSpec, body: str, claims: list[dict[str, Any]], shared: list[str]) -> Call:
        """The sentences to fix, numbered, with the reasons, and the abstracts of the papers they cite (not their
        cards: a card's numbers are its abstract's); the answer holds only each rewritten sentence, by number."""
        prompt = self.ctx.prompts["repair"]
        sentences = repair_sentences(claims)
        cited = list(dict.fromkeys(k for c in claims if isinstance(c["sources"], list) for k in c["sources"]))
        papers = "\n\n".join(self.ctx.paper_block(self.by_key[k]) for k in cited)
        listing = "\n".join(
            f"{i}. {sentence}\n   unsupported: "
            + ", ".join(c["number"] for c in claims if c["sentence"] == sentence)
            + "".join(f"\n   ({why})" for why in dict.fromkeys(
                str(c["why"]) for c in claims if c["sentence"] == sentence and c.get("why")))
            for i, sentence in enumerate(sentences, 1)
        )
        text = prompt.render({"heading": spec.heading, "sentences": listing, "papers": papers or "(none cited)"})

        def validate(answer: str) -> list[str]:
            shape = '{"fixes": [{"n": <the number of the sentence>, "rewrite": "<the fixed sentence>"}]}'
            parsed = json_answer(answer, "fixes", shape)
            if isinstance(parsed, str):
                return [parsed]
            if not all(isinstance(f, dict) and isinstance(f.get("rewrite"), str) for f in parsed[1]):
                return [f"the JSON must be {shape}"]
            return [f"there is no sentence {f.get('n')!r}; number a fix by its sentence's number, 1 to "
                    f"{len(sentences)}" for f in parsed[1] if f.get("n") not in range(1, len(sentences) + 1)]

        return Call("repair", self.ctx.key("repair", spec.heading, body, sentences),
                    self.ctx.params("repair", prompt, shared[:1], text, None), validate, json_output=True,
                    optional=True)

    def apply_repairs(
        self, spec: SectionSpec, body: str, sentences: list[str], answer: str, card_texts: dict[str, str]
    ) -> str:
        """Apply each rewrite that keeps its sentence's citations and whose numbers its papers state."""
        fixes = parse_json(answer).get("fixes", []) if answer.strip() else []
        for fix in fixes:
            number, rewrite = fix.get("n"), str(fix.get("rewrite", ""))
            original = sentences[number - 1] if isinstance(number, int) and 1 <= number <= len(sentences) else ""
            if not original or original not in body:
                continue
            if sorted(citations_in(rewrite)) != sorted(citations_in(original)):
                continue
            trial = body.replace(original, rewrite, 1)
            before = check_grounding(body, self.by_key, card_texts, SectionLimits(0, 0),
                                     names=self.short_names).unverified_claims
            after = check_grounding(trial, self.by_key, card_texts, SectionLimits(0, 0),
                                    names=self.short_names).unverified_claims
            if len(after) < len(before) and not any(c["sentence"] == rewrite for c in after):
                self.service.find("numbers_repaired", {"section": spec.heading, "sentence": original, "now": rewrite})
                body = trial
        return body

    def condense_call(self, spec: SectionSpec, body: str, shared: list[str]) -> Call:
        prompt = self.ctx.prompts["condense"]
        text = prompt.render({"heading": spec.heading, "max_words": spec.max_words, "words": word_count(body),
                              "section": body})
        checks = self.section_validator(spec)

        def validate(answer: str) -> list[str]:
            problems = checks(answer)
            if word_count(answer) >= word_count(body):
                problems.append(f"the condensed section has {word_count(answer)} words, no fewer than before")
            return problems

        return Call("condense", self.ctx.key("condense", spec.heading, body, spec.max_words),
                    self.ctx.params("condense", prompt, shared[:1], text, None), validate, stream=True, optional=True)

