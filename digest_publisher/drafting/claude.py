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
from .grounding import SectionLimits, check_grounding
from .prompts import Prompt, PromptSet, load_prompt_set
from .settings import ClaudeSettings
from .text import claim_numbers, detex, format_window, number_core, source_numbers, word_count

CARD_FIELDS = ("contribution", "method", "key_result", "limitations")
MAX_CARDS_PER_CALL = 60  # ~60 output tokens per card: stays inside the cards prompt's max_tokens (8000)
# Card fields are short by design (the prompt gives word limits; every later stage re-reads them). The
# limits are checked here, by code, not as ``maxLength`` in CARD_SCHEMA: structured outputs reject
# string-length bounds. Generous (about twice the prompt's word limits) so only a rambling card fails.
CARD_MAX_CHARS = {"contribution": 140, "method": 120, "key_result": 220, "limitations": 120}
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
OUTLINE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["sections", "left_out"],
    "properties": {
        "sections": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["heading", "angle", "papers", "key_papers"],
                "properties": {
                    "heading": _STR,
                    "angle": _STR,
                    "papers": {"type": "array", "items": _STR},
                    "key_papers": {"type": "array", "items": _STR},
                },
            },
        },
        "left_out": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["id", "reason"],
                "properties": {"id": _STR, "reason": _STR},
            },
        },
    },
}
META_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["title", "hook", "excerpt", "tags"],
    "properties": {"title": _STR, "hook": _STR, "excerpt": _STR, "tags": {"type": "array", "items": _STR}},
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
        ttl = {"type": "ephemeral", "ttl": "1h"} if self._ttl() == "1h" else {"type": "ephemeral"}
        self.cache_control: dict[str, str] = ttl
        self.system = [{
            "type": "text",
            "text": prompts["system"].render({"series": topic.series, "topic": self.topic_text}),
            "cache_control": self.cache_control,
        }]

    def _ttl(self) -> str:
        # Batches can take longer than 5 minutes between requests sharing a prefix.
        return "1h" if self.owner.batch else self.settings.cache_ttl

    # -- plumbing --------------------------------------------------------------------------------

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
        self, stage: str, prompt: Prompt, shared: str | None, text: str, schema: dict[str, Any] | None
    ) -> dict[str, Any]:
        content: list[dict[str, Any]] = []
        if shared is not None:
            content.append({"type": "text", "text": shared, "cache_control": self.cache_control})
        content.append({"type": "text", "text": text})
        params: dict[str, Any] = {
            "model": self.settings.model_for(stage),
            "max_tokens": prompt.max_tokens,
            "system": self.system,
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
        reply = self.client.complete(params, stream=call.stream)
        self.account(call.stage, reply, batch=False)
        return self.finish(call, params, reply)

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
            reply = self.client.complete(more, stream=call.stream)
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
            with self.lock:
                self.usage(call.stage).retries += 1
            self.progress.note(f"{call.stage}: answer failed {len(problems)} check(s); retrying once: {problems[0]}")
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
        )

    def card_text(self, key: str, cards: dict[str, dict[str, str]]) -> str:
        card = cards.get(key, {})
        return " ".join(str(card.get(f, "")) for f in CARD_FIELDS)

    def paper_block(self, paper: Paper, *, abstract: bool = True, card: str | None = None) -> str:
        key = cite_key(paper)
        authors = ", ".join(paper.authors[:6]) + (" et al." if len(paper.authors) > 6 else "")
        lines = [f'<paper id="{key}" short_name="{self.request.short_names[key]}">', f"title: {paper.title}",
                 f"authors: {authors}"]
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
            text = prompt.render({"topic": self.topic_text, "papers": "\n\n".join(self.paper_block(p) for p in group)})
            ids = [cite_key(p) for p in group]
            calls.append(_Call("cards", self.key("cards", ids, [p.abstract for p in group]),
                               self.params("cards", prompt, None, text, CARD_SCHEMA),
                               self.card_validator(group), json_output=True))
        self.progress.stage("cards", max(1, len(calls)))
        if not calls:
            self.usage("cards").cached += 1
            self.progress.advance("cards")
        for answer in self.ask_many(calls):
            for item in _json(answer)["cards"]:
                key = item["id"]
                card = {f: str(item.get(f, "")) for f in CARD_FIELDS}
                cards[key] = card
                self.cache.put("card", per_paper[key], {"card": card})
        return cards

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
                for f in CARD_FIELDS:
                    value = item.get(f)
                    if not isinstance(value, str):
                        problems.append(f"card {key}: '{f}' must be a string")
                    elif len(value) > CARD_MAX_CHARS[f]:
                        problems.append(f"card {key}: '{f}' has {len(value)} characters; keep it under "
                                        f"{CARD_MAX_CHARS[f]} (the word limit in the instructions)")
                known = source_numbers(wanted[key].title + " " + wanted[key].abstract)
                for f in CARD_FIELDS:
                    for number in claim_numbers(str(item.get(f, ""))):
                        if number_core(number) not in known:
                            problems.append(f"card {key}: {f} states {number!r}, which its abstract does not")
            for key in wanted:
                if key not in got:
                    problems.append(f"no card for paper {key}")
            return problems

        return validate

    def cards_block(self, cards: dict[str, dict[str, str]]) -> str:
        lines = ["Paper cards (id | short name | contribution | method | key result | limitations):"]
        for paper in self.request.papers:
            key = cite_key(paper)
            card = cards.get(key, {})
            lines.append(" | ".join([key, self.request.short_names[key], *(card.get(f, "") for f in CARD_FIELDS)]))
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
        call = _Call("outline", self.key("outline", shared),
                     self.params("outline", prompt, shared, text, OUTLINE_SCHEMA), self.validate_outline,
                     json_output=True)
        self.progress.stage("outline", 1)
        answer = self.ask(call)
        self.cache.put("outline-latest", latest_key, {"text": answer})
        data = _json(answer)
        sections = [s for s in data["sections"] if s["papers"]]
        left_out = {i["id"]: i["reason"] for i in data.get("left_out", [])}
        return Outline(sections, left_out, answer)

    def validate_outline(self, text: str) -> list[str]:
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
        if missing:
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
        shared = self.outline_block(outline)
        n = max(1, len(outline.sections))
        backfill = self.request.kind is PostKind.BACKFILL
        min_words, max_words = (200, max(300, 2400 // n)) if backfill else (80, 350)
        headings = outline.headings()
        calls = []
        for spec in outline.sections:
            papers = [self.by_key[k] for k in spec["papers"] if k in self.by_key]
            blocks = []
            for p in papers:
                key = cite_key(p)
                card = " | ".join(cards.get(key, {}).get(f, "") for f in CARD_FIELDS)
                # Key papers come with their abstract (they get a subsection); the others with their card
                # only: a sentence each needs no more, and abstracts are most of a section's input cost.
                is_key = key in spec["key_papers"]
                blocks.append(self.paper_block(p, abstract=is_key, card=card) + ("  (key paper)" if is_key else ""))
            text = prompt.render({
                "topic": self.topic_text,
                "heading": spec["heading"],
                "angle": spec["angle"],
                "papers": "\n\n".join(blocks),
                "min_words": min_words,
                "max_words": max_words,
            })
            inputs = [(cite_key(p), p.abstract, cards.get(cite_key(p))) for p in papers]
            key = self.key("section", spec, headings, inputs, min_words, max_words)  # not the whole outline
            assigned = [cite_key(p) for p in papers]
            calls.append(_Call("section", key, self.params("section", prompt, shared, text, None),
                               self.section_validator(spec["heading"], cards, min_words, assigned), stream=True))
        bodies = self.ask_many(calls)
        return [
            Section(spec["heading"], body.strip(), tuple(spec["papers"]))
            for spec, body in zip(outline.sections, bodies, strict=True)
        ]

    def section_validator(
        self, heading: str, cards: dict[str, dict[str, str]], min_words: int, assigned: list[str]
    ) -> Validator:
        """Checks of one section's answer; ``assigned`` are the ids the outline gave it, all of which it
        must cite (issue #4: every selected paper is covered or left out with a reason, and the outline
        already chose which ones to leave out)."""
        card_texts = {k: self.card_text(k, cards) for k in cards}
        limits = SectionLimits(min_h2_words=0, min_h3_words=25)

        def validate(text: str) -> list[str]:
            body = text.strip()
            problems: list[str] = []
            if re.search(r"^#{1,2}\s", body, re.M):
                problems.append("do not write '#' or '##' headings; the section heading is added by code")
            words = word_count(body)
            if words < int(min_words * 0.6):
                problems.append(f"the section has {words} words; write at least {min_words}")
            report = check_grounding(body, self.by_key, card_texts, limits)
            problems += report.hard_problems
            problems += [
                f"it does not cite {key} ({self.request.short_names.get(key, key)}), which the outline assigned "
                f"to it; write at least one sentence on that paper, citing it as [@{key}]"
                for key in assigned if key not in report.citations
            ]
            if self.settings.unverified == "fail":
                problems += [
                    f"the number {c['number']!r} (in: {c['text'][:80]}...) is not in the card or abstract of a paper "
                    "cited in the same paragraph; cite the paper that states it or drop the number"
                    for c in report.unverified_claims
                ]
            return [f"section {heading!r}: {p}" for p in problems]

        return validate

    # 4. title, hook, excerpt, tags -------------------------------------------------------------

    def meta(self, outline: Outline, cards: dict[str, dict[str, str]]) -> dict[str, Any]:
        prompt = self.prompts["meta"]
        summary = "\n".join(f"- {s['heading']}: {s['angle']}" for s in outline.sections)
        text = prompt.render({"topic": self.topic_text, "window": self.window_text, "outline": summary})
        shared = self.cards_block(cards)
        # Keyed on the outline's headings and angles only: new papers that do not change them cost no meta call.
        call = _Call("meta", self.key("meta", summary), self.params("meta", prompt, shared, text, META_SCHEMA),
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
            numbers = claim_numbers(data[field_name])
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


class _Truncated(Exception):
    def __init__(self, text: str) -> None:
        super().__init__("truncated")
        self.text = text
