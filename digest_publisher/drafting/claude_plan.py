"""The outline stage of the Claude engine: every paper in a section or left out with a reason, or, for papers
added to a drafted selection, their placement into the previous outline by one small call."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..claude import Call, json_answer, parse_json, stable_hash
from ..models import PostKind
from .claude_context import DraftContext


@dataclass
class Outline:
    sections: list[dict[str, Any]]
    left_out: dict[str, str]
    raw: str

    def headings(self) -> list[str]:
        return [s["heading"] for s in self.sections]

    def block(self, short_names: dict[str, str]) -> str:
        """The outline as every section reads it (its second cached block, after the cards)."""
        lines = ["Outline of the whole post:"]
        for i, s in enumerate(self.sections, 1):
            names = ", ".join(f"{k} ({short_names.get(k, k)})" for k in s["papers"])
            lines.append(f"{i}. {s['heading']}: {s['angle']} Papers: {names}")
        return "\n".join(lines)


class OutlineStage:
    """The outline: every paper in a section or left out with a reason; papers added to a drafted selection
    placed into the previous outline by one small call."""

    def __init__(self, ctx: DraftContext) -> None:
        self.ctx = ctx
        self.service = ctx.service

    # 2. outline --------------------------------------------------------------------------------

    def run(self, cards: dict[str, dict[str, str]]) -> Outline:
        prompt = self.ctx.prompts["outline"]
        topic = self.ctx.request.topic
        latest_key = stable_hash("latest-outline", topic.number, topic.slug, self.ctx.request.kind.value)
        previous = self.service.cache.get("outline-latest", latest_key)
        previous_text = str(previous["text"]) if previous else "(none: this is the first outline)"
        text = prompt.render({
            "topic": self.ctx.topic_text,
            "window": self.ctx.window_text,
            "paper_count": len(self.ctx.request.papers),
            "previous_outline": previous_text,
        })
        shared = self.ctx.cards_block(cards)
        # The key leaves the previous outline out: the same cards always get the same outline back.
        # No output schema: a schema sits before the messages and would give outline and meta different
        # prefixes; the prompt asks for the JSON shape and validate_outline checks it.
        call = Call("outline", self.ctx.key("outline", shared),
                    self.ctx.params("outline", prompt, [shared], text, None), self.validate_outline,
                     json_output=True)
        placed = None if self.service.cache.get("outline", call.key) else self.place_new_papers(previous_text, cards)
        if placed is not None:
            # Cached under the full outline's key too: an unchanged re-run then makes no call.
            self.service.cache.put("outline", call.key, {"text": placed, "model": self.ctx.settings.model})
        self.ctx.progress.stage("outline", 1)
        answer = self.service.ask(call)
        self.service.cache.put("outline-latest", latest_key, {"text": answer})
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
        new = [k for k in self.ctx.by_key if k not in known]
        if not new or not known <= set(self.ctx.by_key):
            return None
        prompt = self.ctx.prompts["place"]
        headings = [sec["heading"] for sec in previous["sections"]]
        closing = headings[-1] if self.ctx.request.kind is PostKind.BACKFILL else None
        listing = "\n".join(f"- {sec['heading']}: {sec['angle']}" for sec in previous["sections"]
                             if sec["heading"] != closing)
        papers = "\n\n".join(self.ctx.paper_block(self.ctx.by_key[k], abstract=False, card=self.ctx.card_text(k, cards))
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

        call = Call("place", self.ctx.key("place", previous_text, new, [self.ctx.card_text(k, cards) for k in new]),
                    self.ctx.params("place", prompt, [], text, None), validate, json_output=True, optional=True)
        self.ctx.progress.stage("place", 1)
        answer = self.service.ask(call)
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
                if key not in self.ctx.by_key:
                    problems.append(f"section {s['heading']!r} lists {key!r}, which is not a selected paper")
            for key in s.get("key_papers", []):
                if key not in s.get("papers", []):
                    problems.append(f"section {s['heading']!r}: key paper {key} is not among its papers")
            covered.update(s.get("papers", []))
        left = data.get("left_out", [])
        for item in left if isinstance(left, list) else []:
            if isinstance(item, dict):
                if item.get("id") not in self.ctx.by_key:
                    problems.append(f"left_out names {item.get('id')!r}, which is not a selected paper")
                covered.add(str(item.get("id")))
        missing = [k for k in self.ctx.by_key if k not in covered]
        if missing and not allow_missing:
            problems.append("these papers are neither in a section nor left out with a reason: " + ", ".join(missing))
        return problems
