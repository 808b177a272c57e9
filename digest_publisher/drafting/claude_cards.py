"""The card stage of the Claude engine: a card per paper, made by code or written by ``cards_model``.

While all of a selection's excerpt cards together fit ``excerpt_cards_max_tokens`` (about 100 tokens a paper:
the default 100,000 holds about 800 papers, far more than curation keeps), a card is an excerpt of the
paper's abstract made by code, no call: the
sentence saying what the paper does (its "we propose ..." sentence, else its first) and its first result
sentence, verbatim (the sentence roles the built-in drafter uses, :func:`~.themes.analyse_paper`). Verbatim
sentences hold only numbers the abstract states, keep its hedges, and cost nothing to write: the model
cards' output and their second reading of every abstract were the largest cost a fresh post had over the
physical limit (issue 18). A selection too large for that gets model-written cards, shorter, cached per
paper (below).

An answer's card for an id that was not asked (an abstract that mentions another arXiv id, "see
2503.10460") is trimmed and listed (``cards_trimmed``), never a failure; papers an answer leaves without a
card are asked again in one more round, and a paper still without one gets an empty card and is listed
(``cards_missing``): one bad item never fails the draft.
"""

from __future__ import annotations

from typing import Any

from ..claude import Call, Validator, json_answer, parse_json
from ..claude.estimate import tokens
from ..models import Paper
from .base import cite_key
from .claude_context import CARD_FIELDS, CARD_MAX_CHARS, EXCERPT, DraftContext, trim
from .numbers import is_faithful, remove_number, stated_values, written_numbers
from .prose import detex, plain_abstract
from .themes import analyse_paper

EXCERPT_SENTENCE_CHARS = 260  # each of an excerpt's two sentences, cut at a word boundary beyond it
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


def excerpt_card(paper: Paper) -> dict[str, str]:
    """A paper's card made by code: what it does and its first result, in its abstract's own sentences."""
    text = analyse_paper(paper)
    what = text.method or text.context or trim(detex(plain_abstract(paper.abstract)), EXCERPT_SENTENCE_CHARS)
    result = text.results[0] if text.results else ""
    return {EXCERPT: " ".join(trim(s, EXCERPT_SENTENCE_CHARS) for s in (what, result) if s)}


def excerpt_cards(papers: list[Paper], max_tokens: int) -> dict[str, dict[str, str]] | None:
    """Every paper's excerpt card, or None when together they exceed ``max_tokens``."""
    cards = {cite_key(p): excerpt_card(p) for p in papers}
    return cards if sum(tokens(c[EXCERPT]) + 10 for c in cards.values()) <= max_tokens else None


