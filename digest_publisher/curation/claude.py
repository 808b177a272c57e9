"""The Claude :class:`~.base.Scorer`: triage over titles and abstracts on the cheap model (``cards_model``).

Many papers per call, a structured JSON answer (score 0-10, theme label, one-line reason per paper), one
wave of calls (as many calls as ``max_concurrency`` allows, each at most :data:`MAX_PAPERS_PER_CALL` papers
and :data:`MAX_INPUT_CHARS` characters), through the Message Batches API with ``batch`` (half price).

Cached per paper, topic and prompt (:class:`ScoreLog`: ``<cache_dir>/triage-scores/<topic+prompt>.jsonl``, a
line per paper keyed by its id, title and abstract): a re-run costs nothing, and a re-run with added
papers triages only those. The answer's checks never fail the run for one item: a score
for an id that was not asked is trimmed, an item of the wrong shape dropped, and the ids an answer left
out are asked again in one more round (smaller calls); a paper still unscored gets score 0 with the reason
"not scored", and every such event is a note in :attr:`Scores.notes`.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..claude import (
    Call,
    ClaudeClient,
    ClaudeService,
    ClaudeSettings,
    PromptSet,
    json_answer,
    load_prompt_folder,
    stable_hash,
)
from ..claude.estimate import NoClient, StageEstimate, tokens
from ..models import NullProgress, Paper, Topic
from ..names import cite_key
from .base import CurationProgress, PaperScore, Scores

STAGE = "triage"
PROMPT_STAGES = ("system", STAGE)
# Per call: at most this many papers (their scores are ~16 output tokens each: 500 stay well inside the
# triage prompt's max_tokens) and this many characters of papers (~160k tokens, with the answer inside the
# 200k-token context): the year's 3,120 candidates of topic 07 go out as one wave of 8 calls.
MAX_PAPERS_PER_CALL = 500
MAX_INPUT_CHARS = 640_000
ROUNDS = 2  # the first asking, then once more for the ids an answer left out
# One item of the answer: {"i": 17, "s": 7, "t": "<1-3 words>", "r": "<at most 8 words>"}, about 65 characters:
# ~16 tokens (used by the estimate). Short keys and the paper's number in the call, not its arXiv id: the
# answer is a third of triage's cost, and it is written for every candidate.
OUTPUT_TOKENS_PER_PAPER = 16
_ITEM = {"type": "object", "additionalProperties": False, "required": ["i", "s", "t", "r"],
         "properties": {"i": {"type": "integer"}, "s": {"type": "integer"}, "t": {"type": "string"},
                        "r": {"type": "string"}}}
TRIAGE_SCHEMA: dict[str, Any] = {"type": "object", "additionalProperties": False, "required": ["scores"],
                                 "properties": {"scores": {"type": "array", "items": _ITEM}}}


def paper_text(number: int, paper: Paper) -> str:
    """A candidate as triage reads it: its number in the call, id, title, then abstract (LaTeX as written:
    the model reads it, and nothing here can fail on it)."""
    title = " ".join(paper.title.split())
    abstract = " ".join(paper.abstract.split())
    return f"[{number}] {cite_key(paper)}: {title}\n{abstract}"


def papers_text(chunk: Sequence[Paper]) -> str:
    return "\n\n".join(paper_text(n, p) for n, p in enumerate(chunk, 1))


def group(papers: Sequence[Paper], calls: int) -> list[list[Paper]]:
    """``papers`` in about ``calls`` groups of similar size, none over the per-call limits."""
    size = min(MAX_PAPERS_PER_CALL, max(1, -(-len(papers) // max(1, calls))))
    out: list[list[Paper]] = []
    current: list[Paper] = []
    chars = 0
    for paper in papers:
        length = len(paper_text(len(current) + 1, paper))
        if current and (len(current) >= size or chars + length > MAX_INPUT_CHARS):
            out.append(current)
            current, chars = [], 0
        current.append(paper)
        chars += length
    return [*out, current] if current else out


class ClaudeScorer:
    """Scores candidates with Claude's triage (see the module docstring). ``client_factory`` gives the
    client (the real SDK, or a test's pointed at the fake); ``prompts_dir`` holds ``curation/``."""

    name = "claude"

    def __init__(
        self, client_factory: Callable[[], ClaudeClient], settings: ClaudeSettings, prompts_dir: Path,
        cache_dir: Path, *, batch: bool = False,
    ) -> None:
        self.client_factory = client_factory
        self.settings = settings
        self.prompts_dir = prompts_dir
        self.cache_dir = cache_dir
        self.batch = batch

    def describe(self) -> str:
        via = ", Message Batches API" if self.batch else ""
        return f"Claude triage ({self.settings.model_for(STAGE)}{via})"

    def prompts(self) -> PromptSet:
        return load_prompt_folder(self.prompts_dir / "curation", PROMPT_STAGES)

    def estimate(self, candidates: Sequence[Paper], topic: Topic) -> StageEstimate:
        """Calls and tokens the triage of ``candidates`` would take now (papers scored before cost nothing),
        without any call: the exact prompts it would send, counted locally (see ``claude.estimate``), and
        :data:`OUTPUT_TOKENS_PER_PAPER` tokens of answer per paper."""
        run = _Triage(self, topic, ClaudeService(NoClient(), self.settings, self.cache_dir, NullProgress(),
                                                 batch=self.batch))
        todo = [p for p in candidates if run.log.get(run.paper_key(p)) is None]
        out = StageEstimate(STAGE, batchable=True, note=f"{len(todo):,} of {len(candidates):,} papers to score")
        system = tokens(run.system[0]["text"])
        for chunk in group(todo, self.settings.max_concurrency):
            text = run.prompts[STAGE].render({"topic": run.topic_text, "count": len(chunk),
                                              "papers": papers_text(chunk)})
            out.calls += 1
            out.input_tokens += system + tokens(text)
            out.output_tokens += OUTPUT_TOKENS_PER_PAPER * len(chunk)
        return out

    def score(self, candidates: Sequence[Paper], topic: Topic, progress: CurationProgress) -> Scores:
        run = _Triage(self, topic, ClaudeService(self.client_factory(), self.settings, self.cache_dir, progress,
                                                 batch=self.batch))
        return run.score(candidates)


class ScoreLog:
    """The triage scores of one topic and prompt: a JSON line per paper, appended once per answered call (one
    write and one fsync for hundreds of scores, not a file each: a year is 3,120 of them). A torn last line
    (a crash while appending) is skipped when read, so that paper is scored again."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = threading.Lock()
        self.scores: dict[str, dict[str, Any]] = {}
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            lines = []
        for line in lines:
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict) and isinstance(entry.get("key"), str):
                self.scores[entry["key"]] = entry

    def get(self, key: str) -> dict[str, Any] | None:
        return self.scores.get(key)

    def add(self, entries: list[dict[str, Any]]) -> None:
        if not entries:
            return
        text = "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries)
        with self.lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            self.scores.update((e["key"], e) for e in entries)


class _Triage:
    """One scoring run: the prompts rendered for the topic, the per-paper cache, the rounds of calls."""

    def __init__(self, owner: ClaudeScorer, topic: Topic, service: ClaudeService) -> None:
        self.service = service
        self.prompts = owner.prompts()
        self.topic_text = f"{topic.label} ({topic.name})"
        self.topic_key = (topic.number, topic.name, topic.slug)
        self.system = service.system_blocks(self.prompts["system"].render(
            {"series": topic.series, "topic": self.topic_text}))
        self.notes: list[dict[str, Any]] = []
        digests = (self.prompts["system"].digest, self.prompts[STAGE].digest)
        scope = stable_hash("triage", digests, service.settings.fingerprint(STAGE), self.topic_key)
        self.log = ScoreLog(owner.cache_dir / "triage-scores" / f"{scope}.jsonl")

    @staticmethod
    def paper_key(paper: Paper) -> str:
        return stable_hash(cite_key(paper), paper.title, paper.abstract)

    def score(self, candidates: Sequence[Paper]) -> Scores:
        progress = self.service.progress
        by_id: dict[str, PaperScore] = {}
        missing: list[Paper] = []
        for paper in candidates:
            hit = self.log.get(self.paper_key(paper))
            if hit is not None and isinstance(hit.get("score"), int | float):
                by_id[cite_key(paper)] = PaperScore(cite_key(paper), float(hit["score"]), str(hit.get("reason", "")),
                                             hit.get("theme") or None)
            else:
                missing.append(paper)
        if by_id:
            progress.note(f"triage: {len(by_id):,} of {len(candidates):,} papers scored before (cache)")
        for attempt in range(ROUNDS):
            if not missing:
                break
            if attempt:
                self.notes.append({"kind": "re-asked", "ids": [cite_key(p) for p in missing],
                                   "reason": "the answer gave no score for them"})
                progress.note(f"triage: asking again for {len(missing)} paper(s) the answers left out")
            by_id.update(self.ask(missing, attempt))
            missing = [p for p in missing if cite_key(p) not in by_id]
        for paper in missing:
            self.notes.append({"kind": "unscored", "id": cite_key(paper), "reason": "no valid score after two rounds"})
            by_id[cite_key(paper)] = PaperScore(cite_key(paper), 0.0, "not scored (no valid answer for it)", None)
        usage = {name: u.to_dict() for name, u in self.service.stages.items()}
        return Scores(by_id={cite_key(p): by_id[cite_key(p)] for p in candidates}, usage=usage, notes=self.notes)

    def ask(self, papers: list[Paper], attempt: int = 0) -> dict[str, PaperScore]:
        prompt = self.prompts[STAGE]
        calls = []
        for chunk in group(papers, self.service.settings.max_concurrency):
            text = prompt.render({"topic": self.topic_text, "count": len(chunk), "papers": papers_text(chunk)})
            # topic+prompt, papers, and the round (a re-ask must not read the cached answer that left them out)
            key = stable_hash(STAGE, self.log.path.stem, [self.paper_key(p) for p in chunk], attempt)
            params = self.service.params(STAGE, prompt.max_tokens, self.system, [], text, TRIAGE_SCHEMA)
            # Optional: an answer that fails twice leaves its papers unscored for the next round, not fatal.
            calls.append((chunk, Call(STAGE, key, params, _validate, json_output=True, optional=True)))
        out: dict[str, PaperScore] = {}
        answers = self.service.ask_many([c for _, c in calls])
        for (chunk, _), answer in zip(calls, answers, strict=True):
            out.update(self.read(chunk, answer))
        return out

    def read(self, chunk: list[Paper], answer: str) -> dict[str, PaperScore]:
        """The answer's valid scores for the papers asked (each cached); the rest noted: a number outside
        the call's papers is trimmed, a second score for a paper or an item of the wrong shape dropped."""
        parsed = json_answer(answer, "scores", '{"scores": [...]}') if answer.strip() else "no answer"
        if isinstance(parsed, str):
            return {}
        out: dict[str, PaperScore] = {}
        fresh: list[dict[str, Any]] = []
        for item in parsed[1]:
            number = item.get("i") if isinstance(item, dict) else None
            if not isinstance(item, dict) or not isinstance(number, int) or isinstance(number, bool):
                self.notes.append({"kind": "dropped", "item": str(item)[:120], "reason": "not an item with a number"})
                continue
            paper = chunk[number - 1] if 1 <= number <= len(chunk) else None
            pid = cite_key(paper) if paper is not None else None
            if paper is None or pid is None or pid in out:
                self.notes.append({"kind": "trimmed", "number": number, **({"id": pid} if pid else {}),
                                   "reason": "a second score for the paper" if pid else
                                   f"a score for paper [{number}], which was not asked ({len(chunk)} were)"})
                continue
            score = item.get("s")
            if not isinstance(score, int | float) or isinstance(score, bool) or not 0 <= score <= 10:
                self.notes.append({"kind": "dropped", "id": pid, "reason": f"score {score!r} is not 0-10"})
                continue
            reason = re.sub(r"\s+", " ", str(item.get("r", ""))).strip()[:160]
            theme = re.sub(r"\s+", " ", str(item.get("t", ""))).strip().lower()[:40] or None
            out[pid] = PaperScore(pid, float(score), reason, theme)
            fresh.append({"key": self.paper_key(paper), "id": pid, "score": float(score), "reason": reason,
                          "theme": theme})
        self.log.add(fresh)
        return out


def _validate(text: str) -> list[str]:
    """Only an answer that is not the JSON object fails (and is retried once); items are judged one by one."""
    parsed = json_answer(text, "scores", 'an object {"scores": [{"i", "s", "t", "r"}, ...]}')
    return [parsed] if isinstance(parsed, str) else []


def claude_scorer(
    settings: ClaudeSettings, *, prompts_dir: Path, cache_dir: Path, batch: bool = False,
    client_factory: Callable[[], ClaudeClient] | None = None,
) -> ClaudeScorer:
    """The scorer the CLI and the pipeline use: ``client_factory`` defaults to the real SDK with the key from
    the environment (``ANTHROPIC_API_KEY``, ``ANTHROPIC_BASE_URL``)."""
    if client_factory is None:
        from ..claude.anthropic_client import AnthropicClient

        def client_factory() -> ClaudeClient:
            return AnthropicClient.from_environment(settings)

    return ClaudeScorer(client_factory, settings, prompts_dir, cache_dir, batch=batch)

