"""What every stage of one Claude draft shares besides the :class:`ClaudeService`: the request, the prompt
set, the rendered system prompts, the cache key rule and how a paper is shown to a stage."""

from __future__ import annotations

import itertools
from typing import Any

from ..claude import ClaudeService, stable_hash
from ..claude.prompts import Prompt, PromptSet
from ..models import Paper
from .base import DraftRequest, cite_key
from .prose import detex, format_window, window_phrase

CARD_FIELDS = ("contribution", "method", "key_result", "limitations")
# Card fields are short by design (the prompt gives word limits; every later stage re-reads them). The
# limits are checked by code, not as ``maxLength`` in the card schema: structured outputs reject
# string-length bounds. Generous (about twice the prompt's word limits) so only a rambling card fails.
CARD_MAX_CHARS = {"contribution": 120, "method": 100, "key_result": 180, "limitations": 100}
# The one field of a card made by code (claude_cards.excerpt_card): sentences of the abstract, verbatim.
EXCERPT = "excerpt"


def trim(text: str, limit: int) -> str:
    """``text`` cut at the last word boundary within ``limit`` characters (an ellipsis marks the cut)."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


class DraftContext:
    """One draft's inputs as the stages read them; the stages call Claude through ``service``."""

    def __init__(self, service: ClaudeService, request: DraftRequest, prompts: PromptSet) -> None:
        self.service = service
        self.settings = service.settings
        self.progress = service.progress
        self.request = request
        self.prompts = prompts
        self.by_key = request.by_key
        topic = request.topic
        self.topic_text = f"{topic.label} ({topic.name})"
        self.window_text = format_window(*request.window)
        # The window is in the system prompt, so every stage that writes prose knows it and how to call it.
        system = self.render_system(request.window)
        self.system = service.system_blocks(system)
        # The card stage extracts facts on another model (whose cache it cannot share): it gets the system
        # prompt's opening lines (series, topic) only, up to the first line that names the window (found by
        # rendering it for another window): a card does not depend on the window, so extending the window
        # re-runs only the new papers' cards, and no prompt of theirs says a period they may not be from.
        other = self.render_system((request.window[0].replace(year=1999), request.window[1].replace(year=1999)))
        kept = list(itertools.takewhile(lambda pair: pair[0] == pair[1], zip(
            system.split("\n\n", 1)[0].splitlines(), other.split("\n\n", 1)[0].splitlines(), strict=False)))
        self.cards_system = service.system_blocks("\n".join(a for a, _ in kept) or f"The topic is {self.topic_text}.")

    def render_system(self, window: Any) -> str:
        topic = self.request.topic
        return self.prompts["system"].render({"series": topic.series, "topic": self.topic_text,
                                              "window": format_window(*window),
                                              "window_phrase": window_phrase(*window)})

    def key(self, stage: str, *parts: Any) -> str:
        prompt_digests = (self.prompts["system"].digest, self.prompts[stage].digest)
        return stable_hash(stage, prompt_digests, self.settings.fingerprint(stage), self.request.kind.value, parts)

    def params(
        self, stage: str, prompt: Prompt, shared: list[str], text: str, schema: dict[str, Any] | None
    ) -> dict[str, Any]:
        """Outline, meta and sections all start with the same cards block, so they share one cached prefix."""
        system = self.cards_system if stage == "cards" else self.system
        return self.service.params(stage, prompt.max_tokens, system, shared, text, schema)

    def card_text(self, key: str, cards: dict[str, dict[str, str]]) -> str:
        return " ".join(card_fields(cards.get(key, {})))

    def cards_block(self, cards: dict[str, dict[str, str]]) -> str:
        """All papers' cards: the block outline, meta and sections share (first, so it is one cached prefix)."""
        excerpts = all(EXCERPT in card for card in cards.values())
        lines = ["Paper cards (id | short name | title | what the paper does and its main result, in its "
                 "abstract's own words):" if excerpts else
                 "Paper cards (id | short name | contribution | method | key result | limitations):"]
        for paper in self.request.papers:
            key = cite_key(paper)
            # An excerpt can miss what a paper does (its "we propose" sentence holds LaTeX): the title says it.
            title = [detex(paper.title)] if excerpts else []
            lines.append(" | ".join([key, self.request.short_names[key], *title, *card_fields(cards.get(key, {}))]))
        return "\n".join(lines)

    def paper_block(
        self, paper: Paper, *, abstract: bool = True, card: str | None = None, short_name: bool = True
    ) -> str:
        """A paper as a stage reads it: id, short name, title, then its card and/or abstract. No authors:
        prose names a paper by its short name (which is "Surname et al." where it has no method name), and
        every call's input is paid for (cards omit the short name too: they only extract facts)."""
        return paper_block(paper, self.request.short_names[cite_key(paper)] if short_name else None,
                           abstract=abstract, card=card)


def card_fields(card: dict[str, str]) -> list[str]:
    """A card as the stages read it: an excerpt whole (code cut it already), a model card's four fields each
    cut at its limit."""
    if EXCERPT in card:
        return [card[EXCERPT]]
    return [trim(str(card.get(f, "")), CARD_MAX_CHARS[f]) for f in CARD_FIELDS]


def paper_block(paper: Paper, short_name: str | None, *, abstract: bool = True, card: str | None = None) -> str:
    """``<paper id=".." short_name="..">`` with title, card and/or abstract (also what triage reads)."""
    key = cite_key(paper)
    name = f' short_name="{short_name}"' if short_name is not None else ""
    lines = [f'<paper id="{key}"{name}>', f"title: {detex(paper.title)}"]
    if card is not None:
        lines.append(f"card: {card}")
    if abstract:
        lines.append(f"abstract: {detex(paper.abstract)}")
    return "\n".join([*lines, "</paper>"])
