"""The service every Claude stage (drafting's cards, outline, sections, meta; curation's triage) calls through:
requests, the on-disk stage cache, checked answers with one retry, continuation after ``max_tokens``, batches,
usage and cost per stage, findings for the report.

A stage builds :class:`Call` objects (cache key, request, checks) and asks :meth:`ClaudeService.ask` or
:meth:`ClaudeService.ask_many` for their answers; everything about getting an answer that passes the checks
(or failing with the reasons) lives here, once. Stages are small objects holding a reference to one service
(composition): none inherits from another, and a new stage (triage) adds no level to anything.
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
from typing import Any, Protocol, runtime_checkable

from ..errors import DraftError
from ..models import Progress
from ..records import atomic_write_json
from .client import BatchFailure, ClaudeClient, Reply, ResumableBatches
from .model_settings import ClaudeSettings
from .usage import StageUsage

Validator = Callable[[str], list[str]]
BATCHES = "batches"  # the stage cache's folder of submitted batch ids (see ClaudeService.resumable_batch)


#: What the service reports while it works: the package's one progress protocol (``models.Progress``).
StageProgress = Progress


@runtime_checkable
class SpendListener(Protocol):
    """A progress display that also shows the dollars spent so far (the CLI's bars do)."""

    def spent(self, usd: float) -> None: ...


def stable_hash(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def parse_json(text: str) -> Any:
    """Parse a JSON answer; tolerate a Markdown code fence around it."""
    stripped = text.strip()
    fenced = re.match(r"^```(?:json)?\s*(.*?)\s*```$", stripped, re.DOTALL)
    return json.loads(fenced.group(1) if fenced else stripped)


def json_answer(text: str, field: str, shape: str) -> tuple[dict[str, Any], list[Any]] | str:
    """An answer's JSON object and its list ``field``; or, when it is not that, what to tell the model."""
    try:
        data = parse_json(text)
    except ValueError as exc:
        return f"the answer is not valid JSON ({exc}); answer with the JSON object only"
    items = data.get(field) if isinstance(data, dict) else None
    if not isinstance(items, list):
        return f"the JSON must be {shape}"
    return data, items


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
class Call:
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


class Truncated(Exception):
    def __init__(self, text: str) -> None:
        super().__init__("truncated")
        self.text = text


class ClaudeService:
    """One run's calls: usage per stage, warnings, findings for the report, the stage cache, retries, batches.

    ``batch_stages`` are the stages whose first attempts go through the Message Batches API when ``batch``
    is on (the fan-out stages; a single call such as the outline gains nothing from a batch's wait).
    """

    def __init__(
        self, client: ClaudeClient, settings: ClaudeSettings, cache_dir: Path, progress: StageProgress, *,
        batch: bool = False, batch_stages: frozenset[str] = frozenset({"cards", "section", "triage"}),
    ) -> None:
        self.client = client
        self.settings = settings
        self.progress = progress
        self.cache = StageCache(cache_dir)
        self.batch_on = batch
        self.batch_stages = batch_stages
        self.stages: dict[str, StageUsage] = {}
        self.warnings: list[str] = []
        self.findings: dict[str, list[dict[str, Any]]] = {}
        self.lock = threading.RLock()  # usage() is called with the lock held
        # Batches can take longer than 5 minutes between requests sharing a prefix.
        self.ttl = "1h" if batch else settings.cache_ttl
        self.cache_control: dict[str, str] = (
            {"type": "ephemeral", "ttl": "1h"} if self.ttl == "1h" else {"type": "ephemeral"})

    # -- requests --------------------------------------------------------------------------------

    def system_blocks(self, text: str) -> list[dict[str, Any]]:
        return [{"type": "text", "text": text, "cache_control": self.cache_control}]

    def params(
        self, stage: str, max_tokens: int, system: list[dict[str, Any]], shared: list[str], text: str,
        schema: dict[str, Any] | None,
    ) -> dict[str, Any]:
        """One request: the system prompt, then the ``shared`` blocks (each a cache breakpoint, the most
        widely shared first), then the stage's own text."""
        content: list[dict[str, Any]] = [
            {"type": "text", "text": block, "cache_control": self.cache_control} for block in shared
        ]
        content.append({"type": "text", "text": text})
        params: dict[str, Any] = {
            "model": self.settings.model_for(stage),
            "max_tokens": max_tokens,
            "system": system,
            "messages": [{"role": "user", "content": content}],
        }
        if schema is not None:
            params["output_config"] = {"format": {"type": "json_schema", "schema": schema}}
        return params

    # -- accounting ------------------------------------------------------------------------------

    def find(self, kind: str, item: dict[str, Any]) -> None:
        """Record something a stage repaired, trimmed or removed, for the report."""
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
                batch=self.batch_on and stage in self.batch_stages, model=self.settings.model_for(stage)))

    def spent_usd(self) -> float:
        with self.lock:
            return sum(u.cost_usd for u in self.stages.values())

    def account(self, stage: str, reply: Reply, *, batch: bool) -> None:
        usage = self.usage(stage)
        partial = StageUsage(
            input_tokens=reply.usage.input_tokens,
            output_tokens=reply.usage.output_tokens,
            cache_creation_input_tokens=reply.usage.cache_creation_input_tokens,
            cache_read_input_tokens=reply.usage.cache_read_input_tokens,
        )
        cost = self.settings.price_for(stage).cost(partial, batch=batch, ttl=self.ttl)
        with self.lock:
            usage.calls += 1
            usage.input_tokens += partial.input_tokens
            usage.output_tokens += partial.output_tokens
            usage.cache_creation_input_tokens += partial.cache_creation_input_tokens
            usage.cache_read_input_tokens += partial.cache_read_input_tokens
            usage.cost_usd += cost
        if isinstance(self.progress, SpendListener):
            self.progress.spent(self.spent_usd())

    # -- answers ---------------------------------------------------------------------------------

    def complete(self, call: Call, params: dict[str, Any]) -> str:
        """One answer, continued while it stops at max_tokens (Markdown) or failed (JSON)."""
        reply = self.client.complete(params, stream=call.stream, on_retry=self.retry_hook(call.stage))
        self.account(call.stage, reply, batch=False)
        return self.finish(call, params, reply)

    def retry_hook(self, stage: str) -> Callable[[str], None]:
        return lambda reason: self.note_retry(stage, reason)

    def finish(self, call: Call, params: dict[str, Any], reply: Reply) -> str:
        text = reply.text
        continuations = 0
        while reply.stop_reason == "max_tokens":
            if call.json_output or continuations >= self.settings.max_continuations:
                raise Truncated(text)
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

    def cached(self, call: Call) -> str | None:
        hit = self.cache.get(call.stage, call.key)
        return str(hit["text"]) if hit is not None and isinstance(hit.get("text"), str) else None

    def ask(self, call: Call, first: Reply | None = None) -> str:
        """Cached answer, or a checked fresh one (one retry with the failures explained)."""
        cached = self.cached(call)
        if cached is not None:
            with self.lock:
                self.usage(call.stage).cached += 1
            self.progress.advance(call.stage)
            return cached
        try:
            text = self.finish(call, call.params, first) if first is not None else self.complete(call, call.params)
            problems = call.validate(text)
        except Truncated as cut:
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
            except Truncated:
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

    def ask_many(self, calls: list[Call]) -> list[str]:
        """Answers in order: cached ones read, the rest through a batch or in parallel (bounded)."""
        if not calls:
            return []
        stage = calls[0].stage
        self.progress.stage(stage, len(calls))
        firsts = self.first_attempts(calls)
        workers = max(1, min(self.settings.max_concurrency, len(calls)))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"claude-{stage}") as pool:
            return list(pool.map(lambda c: self.ask(c, firsts.get(c.key)), calls))

    def first_attempts(self, calls: list[Call]) -> dict[str, Reply]:
        """When batching this stage: the uncached calls' first attempts, through one Message Batch."""
        if not calls or not (self.batch_on and calls[0].stage in self.batch_stages):
            return {}
        pending = [c for c in calls if self.cache.get(c.stage, c.key) is None]
        return self.batch(calls[0].stage, pending) if pending else {}

    def batch(self, stage: str, calls: list[Call]) -> dict[str, Reply]:
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

        requests = {cid: c.params for cid, c in ids.items()}
        if isinstance(self.client, ResumableBatches):
            results = self.resumable_batch(stage, calls, requests, on_poll)
        else:
            results = self.client.run_batch(requests, poll_s=self.settings.batch_poll_s, on_poll=on_poll)
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

    def resumable_batch(
        self, stage: str, calls: list[Call], requests: dict[str, dict[str, Any]],
        on_poll: Callable[[dict[str, int]], None],
    ) -> dict[str, Reply | BatchFailure]:
        """The batch of these calls, its id kept in the stage cache (``batches/<key>.json``, written before
        waiting): a run killed while the batch was processing, or before its answers were all cached, collects
        that batch when run again instead of paying for a new one."""
        assert isinstance(self.client, ResumableBatches)
        key = stable_hash("batch", stage, [c.key for c in calls])
        kept = self.cache.get(BATCHES, key)
        if kept is not None and isinstance(kept.get("id"), str):
            self.progress.note(f"{stage}: collecting Message Batch {kept['id']} submitted by an earlier run")
            try:
                return self.client.wait_batch(kept["id"], poll_s=self.settings.batch_poll_s, on_poll=on_poll)
            except DraftError as exc:  # expired or deleted at Anthropic: submit anew
                self.progress.note(f"{stage}: cannot collect batch {kept['id']} ({exc.message}); submitting anew")
        batch_id = self.client.submit_batch(requests)
        self.cache.put(BATCHES, key, {"id": batch_id, "stage": stage, "requests": len(requests)})
        return self.client.wait_batch(batch_id, poll_s=self.settings.batch_poll_s, on_poll=on_poll)

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
