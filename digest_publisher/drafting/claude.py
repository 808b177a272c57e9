"""The Claude engine: cards -> outline -> sections (in parallel) -> title/hook/excerpt/tags.

Every stage's answer is cached on disk under a hash of what determines it (its inputs, its prompt
files, the model and the settings that shape output), so a re-run with nothing changed makes no call
and adding papers re-runs only what they touch:

- cards are cached per paper (a call groups up to ``cards_per_call`` uncached papers);
- the outline depends on all cards, so it re-runs when papers change; the previous outline is given
  to the model so that it keeps its sections and only places the new papers;
- a section's key holds its own spec (heading, angle, papers), its papers' cards and abstracts and
  the list of headings - not the full outline - so sections the new papers do not join stay cached;
- title/hook/excerpt/tags depend on the outline's headings and angles.

Prompt caching: the system prompt and the shared block of each stage (all cards for outline and
meta; the outline for sections) carry ``cache_control``; the cache counters are reported per stage,
and a warning is raised when they stay at zero.

Each answer is checked by code (schema, ids, grounding of numbers, length; a section must cite every
paper the outline assigned to it, so every selected paper ends up cited or left out by the outline
with a reason). A failing answer is retried once with the failures explained (a section missing
papers is told their ids); a second failure fails the draft with the reasons.

The card stage runs on ``cards_model`` (a cheaper model by default: it only extracts short facts, and it
is the stage that reads every abstract); the other stages on ``model``. Each stage is priced at its
own model's prices, and the card cache key holds the card model. A
Markdown answer cut off at ``max_tokens`` is continued (up to ``max_continuations``); a JSON answer
cut off is retried once as a failure; nothing truncated is ever used.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import DraftError
from ..models import Paper, PostKind
from ..records import atomic_write_json
from .base import DraftContent, DraftRequest, Progress, Section, StageUsage, cite_key
from .claude_client import BatchFailure, ClaudeClient, Reply
from .grounding import SectionLimits, check_grounding, citations_in, parse_blocks
from .numbers import is_faithful, remove_number, stated_values, written_numbers
from .prompts import Prompt, PromptSet, load_prompt_set
from .settings import ClaudeSettings
from .text import detex, format_window, window_phrase, word_count

CARD_FIELDS = ("contribution", "method", "key_result", "limitations")
# A section's maximum length is at least these many words per paper it cites and per key paper's subsection.
WORDS_PER_PAPER = 30
WORDS_PER_KEY_PAPER = 120
MAX_CARDS_PER_CALL = 60  # ~60 output tokens per card: stays inside the cards prompt's max_tokens (8000)
# Card fields are short by design (the prompt gives word limits; every later stage re-reads them). The
# limits are checked here, by code, not as ``maxLength`` in CARD_SCHEMA: structured outputs reject
# string-length bounds. Generous (about twice the prompt's word limits) so only a rambling card fails.
CARD_MAX_CHARS = {"contribution": 120, "method": 100, "key_result": 180, "limitations": 100}
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
Validator = Callable[[str], list[str]]


def _hash(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


class StageCache:
    """``<cache_dir>/<stage>/<key>.json``, written atomically; a corrupt entry counts as a miss."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def get(self, stage: str, key: str) -> dict[str, Any] | None:
        path = self.folder / stage / f"{key}.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def put(self, stage: str, key: str, data: dict[str, Any]) -> None:
        atomic_write_json(self.folder / stage / f"{key}.json", data)


@dataclass
class Outline:
    sections: list[dict[str, Any]]
    left_out: dict[str, str]
    raw: str

    def headings(self) -> list[str]:
        return [s["heading"] for s in self.sections]


@dataclass
class _Call:
    """One stage call to make: its cache key, request and checks."""

    stage: str
    key: str
    params: dict[str, Any]
    validate: Validator
    stream: bool = False
    json_output: bool = False
    # An optional call (a repair, a condensation) that still fails after its retry is dropped, not fatal:
    # the caller keeps what it had and says so in the report.
    optional: bool = False


