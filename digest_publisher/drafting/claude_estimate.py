"""The Claude engine's cost before any call (``draft --estimate``): per stage, from the requests it would send.

Cards: none while the papers' excerpt cards fit ``excerpt_cards_max_tokens`` (made by code; the block they make
is counted exactly); else the exact card requests for the papers without a cached card (their prompts counted
locally, see :mod:`digest_publisher.claude.estimate`), :data:`CARD_OUTPUT_TOKENS` per card. Outline, sections and meta:
their prompts with the cards block and the outline block they share (cached when long enough), the
section count the outline prompts ask for (:func:`section_count`), key papers with their abstracts, and
answers of the lengths the prompts ask for (:data:`OUTLINE_TOKENS_PER_PAPER`, the section word bounds at
:data:`TOKENS_PER_WORD`, :data:`META_OUTPUT_TOKENS`). Retries, repairs and condensing are not included
(they happen only when an answer fails a check).
"""

from __future__ import annotations

from pathlib import Path

from ..claude import ClaudeService, ClaudeSettings
from ..claude.estimate import NoClient, StageEstimate, tokens
from ..models import NullProgress, Paper, PostKind, Topic
from ..names import short_names
from .base import DraftRequest
from .claude_cards import CardStage, excerpt_cards
from .claude_context import DraftContext
from .claude_sections import WORDS_PER_KEY_PAPER, WORDS_PER_PAPER
from .prompts import load_prompt_set

# A card: id, contribution (<= 10 words), method (<= 8), key result (<= 16), limitations (<= 8), as JSON.
CARD_OUTPUT_TOKENS = 70
OUTLINE_TOKENS_PER_PAPER = 8  # its id in a section's list (or left_out with a reason), plus key papers
OUTLINE_TOKENS_PER_SECTION = 40  # heading and angle
META_OUTPUT_TOKENS = 150
TOKENS_PER_WORD = 1.4  # Markdown prose with [@2605.12345] citations
KEY_PAPERS_PER_SECTION = 2
CARD_LINE_TOKENS = 75  # one line of the cards block: id | short name | the card's four fields


def section_count(kind: PostKind, papers: int) -> int:
    """Sections the outline prompts ask for: a backfill's 4-7 themes plus "The Road Ahead"; a brief's fixed
    list (5)."""
    if kind is PostKind.BRIEF:
        return min(5, papers)
    return min(7, max(1, min(4, papers) + papers // 30)) + 1


def estimate_draft(
    settings: ClaudeSettings, prompts_dir: Path, cache_dir: Path, topic: Topic, papers: list[Paper],
    kind: PostKind, window: tuple[object, object],
) -> list[StageEstimate]:
    """Estimated calls and tokens of each drafting stage for ``papers`` (the curated ones), no call made."""
    prompts = load_prompt_set(prompts_dir / kind.value)
    request = DraftRequest(topic, tuple(papers), kind, window, short_names(papers))  # type: ignore[arg-type]
    ctx = DraftContext(ClaudeService(NoClient(), settings, cache_dir, NullProgress()), request, prompts)
    excerpts = excerpt_cards(papers, settings.excerpt_cards_max_tokens)
    if excerpts is not None:
        cards = StageEstimate("cards", note="excerpts of the abstracts, made by code: no call")
        block = tokens(ctx.cards_block(excerpts))
    else:
        stage = CardStage(ctx)
        todo = [p for p in papers if ctx.service.cache.get("card", stage.paper_key(p)) is None]
        cards = StageEstimate("cards", batchable=True, note=f"{len(todo)} of {len(papers)} papers need a card")
        for call in stage.calls(todo) if todo else []:
            cards.calls += 1
            cards.input_tokens += sum(tokens(b["text"]) for b in call.params["system"])
            cards.input_tokens += sum(tokens(b["text"]) for b in call.params["messages"][0]["content"])
            cards.output_tokens += CARD_OUTPUT_TOKENS * str(call.params["messages"]).count("<paper id=")
        block = 20 + CARD_LINE_TOKENS * len(papers)
    system = tokens(ctx.system[0]["text"])
    n = section_count(kind, len(papers))
    outline = StageEstimate("outline", calls=1, output_tokens=OUTLINE_TOKENS_PER_PAPER * len(papers)
                            + OUTLINE_TOKENS_PER_SECTION * n)
    outline.input_tokens = tokens(prompts["outline"].body) + 100
    meta = StageEstimate("meta", calls=1, output_tokens=META_OUTPUT_TOKENS)
    meta.input_tokens = tokens(prompts["meta"].body) + 20 * n
    sections = StageEstimate("section", calls=n, batchable=True)
    per_section = -(-len(papers) // max(1, n - (kind is PostKind.BACKFILL)))
    keys = min(KEY_PAPERS_PER_SECTION, per_section)
    abstract = sum(tokens(f"{p.title} {p.abstract}") for p in papers) // max(1, len(papers))
    title = sum(tokens(p.title) + 20 for p in papers) // max(1, len(papers))
    outline_block = 30 * n + 8 * len(papers)
    sections.input_tokens = n * (tokens(prompts["section"].body) + 100
                                 + keys * abstract + (per_section - keys) * title)
    min_words, max_words = (200, max(300, 2400 // n)) if kind is PostKind.BACKFILL else (80, 350)
    most = max(max_words, WORDS_PER_PAPER * per_section + WORDS_PER_KEY_PAPER * keys)
    sections.output_tokens = int(n * TOKENS_PER_WORD * (min_words + most) / 2)
    # The system prompt and the cards block open outline, meta and every section: one cached prefix, written
    # by the first call (the outline) and read by the others when long enough; the outline block follows
    # it in the sections (a second breakpoint).
    prefix = system + block
    if prefix >= settings.price_for("outline").min_cache_tokens:
        outline.cache_write_tokens += prefix
        meta.cache_read_tokens += prefix
        sections.cache_read_tokens += prefix * n
    else:
        for est in (outline, meta, sections):
            est.input_tokens += prefix * est.calls
    if prefix + outline_block >= settings.price_for("section").min_cache_tokens:
        sections.cache_write_tokens += outline_block
        sections.cache_read_tokens += outline_block * (n - 1)
    else:
        sections.input_tokens += outline_block * n
    return [cards, outline, sections, meta]
