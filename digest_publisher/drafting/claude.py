"""The Claude engine: cards -> outline -> sections (in parallel) -> title/hook/excerpt/tags.

Every stage's answer is cached on disk under a hash of what determines it (its inputs, its prompt
files, the model and the settings that shape output), so a re-run with nothing changed makes no call
and adding papers re-runs only what they touch:

- cards are excerpts of the abstracts made by code (no call) while they fit ``excerpt_cards_max_tokens``;
  past that, model cards cached per paper (a call groups up to ``cards_per_call`` uncached papers);
- the outline depends on all cards, so it re-runs when papers change; the previous outline is given
  to the model so that it keeps its sections and only places the new papers;
- a section's key holds its own spec (heading, angle, papers), its papers' cards and abstracts and
  the list of headings - not the full outline - so sections the new papers do not join stay cached, and a
  section that only gained papers gets one paragraph on them, inserted (its text is not written again);
- title/hook/excerpt/tags depend on the outline's headings and angles.

Prompt caching: the system prompt and the shared block of each stage (all cards for outline and
meta; the outline for sections) carry ``cache_control``; the cache counters are reported per stage,
and a warning is raised when they stay at zero.

Each answer is checked by code (schema, ids, grounding of numbers, length; a section must cite every
paper the outline assigned to it, so every selected paper ends up cited or left out by the outline
with a reason). A failing answer is retried once with the failures explained (a section missing
papers is told their ids); a second failure fails the draft with the reasons.

Model cards (a selection too large for excerpts) are written on ``cards_model`` (a cheaper model by default:
it only extracts short facts, and it is the stage that reads every abstract); the other stages on ``model``.
Each stage is priced at its own model's prices, and the card cache key holds the card model. A
Markdown answer cut off at ``max_tokens`` is continued (up to ``max_continuations``); a JSON answer
cut off is retried once as a failure; nothing truncated is ever used.

The engine is built by composition: one :class:`~digest_publisher.claude.ClaudeService` per draft (calls,
the stage cache, usage and cost, retries, batches) and one :class:`DraftContext` (the request as the stages
read it); the stages are small objects over them: :class:`CardStage` (``claude_cards.py``),
:class:`OutlineStage` (``claude_plan.py``), :class:`SectionStage` (``claude_sections.py``, sections and their
repairs) and :class:`MetaStage` (here, with the drafter and the assembly of the answers). Curation's triage
(``digest_publisher/curation/claude.py``) is another stage over the same service.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..claude import Call, ClaudeClient, ClaudeService, ClaudeSettings, parse_json
from .base import DraftContent, DraftRequest, Progress
from .claude_cards import CardStage
from .claude_context import DraftContext
from .claude_plan import Outline, OutlineStage
from .claude_sections import SectionStage
from .grounding import unsourced_meta_numbers
from .prompts import load_prompt_set


@dataclass
class ClaudeDrafter:
    """Drafts with Claude through an injected :class:`ClaudeClient` (the real SDK or a test's)."""

    client_factory: Callable[[], ClaudeClient]
    settings: ClaudeSettings
    prompts_dir: Path
    cache_dir: Path
    batch: bool = False
    name: str = "claude"

    def describe(self) -> str:
        via = ", Message Batches API for sections and model cards" if self.batch else ""
        limit = self.settings.excerpt_cards_max_tokens
        cards = f"; cards: excerpts of the abstracts, by {self.settings.model_for('cards')} past {limit:,} tokens"
        return f"Claude ({self.settings.model}{cards}{via})"

    # -- entry point -----------------------------------------------------------------------------

    def service(self, progress: Progress) -> ClaudeService:
        """A fresh service for one run (drafting's, or a scorer's sharing this drafter's client and cache)."""
        return ClaudeService(self.client_factory(), self.settings, self.cache_dir, progress, batch=self.batch)

    def draft(self, request: DraftRequest, progress: Progress) -> DraftContent:
        prompts = load_prompt_set(self.prompts_dir / request.kind.value)
        return run_draft(DraftContext(self.service(progress), request, prompts))


def run_draft(ctx: DraftContext) -> DraftContent:
    """The stages in order, then the post's content."""
    service = ctx.service
    cards = CardStage(ctx).run()
    outline = OutlineStage(ctx).run(cards)
    # Title/hook/excerpt/tags need only the outline: written while the sections are, off the critical path.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="claude-meta") as pool:
        pending_meta = pool.submit(MetaStage(ctx).run, outline, cards)
        sections = SectionStage(ctx).run(outline, cards)
        meta = pending_meta.result()
    service.check_cache_counters()
    tags = list(ctx.request.topic.tags)
    for tag in meta.get("tags", []):
        if isinstance(tag, str) and tag.strip() and tag.lower() not in {t.lower() for t in tags}:
            tags.append(tag.strip())
    return DraftContent(
        title=str(meta["title"]).strip(),
        excerpt=str(meta["excerpt"]).strip(),
        tags=tuple(tags),
        hook=str(meta["hook"]).strip(),
        sections=sections,
        drafter="claude",
        model=ctx.settings.model,
        left_out=outline.left_out,
        cards={k: ctx.card_text(k, cards) for k in cards},
        stages=service.stages,
        warnings=service.warnings,
        report=service.findings,
    )


class MetaStage:
    """Title, hook, excerpt and tags, from the outline's headings and angles."""

    def __init__(self, ctx: DraftContext) -> None:
        self.ctx = ctx

    def run(self, outline: Outline, cards: dict[str, dict[str, str]]) -> dict[str, Any]:
        ctx = self.ctx
        prompt = ctx.prompts["meta"]
        summary = "\n".join(f"- {s['heading']}: {s['angle']}" for s in outline.sections)
        text = prompt.render({"topic": ctx.topic_text, "window": ctx.window_text, "outline": summary})
        shared = ctx.cards_block(cards)
        # Keyed on the outline's headings and angles only: new papers that do not change them cost no meta call.
        call = Call("meta", ctx.key("meta", summary), ctx.params("meta", prompt, [shared], text, None),
                    self.validate, json_output=True)
        ctx.progress.stage("meta", 1)
        data: dict[str, Any] = parse_json(ctx.service.ask(call))
        return data

    def validate(self, text: str) -> list[str]:
        try:
            data = parse_json(text)
        except ValueError as exc:
            return [f"the answer is not valid JSON ({exc}); answer with the JSON object only"]
        if not isinstance(data, dict):
            return ["the JSON must be an object with title, hook, excerpt, tags"]
        problems = [f"'{k}' must be a non-empty string" for k in ("title", "hook", "excerpt")
                    if not isinstance(data.get(k), str) or not data[k].strip()]
        if problems:
            return problems
        if len(data["excerpt"].split()) > 55:
            problems.append(f"the excerpt has {len(data['excerpt'].split())} words; at most 55")
        if not isinstance(data.get("tags"), list) or not all(isinstance(t, str) for t in data["tags"]):
            problems.append("'tags' must be a list of strings")
        for field_name in ("hook", "excerpt", "title"):
            if "[@" in data[field_name]:
                problems.append(f"the {field_name} must not cite papers")
            numbers = unsourced_meta_numbers(data[field_name], self.ctx.request)
            if numbers:
                problems.append(f"the {field_name} states numbers ({', '.join(numbers)}) no paper is cited for")
        return problems