class CardStage:
    """Cards of the request's papers: excerpts by code when they fit, else model cards: cached ones read, the
    rest asked in groups (one wave when many)."""

    def __init__(self, ctx: DraftContext) -> None:
        self.ctx = ctx
        self.service = ctx.service

    def paper_key(self, paper: Paper) -> str:
        return self.ctx.key("cards", "paper", paper.title, paper.abstract, cite_key(paper))

    def run(self) -> dict[str, dict[str, str]]:
        ctx, cache = self.ctx, self.service.cache
        excerpts = excerpt_cards(list(ctx.request.papers), ctx.settings.excerpt_cards_max_tokens)
        if excerpts is not None:
            return excerpts
        cards: dict[str, dict[str, str]] = {}
        missing: list[Paper] = []
        for paper in ctx.request.papers:
            hit = cache.get("card", self.paper_key(paper))
            if hit is not None and isinstance(hit.get("card"), dict):
                cards[cite_key(paper)] = hit["card"]
            else:
                missing.append(paper)
        ctx.progress.stage("cards", max(1, len(missing)))
        if not missing:
            self.service.usage("cards").cached += 1
            ctx.progress.advance("cards")
        for attempt in range(2):  # the papers an answer left without a card are asked once more
            if not missing:
                break
            cards.update(self.ask(missing, attempt))
            missing = [p for p in missing if cite_key(p) not in cards]
            if missing and attempt == 0:
                ctx.progress.note(f"cards: {len(missing)} paper(s) got no card; asking for them again")
        for paper in missing:
            self.service.find("cards_missing", {"id": cite_key(paper), "title": paper.title})
            cards[cite_key(paper)] = {f: "" for f in CARD_FIELDS}
        for key, card in cards.items():
            for f in CARD_FIELDS:
                if len(card.get(f, "")) > CARD_MAX_CHARS[f]:
                    self.service.find("card_fields_trimmed", {"id": key, "field": f, "chars": len(card[f]),
                                                              "limit": CARD_MAX_CHARS[f]})
        return cards

    def calls(self, papers: list[Paper], attempt: int = 0) -> list[Call]:
        """Cards are cached per paper, so the grouping is free to change: one wave of calls when the corpus
        is large (fewer, longer calls in parallel), cards_per_call papers per call when it is small."""
        ctx = self.ctx
        prompt = ctx.prompts["cards"]
        settings = ctx.settings
        waves = -(-len(papers) // max(1, settings.max_concurrency))
        size = min(MAX_CARDS_PER_CALL, max(1, settings.cards_per_call, waves))
        calls = []
        for group in (papers[i:i + size] for i in range(0, len(papers), size)):
            blocks = "\n\n".join(ctx.paper_block(p, short_name=False) for p in group)
            text = prompt.render({"topic": ctx.topic_text, "papers": blocks})
            ids = [cite_key(p) for p in group]
            # The round is in the key of a re-ask: the first round's answer (cached) left these papers out.
            parts = (ids, [p.abstract for p in group], *((attempt,) if attempt else ()))
            calls.append(Call("cards", ctx.key("cards", *parts),
                              ctx.params("cards", prompt, [], text, CARD_SCHEMA), self.validator(),
                              json_output=True))
        return calls

    def ask(self, papers: list[Paper], attempt: int = 0) -> dict[str, dict[str, str]]:
        wanted = {cite_key(p): p for p in papers}
        calls = self.calls(papers, attempt)
        cards: dict[str, dict[str, str]] = {}
        for answer in self.service.ask_many(calls):
            for item in parse_json(answer)["cards"]:
                key = item["id"]
                paper = wanted.get(key)
                if paper is None or key in cards:
                    self.service.find("cards_trimmed", {"id": key, "reason": "a card for a paper that was not asked"
                                                        if paper is None else "a second card for the paper"})
                    continue
                card = self.tidy(paper, {f: str(item.get(f, "")) for f in CARD_FIELDS})
                cards[key] = card
                self.service.cache.put("card", self.paper_key(paper), {"card": card})
        return cards

    def tidy(self, paper: Paper, card: dict[str, str]) -> dict[str, str]:
        """A card's numbers must be its abstract's (later stages ground numbers against cards): any other is
        taken out of the field and listed. Length is a soft limit: over-long fields are kept (and counted in
        the report); ``card_text`` trims them at a word boundary for the later stages."""
        stated = stated_values(paper.title + " " + paper.abstract)
        for f in CARD_FIELDS:
            for number in reversed(written_numbers(card[f])):
                if not is_faithful(number, stated):
                    self.service.find("card_numbers_removed", {"id": cite_key(paper), "field": f,
                                                               "number": number.text, "text": card[f]})
                    card[f] = remove_number(card[f], number)
        return card

    @staticmethod
    def validator() -> Validator:
        """Only the shape fails an answer: ids not asked are trimmed, ids missing asked again (see ``run``)."""

        def validate(text: str) -> list[str]:
            answer = json_answer(text, "cards", 'an object {"cards": [...]}')
            if isinstance(answer, str):
                return [answer]
            problems: list[str] = []
            for item in answer[1]:
                if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                    problems.append("every card needs a string 'id'")
                    continue
                problems += [f"card {item['id']}: '{f}' must be a string" for f in CARD_FIELDS
                             if not isinstance(item.get(f), str)]
            return problems

        return validate
