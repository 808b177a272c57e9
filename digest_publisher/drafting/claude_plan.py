"""The planning stages of the Claude engine: a card per paper (on ``cards_model``), then the outline
(every paper in a section or left out with a reason), or, for papers added to a drafted selection, their
placement into the previous outline by one small call."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..models import Paper, PostKind
from .base import cite_key
from .claude_calls import (
    CARD_FIELDS,
    CARD_MAX_CHARS,
    Call,
    RunBase,
    Validator,
    json_answer,
    parse_json,
    stable_hash,
    trim,
)
from .numbers import is_faithful, remove_number, stated_values, written_numbers

MAX_CARDS_PER_CALL = 60  # ~60 output tokens per card: stays inside the cards prompt's max_tokens (8000)
_STR = {"type": "string"}
CARD_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["cards"],
    "properties": {
        "cards": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["id", *CARD_FIELDS],
                "properties": {"id": _STR, **{f: _STR for f in CARD_FIELDS}},
            },
        }
    },
}

@dataclass
class Outline:
    sections: list[dict[str, Any]]
    left_out: dict[str, str]
    raw: str

    def headings(self) -> list[str]:
        return [s["heading"] for s in self.sections]


class PlanStages(RunBase):
    """Cards and the outline."""

    def cards(self) -> dict[str, dict[str, str]]:
        prompt = self.prompts["cards"]
        per_paper = {
            cite_key(p): self.key("cards", "paper", p.title, p.abstract, cite_key(p)) for p in self.request.papers
        }
        cards: dict[str, dict[str, str]] = {}
        missing: list[Paper] = []
        for paper in self.request.papers:
            hit = self.cache.get("card", per_paper[cite_key(paper)])
            if hit is not None and isinstance(hit.get("card"), dict):
                cards[cite_key(paper)] = hit["card"]
            else:
                missing.append(paper)
        # Cards are cached per paper, so the grouping is free to change: one wave of calls when the corpus
        # is large (fewer, longer calls in parallel), cards_per_call papers per call when it is small.
        waves = -(-len(missing) // max(1, self.settings.max_concurrency))
        size = min(MAX_CARDS_PER_CALL, max(1, self.settings.cards_per_call, waves))
        groups = [missing[i:i + size] for i in range(0, len(missing), size)]
        calls = []
        for group in groups:
            blocks = "\n\n".join(self.paper_block(p, short_name=False) for p in group)
            text = prompt.render({"topic": self.topic_text, "papers": blocks})
            ids = [cite_key(p) for p in group]
            calls.append(Call("cards", self.key("cards", ids, [p.abstract for p in group]),
                              self.params("cards", prompt, [], text, CARD_SCHEMA),
                               self.card_validator(group), json_output=True))
        self.progress.stage("cards", max(1, len(calls)))
        if not calls:
            self.usage("cards").cached += 1
            self.progress.advance("cards")
        for answer in self.ask_many(calls):
            for item in parse_json(answer)["cards"]:
                key = item["id"]
                card = self.tidy_card(self.by_key[key], {f: str(item.get(f, "")) for f in CARD_FIELDS})
                cards[key] = card
                self.cache.put("card", per_paper[key], {"card": card})
        for key, card in cards.items():
            for f in CARD_FIELDS:
                if len(card.get(f, "")) > CARD_MAX_CHARS[f]:
                    self.find("card_fields_trimmed", {"id": key, "field": f, "chars": len(card[f]),
                                                      "limit": CARD_MAX_CHARS[f]})
        return cards

    def tidy_card(self, paper: Paper, card: dict[str, str]) -> dict[str, str]:
        """A card's numbers must be its abstract's (later stages ground numbers against cards): any other is
        taken out of the field and listed. Length is a soft limit: over-long fields are kept (and counted in
        the report); :meth:`card_text` trims them at a word boundary for the later stages."""
        stated = stated_values(paper.title + " " + paper.abstract)
        for f in CARD_FIELDS:
            for number in reversed(written_numbers(card[f])):
                if not is_faithful(number, stated):
                    self.find("card_numbers_removed", {"id": cite_key(paper), "field": f, "number": number.text,
                                                       "text": card[f]})
                    card[f] = remove_number(card[f], number)
        return card

    def card_validator(self, group: list[Paper]) -> Validator:
        wanted = {cite_key(p): p for p in group}

        def validate(text: str) -> list[str]:
            answer = json_answer(text, "cards", 'an object {"cards": [...]}')
            if isinstance(answer, str):
                return [answer]
            items = answer[1]
            problems: list[str] = []
            got: set[str] = set()
            for item in items:
                if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                    problems.append("every card needs a string 'id'")
                    continue
                key = item["id"]
                if key not in wanted:
                    problems.append(f"card id {key!r} is not one of the papers given ({', '.join(wanted)})")
                    continue
                got.add(key)
                # Lengths and numbers are not failures (see tidy_card): only the shape is.
                problems += [f"card {key}: '{f}' must be a string" for f in CARD_FIELDS
                             if not isinstance(item.get(f), str)]
            for key in wanted:
                if key not in got:
                    problems.append(f"no card for paper {key}")
            return problems

        return validate

    def cards_block(self, cards: dict[str, dict[str, str]]) -> str:
        """All papers' cards: the block outline, meta and sections share (first, so it is one cached prefix)."""
        lines = ["Paper cards (id | short name | contribution | method | key result | limitations):"]
        for paper in self.request.papers:
            key = cite_key(paper)
            card = cards.get(key, {})
            fields = (trim(card.get(f, ""), CARD_MAX_CHARS[f]) for f in CARD_FIELDS)
            lines.append(" | ".join([key, self.request.short_names[key], *fields]))
        return "\n".join(lines)

    # 2. outline --------------------------------------------------------------------------------

    def outline(self, cards: dict[str, dict[str, str]]) -> Outline:
        prompt = self.prompts["outline"]
        topic = self.request.topic
        latest_key = stable_hash("latest-outline", topic.number, topic.slug, self.request.kind.value)
        previous = self.cache.get("outline-latest", latest_key)
        previous_text = str(previous["text"]) if previous else "(none: this is the first outline)"
        text = prompt.render({
            "topic": self.topic_text,
            "window": self.window_text,
            "paper_count": len(self.request.papers),
            "previous_outline": previous_text,
        })
        shared = self.cards_block(cards)
        # The key leaves the previous outline out: the same cards always get the same outline back.
        # No output schema: a schema sits before the messages and would give outline and meta different
        # prefixes; the prompt asks for the JSON shape and validate_outline checks it.
        call = Call("outline", self.key("outline", shared),
                    self.params("outline", prompt, [shared], text, None), self.validate_outline,
                     json_output=True)
        placed = None if self.cache.get("outline", call.key) else self.place_new_papers(previous_text, cards)
        if placed is not None:
            # Cached under the full outline's key too: an unchanged re-run then makes no call.
            self.cache.put("outline", call.key, {"text": placed, "model": self.settings.model})
        self.progress.stage("outline", 1)
        answer = self.ask(call)
        self.cache.put("outline-latest", latest_key, {"text": answer})
        data = parse_json(answer)
        sections = [s for s in data["sections"] if s["papers"]]
        left_out = {i["id"]: i["reason"] for i in data.get("left_out", [])}
        return Outline(sections, left_out, answer)

    def place_new_papers(self, previous_text: str, cards: dict[str, dict[str, str]]) -> str | None:
        """Papers added to a drafted selection are placed into the previous outline by one small call
        (their cards and the outline's headings), instead of planning the whole post again. None when
        there is no previous outline, papers were removed, or the placement fails its checks."""
        try:
            previous = parse_json(previous_text)
        except ValueError:
            return None
        if not isinstance(previous, dict) or self.validate_outline(previous_text, allow_missing=True):
            return None
        known = {k for sec in previous["sections"] for k in sec["papers"]} | {
            str(i.get("id")) for i in previous.get("left_out", []) if isinstance(i, dict)}
        new = [k for k in self.by_key if k not in known]
        if not new or not known <= set(self.by_key):
            return None
        prompt = self.prompts["place"]
        headings = [sec["heading"] for sec in previous["sections"]]
        closing = headings[-1] if self.request.kind is PostKind.BACKFILL else None
        listing = "\n".join(f"- {sec['heading']}: {sec['angle']}" for sec in previous["sections"]
                             if sec["heading"] != closing)
        papers = "\n\n".join(self.paper_block(self.by_key[k], abstract=False, card=self.card_text(k, cards))
                              for k in new)
        text = prompt.render({"sections": listing, "papers": papers})

        def validate(answer: str) -> list[str]:
            parsed = json_answer(answer, "placements",
                                 '{"placements": [{"id": ..., "section": ...}], "left_out": [...]}')
            if isinstance(parsed, str):
                return [parsed]
            data, placed = parsed
            where = {str(i.get("id")): i.get("section") for i in placed if isinstance(i, dict)}
            left = {str(i.get("id")) for i in data.get("left_out", []) if isinstance(i, dict)}
            problems = [f"paper {k} is neither placed nor left out with a reason" for k in new
                        if k not in where and k not in left]
            problems += [f"paper {k} is placed in {h!r}, which is not one of the sections listed" for k, h in
                         where.items() if h not in headings or h == closing]
            return problems

        call = Call("place", self.key("place", previous_text, new, [self.card_text(k, cards) for k in new]),
                    self.params("place", prompt, [], text, None), validate, json_output=True, optional=True)
        self.progress.stage("place", 1)
        answer = self.ask(call)
        if not answer:
            return None
        data = parse_json(answer)
        for item in data["placements"]:
            for sec in previous["sections"]:
                if sec["heading"] == item["section"] and item["id"] in new and item["id"] not in sec["papers"]:
                    sec["papers"].append(item["id"])
        previous.setdefault("left_out", []).extend(
            {"id": i["id"], "reason": str(i.get("reason", ""))} for i in data.get("left_out", []) if i.get("id") in new)
        return json.dumps(previous, ensure_ascii=False)

    def validate_outline(self, text: str, *, allow_missing: bool = False) -> list[str]:
        parsed = json_answer(text, "sections", 'an object {"sections": [...], "left_out": [...]}')
        if isinstance(parsed, str):
            return [parsed]
        data = parsed[0]
        problems: list[str] = []
        sections = data["sections"]
        if not 1 <= len(sections) <= 10:
            problems.append(f"the outline has {len(sections)} sections; the prompt asks for 4 to 8")
        covered: set[str] = set()
        for s in sections:
            if not isinstance(s, dict) or not str(s.get("heading", "")).strip():
                problems.append("every section needs a heading")
                continue
            # No output schema (see outline()): the shape is checked here.
            shape = [f"section {s['heading']!r}: '{f}' must be a list of paper ids" for f in ("papers", "key_papers")
                     if not isinstance(s.get(f), list) or not all(isinstance(k, str) for k in s[f])]
            if not isinstance(s.get("angle"), str):
                shape.append(f"section {s['heading']!r}: 'angle' must be a string")
            if shape:
                problems += shape
                continue
            for key in [*s.get("papers", []), *s.get("key_papers", [])]:
                if key not in self.by_key:
                    problems.append(f"section {s['heading']!r} lists {key!r}, which is not a selected paper")
            for key in s.get("key_papers", []):
                if key not in s.get("papers", []):
                    problems.append(f"section {s['heading']!r}: key paper {key} is not among its papers")
            covered.update(s.get("papers", []))
        left = data.get("left_out", [])
        for item in left if isinstance(left, list) else []:
            if isinstance(item, dict):
                if item.get("id") not in self.by_key:
                    problems.append(f"left_out names {item.get('id')!r}, which is not a selected paper")
                covered.add(str(item.get("id")))
        missing = [k for k in self.by_key if k not in covered]
        if missing and not allow_missing:
            problems.append("these papers are neither in a section nor left out with a reason: " + ", ".join(missing))
        return problems

    def outline_block(self, outline: Outline) -> str:
        lines = ["Outline of the whole post:"]
        for i, s in enumerate(outline.sections, 1):
            names = ", ".join(f"{k} ({self.request.short_names.get(k, k)})" for k in s["papers"])
            lines.append(f"{i}. {s['heading']}: {s['angle']} Papers: {names}")
        return "\n".join(lines)