def _trim(text: str, limit: int) -> str:
    """``text`` cut at the last word boundary within ``limit`` characters (an ellipsis marks the cut)."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


def _json(text: str) -> Any:
    """Parse a JSON answer; tolerate a Markdown code fence around it."""
    stripped = text.strip()
    fenced = re.match(r"^```(?:json)?\s*(.*?)\s*```$", stripped, re.DOTALL)
    return json.loads(fenced.group(1) if fenced else stripped)


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
        via = ", Message Batches API for cards and sections" if self.batch else ""
        cards = self.settings.model_for("cards")
        also = f", cards by {cards}" if cards != self.settings.model else ""
        return f"Claude ({self.settings.model}{also}{via})"

    # -- entry point -----------------------------------------------------------------------------

    def draft(self, request: DraftRequest, progress: Progress) -> DraftContent:
        prompts = load_prompt_set(self.prompts_dir / request.kind.value)
        run = _Run(self, request, prompts, self.client_factory(), progress)
        return run.execute()


class _Run:
    """State of one draft: usage per stage, warnings, the cards."""

    def __init__(
        self, owner: ClaudeDrafter, request: DraftRequest, prompts: PromptSet, client: ClaudeClient,
        progress: Progress,
    ) -> None:
        self.owner = owner
        self.settings = owner.settings
        self.request = request
        self.prompts = prompts
        self.client = client
        self.progress = progress
        self.cache = StageCache(owner.cache_dir)
        self.stages: dict[str, StageUsage] = {}
        self.warnings: list[str] = []
        self.lock = threading.RLock()  # usage() is called with the lock held
        self.by_key = request.by_key
        topic = request.topic
        self.topic_text = f"{topic.label} ({topic.name})"
        self.window_text = format_window(*request.window)
        self.findings: dict[str, list[dict[str, Any]]] = {}  # -> DraftContent.report
        ttl = {"type": "ephemeral", "ttl": "1h"} if self._ttl() == "1h" else {"type": "ephemeral"}
        self.cache_control: dict[str, str] = ttl
        # The window is in the system prompt, so every stage knows it and how to call it.
        system = prompts["system"].render({"series": topic.series, "topic": self.topic_text,
                                           "window": self.window_text,
                                           "window_phrase": window_phrase(*request.window)})
        self.system = [{"type": "text", "text": system, "cache_control": self.cache_control}]
        # The card stage extracts facts on another model (whose cache it cannot share): it gets the system
        # prompt's first paragraph (series, topic, window) only; the voice and the rules for prose are not its.
        self.cards_system = [{"type": "text", "text": system.split("\n\n", 1)[0], "cache_control": self.cache_control}]

    def _ttl(self) -> str:
        # Batches can take longer than 5 minutes between requests sharing a prefix.
        return "1h" if self.owner.batch else self.settings.cache_ttl

    # -- plumbing --------------------------------------------------------------------------------

    def find(self, kind: str, item: dict[str, Any]) -> None:
        """Record something the engine repaired, trimmed or removed, for draft-report.json."""
        with self.lock:
            self.findings.setdefault(kind, []).append(item)

    def note_retry(self, stage: str, reason: str) -> None:
        with self.lock:
            usage = self.usage(stage)
            usage.retries += 1
            usage.retry_reasons.append(reason)
        self.progress.note(f"{stage}: {reason}")

    def usage(self, stage: str) -> StageUsage:
        with self.lock:
            return self.stages.setdefault(stage, StageUsage(
                batch=self.owner.batch and stage in ("cards", "section"), model=self.settings.model_for(stage)))

    def account(self, stage: str, reply: Reply, *, batch: bool) -> None:
        usage = self.usage(stage)
        partial = StageUsage(
            input_tokens=reply.usage.input_tokens,
            output_tokens=reply.usage.output_tokens,
            cache_creation_input_tokens=reply.usage.cache_creation_input_tokens,
            cache_read_input_tokens=reply.usage.cache_read_input_tokens,
        )
        cost = self.settings.price_for(stage).cost(partial, batch=batch, ttl=self._ttl())
        with self.lock:
            usage.calls += 1
            usage.input_tokens += partial.input_tokens
            usage.output_tokens += partial.output_tokens
            usage.cache_creation_input_tokens += partial.cache_creation_input_tokens
            usage.cache_read_input_tokens += partial.cache_read_input_tokens
            usage.cost_usd += cost

    def params(
        self, stage: str, prompt: Prompt, shared: list[str], text: str, schema: dict[str, Any] | None
    ) -> dict[str, Any]:
        """One request: the system prompt, then the ``shared`` blocks (each a cache breakpoint, the most
        widely shared first), then the stage's own text. Outline, meta and sections all start with the
        same cards block, so they share one cached prefix."""
        content: list[dict[str, Any]] = [
            {"type": "text", "text": block, "cache_control": self.cache_control} for block in shared
        ]
        content.append({"type": "text", "text": text})
        params: dict[str, Any] = {
            "model": self.settings.model_for(stage),
            "max_tokens": prompt.max_tokens,
            "system": self.cards_system if stage == "cards" else self.system,
            "messages": [{"role": "user", "content": content}],
        }
        if schema is not None:
            params["output_config"] = {"format": {"type": "json_schema", "schema": schema}}
        return params

    def key(self, stage: str, *parts: Any) -> str:
        prompt_digests = (self.prompts["system"].digest, self.prompts[stage].digest)
        return _hash(stage, prompt_digests, self.settings.fingerprint(stage), self.request.kind.value, parts)

    def complete(self, call: _Call, params: dict[str, Any]) -> str:
        """One answer, continued while it stops at max_tokens (Markdown) or failed (JSON)."""
        reply = self.client.complete(params, stream=call.stream, on_retry=self.retry_hook(call.stage))
        self.account(call.stage, reply, batch=False)
        return self.finish(call, params, reply)

    def retry_hook(self, stage: str) -> Callable[[str], None]:
        return lambda reason: self.note_retry(stage, reason)

    def finish(self, call: _Call, params: dict[str, Any], reply: Reply) -> str:
        text = reply.text
        continuations = 0
        while reply.stop_reason == "max_tokens":
            if call.json_output or continuations >= self.settings.max_continuations:
                raise _Truncated(text)
            continuations += 1
            self.progress.note(f"{call.stage}: output reached max_tokens; continuing ({continuations})")
            prefix = text.rstrip()
            more = dict(params)
            more["messages"] = [*params["messages"], {"role": "assistant", "content": prefix}]
            reply = self.client.complete(more, stream=call.stream, on_retry=self.retry_hook(call.stage))
            self.account(call.stage, reply, batch=False)
            text = prefix + reply.text
        if reply.stop_reason == "refusal":
            raise DraftError(f"Claude refused the {call.stage} stage", "Check the papers and the prompt for that stage")
        return text

    def ask(self, call: _Call, first: Reply | None = None) -> str:
        """Cached answer, or a checked fresh one (one retry with the failures explained)."""
        cached = self.cache.get(call.stage, call.key)
        if cached is not None and isinstance(cached.get("text"), str):
            with self.lock:
                self.usage(call.stage).cached += 1
            self.progress.advance(call.stage)
            return str(cached["text"])
        try:
            text = self.finish(call, call.params, first) if first is not None else self.complete(call, call.params)
            problems = call.validate(text)
        except _Truncated as cut:
            text, problems = cut.text, [
                f"the answer was cut off at max_tokens ({call.params['max_tokens']}); write a shorter answer"
            ]
        if problems:
            self.note_retry(call.stage, f"answer failed {len(problems)} check(s); retrying once: "
                            + "; ".join(problems[:3]))
            retry = dict(call.params)
            retry["messages"] = [
                *call.params["messages"],
                {"role": "assistant", "content": text.rstrip() or "(empty)"},
                {"role": "user", "content": "Your answer failed these checks, done by code:\n- "
                 + "\n- ".join(problems[:20])
                 + "\nWrite the complete answer again, fixing every one of them. Follow the format exactly."},
            ]
            try:
                text = self.complete(call, retry)
                problems = call.validate(text)
            except _Truncated:
                problems = [f"the answer was cut off at max_tokens ({call.params['max_tokens']}) twice"]
            if problems and call.optional:
                self.progress.note(f"{call.stage}: still failing after the retry; keeping the text as it was")
                return ""
            if problems:
                raise DraftError(
                    f"the {call.stage} stage failed its checks twice ({len(problems)} problem(s)): "
                    + "; ".join(problems[:6]),
                    "Nothing was written. Edit the stage's prompt, raise max_tokens in its front matter, or "
                    "run again",
                )
        self.cache.put(call.stage, call.key, {"text": text, "model": self.settings.model_for(call.stage)})
        self.progress.advance(call.stage)
        return text

    def ask_many(self, calls: list[_Call]) -> list[str]:
        """Answers in order: cached ones read, the rest through a batch or in parallel (bounded)."""
        if not calls:
            return []
        stage = calls[0].stage
        self.progress.stage(stage, len(calls))
        pending = [c for c in calls if self.cache.get(c.stage, c.key) is None]
        firsts: dict[str, Reply] = {}
        if self.owner.batch and pending:
            firsts = self.batch(stage, pending)
        workers = max(1, min(self.settings.max_concurrency, len(calls)))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"claude-{stage}") as pool:
            return list(pool.map(lambda c: self.ask(c, firsts.get(c.key)), calls))

    def batch(self, stage: str, calls: list[_Call]) -> dict[str, Reply]:
        """Submit first attempts as one Message Batch (50% off); failures fall back to direct calls."""
        ids = {f"{stage}-{i:04d}": c for i, c in enumerate(calls)}
        self.progress.note(f"{stage}: submitting {len(ids)} request(s) as a Message Batch")
        self.progress.stage(f"{stage} batch", len(ids))
        seen = {"done": 0}

        def on_poll(counts: dict[str, int]) -> None:
            done = counts.get("succeeded", 0) + counts.get("errored", 0)
            if done > seen["done"]:
                self.progress.advance(f"{stage} batch", done - seen["done"])
                seen["done"] = done

        results = self.client.run_batch(
            {cid: c.params for cid, c in ids.items()}, poll_s=self.settings.batch_poll_s, on_poll=on_poll
        )
        firsts: dict[str, Reply] = {}
        for cid, call in ids.items():
            result = results.get(cid)
            if isinstance(result, Reply):
                self.account(stage, result, batch=True)
                firsts[call.key] = result
            else:
                reason = result.message if isinstance(result, BatchFailure) else "missing from the results"
                self.progress.note(f"{stage}: batch request {cid} failed ({reason}); calling directly")
        return firsts

    # -- stages ----------------------------------------------------------------------------------

    def execute(self) -> DraftContent:
        cards = self.cards()
        outline = self.outline(cards)
        # Title/hook/excerpt/tags need only the outline: written while the sections are, off the critical path.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="claude-meta") as pool:
            pending_meta = pool.submit(self.meta, outline, cards)
            sections = self.write_sections(outline, cards)
            meta = pending_meta.result()
        self.check_cache_counters()
        tags = list(self.request.topic.tags)
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
            model=self.settings.model,
            left_out=outline.left_out,
            cards={k: self.card_text(k, cards) for k in cards},
            stages=self.stages,
            warnings=self.warnings,
            report=self.findings,
        )

    def card_text(self, key: str, cards: dict[str, dict[str, str]]) -> str:
        card = cards.get(key, {})
        return " ".join(_trim(str(card.get(f, "")), CARD_MAX_CHARS[f]) for f in CARD_FIELDS)

    def paper_block(
        self, paper: Paper, *, abstract: bool = True, card: str | None = None, short_name: bool = True
    ) -> str:
        """A paper as a stage reads it: id, short name, title, then its card and/or abstract. No authors:
        prose names a paper by its short name (which is "Surname et al." where it has no method name), and
        every call's input is paid for (cards omit the short name too: they only extract facts)."""
        key = cite_key(paper)
        name = f' short_name="{self.request.short_names[key]}"' if short_name else ""
        lines = [f'<paper id="{key}"{name}>', f"title: {detex(paper.title)}"]
        if card is not None:
            lines.append(f"card: {card}")
        if abstract:
            lines.append(f"abstract: {detex(paper.abstract)}")
        return "\n".join([*lines, "</paper>"])

    # 1. cards ----------------------------------------------------------------------------------

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
            calls.append(_Call("cards", self.key("cards", ids, [p.abstract for p in group]),
                               self.params("cards", prompt, [], text, CARD_SCHEMA),
                               self.card_validator(group), json_output=True))
        self.progress.stage("cards", max(1, len(calls)))
        if not calls:
            self.usage("cards").cached += 1
            self.progress.advance("cards")
        for answer in self.ask_many(calls):
            for item in _json(answer)["cards"]:
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
            try:
                data = _json(text)
            except ValueError as exc:
                return [f"the answer is not valid JSON ({exc}); answer with the JSON object only"]
            items = data.get("cards") if isinstance(data, dict) else None
            if not isinstance(items, list):
                return ['the JSON must be an object {"cards": [...]}']
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
            fields = (_trim(card.get(f, ""), CARD_MAX_CHARS[f]) for f in CARD_FIELDS)
            lines.append(" | ".join([key, self.request.short_names[key], *fields]))
        return "\n".join(lines)

    # 2. outline --------------------------------------------------------------------------------

    def outline(self, cards: dict[str, dict[str, str]]) -> Outline:
        prompt = self.prompts["outline"]
        topic = self.request.topic
        latest_key = _hash("latest-outline", topic.number, topic.slug, self.request.kind.value)
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
        call = _Call("outline", self.key("outline", shared),
                     self.params("outline", prompt, [shared], text, None), self.validate_outline,
                     json_output=True)
        placed = None if self.cache.get("outline", call.key) else self.place_new_papers(previous_text, cards)
        if placed is not None:
            # Cached under the full outline's key too: an unchanged re-run then makes no call.
            self.cache.put("outline", call.key, {"text": placed, "model": self.settings.model})
        self.progress.stage("outline", 1)
        answer = self.ask(call)
        self.cache.put("outline-latest", latest_key, {"text": answer})
        data = _json(answer)
        sections = [s for s in data["sections"] if s["papers"]]
        left_out = {i["id"]: i["reason"] for i in data.get("left_out", [])}
        return Outline(sections, left_out, answer)

    def place_new_papers(self, previous_text: str, cards: dict[str, dict[str, str]]) -> str | None:
        """Papers added to a drafted selection are placed into the previous outline by one small call
        (their cards and the outline's headings), instead of planning the whole post again. None when
        there is no previous outline, papers were removed, or the placement fails its checks."""
        try:
            previous = _json(previous_text)
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
            try:
                data = _json(answer)
            except ValueError as exc:
                return [f"the answer is not valid JSON ({exc}); answer with the JSON object only"]
            placed = data.get("placements") if isinstance(data, dict) else None
            if not isinstance(placed, list):
                return ['the JSON must be {"placements": [{"id": ..., "section": ...}], "left_out": [...]}']
            where = {str(i.get("id")): i.get("section") for i in placed if isinstance(i, dict)}
            left = {str(i.get("id")) for i in data.get("left_out", []) if isinstance(i, dict)}
            problems = [f"paper {k} is neither placed nor left out with a reason" for k in new
                        if k not in where and k not in left]
            problems += [f"paper {k} is placed in {h!r}, which is not one of the sections listed" for k, h in
                         where.items() if h not in headings or h == closing]
            return problems

        call = _Call("place", self.key("place", previous_text, new, [self.card_text(k, cards) for k in new]),
                     self.params("place", prompt, [], text, None), validate, json_output=True, optional=True)
        self.progress.stage("place", 1)
        answer = self.ask(call)
        if not answer:
            return None
        data = _json(answer)
        for item in data["placements"]:
            for sec in previous["sections"]:
                if sec["heading"] == item["section"] and item["id"] in new and item["id"] not in sec["papers"]:
                    sec["papers"].append(item["id"])
        previous.setdefault("left_out", []).extend(
            {"id": i["id"], "reason": str(i.get("reason", ""))} for i in data.get("left_out", []) if i.get("id") in new)
        return json.dumps(previous, ensure_ascii=False)

    def validate_outline(self, text: str, *, allow_missing: bool = False) -> list[str]:
        try:
            data = _json(text)
        except ValueError as exc:
            return [f"the answer is not valid JSON ({exc}); answer with the JSON object only"]
        if not isinstance(data, dict) or not isinstance(data.get("sections"), list):
            return ['the JSON must be an object {"sections": [...], "left_out": [...]}']
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

    # 3. sections -------------------------------------------------------------------------------

    def write_sections(self, outline: Outline, cards: dict[str, dict[str, str]]) -> list[Section]:
        prompt = self.prompts["section"]
        shared = [self.cards_block(cards), self.outline_block(outline)]
        n = max(1, len(outline.sections))
        backfill = self.request.kind is PostKind.BACKFILL
        min_words, max_words = (200, max(300, 2400 // n)) if backfill else (80, 350)
        headings = outline.headings()
        closing = len(outline.sections) - 1 if backfill else -1
        calls = []
        specs: list[_SectionSpec] = []
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
                blocks.append(self.paper_block(p, abstract=with_abstract)
                              + ("  (key paper)" if key in keys else ""))
            text = prompt.render({
                "topic": self.topic_text,
                "heading": spec["heading"],
                "angle": spec["angle"],
                "papers": "\n\n".join(blocks),
                "min_words": min_words,
                "max_words": most,
                "structure": self.structure_text(keys, is_closing),
            })
            inputs = [(cite_key(p), p.abstract, cards.get(cite_key(p))) for p in papers]
            key = self.key("section", spec, headings, inputs, min_words, most, is_closing)  # not the whole outline
            section = _SectionSpec(spec["heading"], [cite_key(p) for p in papers], keys, is_closing, min_words, most)
            specs.append(section)
            calls.append(_Call("section", key, self.params("section", prompt, shared, text, None),
                               self.section_validator(section), stream=True))
        # A section that only gained papers since the last draft is updated in place (its text plus a
        # paragraph on the new papers) instead of being written again: the cost of +5 papers stays small.
        latest = [self.cache.get("section-latest", self.latest_key(sec.heading)) for sec in specs]
        updates: dict[int, _Call] = {}
        for index, (sec, call, before) in enumerate(zip(specs, calls, latest, strict=True)):
            old = [str(k) for k in before.get("papers", [])] if before else []
            if before and self.cache.get("section", call.key) is None and set(old) < set(sec.papers) and old:
                updates[index] = self.update_call(sec, str(before["text"]), [k for k in sec.papers if k not in old],
                                                  cards)
        fresh = [c for i, c in enumerate(calls) if i not in updates]
        written = iter(self.ask_many(fresh))
        added = dict(zip(updates, self.ask_many(list(updates.values())), strict=True))
        bodies = []
        for index, (sec, before) in enumerate(zip(specs, latest, strict=True)):
            if index in updates and added[index].strip() and before:
                bodies.append(_insert_before_quote(str(before["text"]), added[index].strip()))
                self.find("sections_updated_in_place", {"section": sec.heading, "papers_added": [
                    k for k in sec.papers if k not in before.get("papers", [])]})
            elif index in updates:  # the update failed its checks: write the section afresh
                bodies.append(self.ask(calls[index]))
            else:
                bodies.append(next(written))
        bodies = [self.own_citations_only(sec, body.strip()) for sec, body in zip(specs, bodies, strict=True)]
        bodies = self.revise(specs, bodies, cards, shared)
        for sec, call, body in zip(specs, calls, bodies, strict=True):
            self.cache.put("section-latest", self.latest_key(sec.heading), {"papers": sec.papers, "text": body})
            if self.cache.get("section", call.key) is None:  # an updated section: a re-run reads it as written
                self.cache.put("section", call.key, {"text": body, "model": self.settings.model})
        return [
            Section(spec["heading"], body, tuple(spec["papers"]))
            for spec, body in zip(outline.sections, bodies, strict=True)
        ]

    def latest_key(self, heading: str) -> str:
        topic = self.request.topic
        return _hash("latest-section", topic.number, topic.slug, self.request.kind.value, heading)

    def update_call(self, spec: _SectionSpec, current: str, new: list[str], cards: dict[str, dict[str, str]]) -> _Call:
        prompt = self.prompts["update"]
        papers = "\n\n".join(self.paper_block(self.by_key[k], card=self.card_text(k, cards)) for k in new)
        text = prompt.render({"heading": spec.heading, "section": current, "papers": papers})

        def validate(answer: str) -> list[str]:
            cited = set(citations_in(answer))
            problems = [f"it does not cite the new paper {k} ({self.request.short_names.get(k, k)}); write a "
                        f"sentence on it citing it as [@{k}]" for k in new if k not in cited]
            if re.search(r"^#{1,6}\s", answer, re.M):
                problems.append("write paragraphs only, no headings")
            return problems

        return _Call("update", self.key("update", spec.heading, current, [(k, self.by_key[k].abstract) for k in new]),
                     self.params("update", prompt, [], text, None), validate, stream=True, optional=True)

    def structure_text(self, key_papers: list[str], closing: bool) -> str:
        """The structure the section validator will check, said to the model in the same terms."""
        if self.request.kind is PostKind.BRIEF:
            return ("A numbered list (\"1. **Name**: ...\") of items, each two to four sentences citing the papers "
                    "they discuss; the \"Concluding Overview\" is two paragraphs instead of a list.")
        if closing:
            return ("Two to four paragraphs on open problems and what to watch, drawing on the papers below (they "
                    "are covered in earlier sections: refer to them, do not re-cover them). No ### subsections.")
        subsections = "; ".join(f"one for {k} ({self.request.short_names.get(k, k)})" for k in key_papers)
        return ("1. An opening paragraph that states the theme and why it matters, citing the papers it mentions.\n"
                f"2. A \"### <name>: <what it shows>\" subsection for each key paper ({subsections}), on the "
                "problem, the method and the result with its numbers; <name> is the paper's short name or the "
                "name its title or abstract gives its method.\n"
                "3. One or two sentences each on the other papers.\n"
                "4. Exactly one \"> **Key implication:** ...\" quote at the end, saying what a practitioner "
                "should take away.")

    def section_validator(self, spec: _SectionSpec) -> Validator:
        """Checks of one section's answer, done by code; a failing answer is retried once with them.

        Every paper the outline assigned must be cited (issue #4: every selected paper is covered or left
        out with a reason); a backfill section has a ### subsection for each key paper and one Key
        implication quote. Numbers, over-length and citations of other sections' papers are not failures:
        they are repaired, condensed or removed afterwards (see :meth:`revise`, :meth:`own_citations_only`).
        """
        limits = SectionLimits(min_h2_words=0, min_h3_words=25)
        structured = self.request.kind is PostKind.BACKFILL and not spec.closing

        def validate(text: str) -> list[str]:
            body = text.strip()
            problems: list[str] = []
            if re.search(r"^#{1,2}\s", body, re.M):
                problems.append("do not write '#' or '##' headings; the section heading is added by code")
            words = word_count(body)
            if words < int(spec.min_words * 0.6):
                problems.append(f"the section has {words} words; write at least {spec.min_words}")
            report = check_grounding(body, self.by_key, {}, limits, names=self.request.short_names)
            problems += report.unresolved_names + report.section_problems
            problems += [p for p in report.unknown_citations if "malformed" in p]
            problems += [
                f"it does not cite {key} ({self.request.short_names.get(key, key)}), which the outline assigned "
                f"to it; write at least one sentence on that paper, citing it as [@{key}]"
                for key in spec.papers if key not in report.citations
            ]
            if structured:
                problems += [
                    f"there is no ### subsection on the key paper {key} ({self.request.short_names.get(key, key)}): "
                    f"write one, citing it as [@{key}]"
                    for key in spec.key_papers if key not in _subsection_citations(body)
                ]
                quotes = len(re.findall(r"^>\s*\*\*Key implication:?\*\*", body, re.M))
                if quotes != 1:
                    problems.append(f"the section has {quotes} \"> **Key implication:** ...\" quotes; "
                                    "write exactly one")
            return [f"section {spec.heading!r}: {p}" for p in problems]

        return validate

    def own_citations_only(self, spec: _SectionSpec, body: str) -> str:
        """Citations of papers that are not this section's are taken out (each section covers its own papers;
        a citation elsewhere would send readers to the wrong paragraph) and listed."""
        allowed = set(spec.papers)

        def keep(match: re.Match[str]) -> str:
            ids = citations_in(match.group(0))
            kept = [i for i in ids if i in allowed or i not in self.by_key]  # unknown ids: draft_post removes them
            for dropped in (i for i in ids if i not in kept):
                self.find("citations_removed", {"section": spec.heading, "id": dropped,
                                                "reason": "the outline gave this paper to another section"})
            return "[" + "; ".join(f"@{i}" for i in kept) + "]" if kept else ""

        def replace(match: re.Match[str]) -> str:
            kept = keep(match)
            return match.group(1) + kept if kept else ""

        # Only a space or tab before a citation goes with it: a newline is structure (a paragraph break).
        return re.sub(r"([ \t]?)\[@[^\]]*\]", replace, body)

    def revise(
        self, specs: list[_SectionSpec], bodies: list[str], cards: dict[str, dict[str, str]], shared: list[str]
    ) -> list[str]:
        """One small call per section that needs it: repair the sentences whose numbers no cited paper states
        (what the repair does not fix, draft_post removes and lists), or condense a section more than 25%
        over its maximum (if the condensed text fails the checks, the section is kept and flagged)."""
        card_texts = {k: self.card_text(k, cards) for k in cards}
        calls: list[tuple[int, str, _Call]] = []
        for index, (spec, body) in enumerate(zip(specs, bodies, strict=True)):
            claims = check_grounding(body, self.by_key, card_texts, SectionLimits(0, 0),
                                     names=self.request.short_names).unverified_claims
            if claims:
                calls.append((index, "repair", self.repair_call(spec, body, claims, card_texts, shared)))
            elif word_count(body) > spec.max_words * 1.25:
                calls.append((index, "condense", self.condense_call(spec, body, shared)))
        if not calls:
            return bodies
        out = list(bodies)
        for (index, kind, _), answer in zip(calls, self.ask_many([c for _, _, c in calls]), strict=True):
            spec = specs[index]
            if kind == "repair":
                out[index] = self.apply_repairs(spec, out[index], answer, card_texts)
            elif answer.strip():
                self.find("sections_condensed", {"section": spec.heading, "words_before": word_count(out[index]),
                                                 "words_after": word_count(answer)})
                out[index] = self.own_citations_only(spec, answer.strip())
            else:
                self.find("sections_over_length", {"section": spec.heading, "words": word_count(out[index]),
                                                   "max_words": spec.max_words})
        return out

    def repair_call(
        self, spec: _SectionSpec, body: str, claims: list[dict[str, Any]], card_texts: dict[str, str],
        shared: list[str],
    ) -> _Call:
        prompt = self.prompts["repair"]
        sentences = list(dict.fromkeys(c["sentence"] for c in claims))
        cited = list(dict.fromkeys(k for c in claims if isinstance(c["sources"], list) for k in c["sources"]))
        papers = "\n\n".join(self.paper_block(self.by_key[k], card=card_texts.get(k, "")) for k in cited)
        listing = "\n".join(
            f"{i}. {sentence}\n   unsupported: "
            + ", ".join(c["number"] for c in claims if c["sentence"] == sentence)
            for i, sentence in enumerate(sentences, 1)
        )
        text = prompt.render({"heading": spec.heading, "sentences": listing, "papers": papers or "(none cited)"})

        def validate(answer: str) -> list[str]:
            try:
                data = _json(answer)
            except ValueError as exc:
                return [f"the answer is not valid JSON ({exc}); answer with the JSON object only"]
            fixes = data.get("fixes") if isinstance(data, dict) else None
            if not isinstance(fixes, list) or not all(isinstance(f, dict) for f in fixes):
                return ['the JSON must be {"fixes": [{"sentence": ..., "rewrite": ...}]}']
            return []

        return _Call("repair", self.key("repair", spec.heading, body, sentences),
                     self.params("repair", prompt, shared[:1], text, None), validate, json_output=True, optional=True)

    def apply_repairs(self, spec: _SectionSpec, body: str, answer: str, card_texts: dict[str, str]) -> str:
        """Apply each rewrite that keeps its sentence's citations and whose numbers its papers state."""
        fixes = _json(answer).get("fixes", []) if answer.strip() else []
        for fix in fixes:
            original, rewrite = str(fix.get("sentence", "")), str(fix.get("rewrite", ""))
            if not original or original not in body:
                continue
            if sorted(citations_in(rewrite)) != sorted(citations_in(original)):
                continue
            trial = body.replace(original, rewrite, 1)
            before = check_grounding(body, self.by_key, card_texts, SectionLimits(0, 0),
                                     names=self.request.short_names).unverified_claims
            after = check_grounding(trial, self.by_key, card_texts, SectionLimits(0, 0),
                                    names=self.request.short_names).unverified_claims
            if len(after) < len(before) and not any(c["sentence"] == rewrite for c in after):
                self.find("numbers_repaired", {"section": spec.heading, "sentence": original, "now": rewrite})
                body = trial
        return body

    def condense_call(self, spec: _SectionSpec, body: str, shared: list[str]) -> _Call:
        prompt = self.prompts["condense"]
        text = prompt.render({"heading": spec.heading, "max_words": spec.max_words, "words": word_count(body),
                              "section": body})
        checks = self.section_validator(spec)

        def validate(answer: str) -> list[str]:
            problems = checks(answer)
            if word_count(answer) >= word_count(body):
                problems.append(f"the condensed section has {word_count(answer)} words, no fewer than before")
            return problems

        return _Call("condense", self.key("condense", spec.heading, body, spec.max_words),
                     self.params("condense", prompt, shared[:1], text, None), validate, stream=True, optional=True)

    # 4. title, hook, excerpt, tags -------------------------------------------------------------

    def meta(self, outline: Outline, cards: dict[str, dict[str, str]]) -> dict[str, Any]:
        prompt = self.prompts["meta"]
        summary = "\n".join(f"- {s['heading']}: {s['angle']}" for s in outline.sections)
        text = prompt.render({"topic": self.topic_text, "window": self.window_text, "outline": summary})
        shared = self.cards_block(cards)
        # Keyed on the outline's headings and angles only: new papers that do not change them cost no meta call.
        call = _Call("meta", self.key("meta", summary), self.params("meta", prompt, [shared], text, None),
                     self.validate_meta, json_output=True)
        self.progress.stage("meta", 1)
        data: dict[str, Any] = _json(self.ask(call))
        return data

    def validate_meta(self, text: str) -> list[str]:
        try:
            data = _json(text)
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
            numbers = [w.text for w in written_numbers(data[field_name])]
            if numbers:
                problems.append(f"the {field_name} states numbers ({', '.join(numbers)}) no paper is cited for")
        return problems

    def check_cache_counters(self) -> None:
        fresh = sum(u.calls for u in self.stages.values())
        reads = sum(u.cache_read_input_tokens for u in self.stages.values())
        writes = sum(u.cache_creation_input_tokens for u in self.stages.values())
        for name, u in self.stages.items():
            if u.calls:
                self.progress.note(
                    f"{name}: {u.calls} call(s), {u.cached} cached; prompt cache {u.cache_creation_input_tokens:,} "
                    f"written, {u.cache_read_input_tokens:,} read"
                )
        if fresh >= 3 and reads == 0:
            minimum = self.settings.price.min_cache_tokens
            self.warnings.append(
                f"prompt caching never hit ({writes:,} tokens written, 0 read over {fresh} calls): shared prefixes "
                f"may be shorter than {self.settings.model}'s minimum of {minimum:,} tokens, or changed between calls"
            )


@dataclass(frozen=True)
class _SectionSpec:
    """What the code checks a section against: its papers, the key papers that get a subsection, bounds."""

    heading: str
    papers: list[str]
    key_papers: list[str]
    closing: bool
    min_words: int
    max_words: int


def _insert_before_quote(body: str, addition: str) -> str:
    """``addition`` as paragraphs before the closing "Key implication" quote (or at the end)."""
    quote = re.search(r"^>\s*\*\*Key implication", body, re.M)
    if quote is None:
        return body.rstrip() + "\n\n" + addition
    return body[: quote.start()].rstrip() + "\n\n" + addition + "\n\n" + body[quote.start():]


def _subsection_citations(body: str) -> set[str]:
    """Ids cited inside ### subsections (in the heading or the text under it)."""
    cited: set[str] = set()
    for block in parse_blocks(body):
        if block.h3:
            cited.update(citations_in(block.text))
    return cited


class _Truncated(Exception):
    def __init__(self, text: str) -> None:
        super().__init__("truncated")
        self.text = text
