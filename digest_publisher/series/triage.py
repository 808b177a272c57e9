"""A series' triage: every distinct candidate read ONCE, scored for every topic that selected it.

Each request lists the series' topics once, then its papers, each once with the numbers of the topics that
selected it ("Topics: 03, 07"); the structured answer gives a score (0-10) per (paper, topic), and a theme and
a one-line reason for the pairs scored :data:`REASON_FROM` or more (the answer is the pass's cost above the
papers' reading: a low score's theme and reason would double it). Groups hold at most
:data:`MAX_PAIRS_PER_CALL` pairs (the answer stays inside ``max_tokens``) and
:data:`~digest_publisher.curation.claude.MAX_INPUT_CHARS` characters; one wave of calls, or with ``batch``
all of them in ONE Message Batches job (the service keeps its id on disk, so a run killed while it processes
collects it when run again).

Cached per (paper, topic, prompt): a :class:`~digest_publisher.curation.claude.ScoreLog` per topic under
``<cache_dir>/series-triage-scores/``, keyed like single-topic triage by the paper's id, title and abstract;
a re-run costs nothing and a re-run with another topic added asks only the new pairs. A single-topic
``draft``/``backfill`` does NOT reuse these scores: they answer another prompt (several topics side by
side), so it asks its own triage (and the series reuses none of its scores either).

The answer's checks never fail the run for one item, as in single-topic triage: a pair that was not asked
is trimmed, an item of the wrong shape dropped, the pairs an answer left out are asked again once, and a
pair still unscored gets score 0 ("not scored"); each is a note.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..claude import (
    Call,
    ClaudeClient,
    ClaudeService,
    ClaudeSettings,
    PromptSet,
    StageUsage,
    json_answer,
    load_prompt_folder,
    stable_hash,
)
from ..claude.estimate import NoClient, StageEstimate, tokens
from ..curation import PaperScore, Scores
from ..curation.claude import MAX_INPUT_CHARS, ROUNDS, ScoreLog
from ..models import NullProgress, Paper, Progress, Topic
from ..names import cite_key

STAGE = "triage"  # the service's stage: the cheap model, batched under --batch, priced as triage
PROMPT = "series_triage"
MAX_PAIRS_PER_CALL = 500
# The answer is most of the pass's cost beyond reading each paper once, so a pair under REASON_FROM gets
# only {"i": 17, "k": "07", "s": 3} (~8 tokens); the others, the papers a post may discuss and those just
# below its cut (what the editor reads in curation.md), a theme and a reason too (~25 tokens). The estimate
# counts OUTPUT_TOKENS_PER_PAIR, between the two (most of a topic's candidates score low).
REASON_FROM = 7
OUTPUT_TOKENS_PER_PAIR = 12
NO_REASON = f"scored under {REASON_FROM}: no reason asked"
_ITEM = {"type": "object", "additionalProperties": False, "required": ["i", "k", "s"],
         "properties": {"i": {"type": "integer"}, "k": {"type": "string"}, "s": {"type": "integer"},
                        "t": {"type": "string"}, "r": {"type": "string"}}}
SCHEMA: dict[str, Any] = {"type": "object", "additionalProperties": False, "required": ["scores"],
                          "properties": {"scores": {"type": "array", "items": _ITEM}}}


@dataclass(frozen=True)
class Ask:
    """One paper in a call, with the topics it is asked about."""

    paper: Paper
    topics: tuple[str, ...]


@dataclass
class SeriesScores:
    """Every topic's :class:`Scores`, the pass's usage (one ``triage`` stage for the whole series) and how
    many (paper, topic) pairs each topic brought (what its share of the triage cost is counted by)."""

    by_topic: dict[str, Scores]
    usage: dict[str, StageUsage]
    pairs: dict[str, int]
    papers: int  # distinct candidates


def _text(number: int, ask: Ask) -> str:
    title = " ".join(ask.paper.title.split())
    abstract = " ".join(ask.paper.abstract.split())
    return f"[{number}] {cite_key(ask.paper)}: {title}\nTopics: {', '.join(ask.topics)}\n{abstract}"


def groups(asks: Sequence[Ask], calls: int) -> list[list[Ask]]:
    """``asks`` in about ``calls`` groups of similar size (in pairs), none over the per-call limits."""
    pairs = sum(len(a.topics) for a in asks)
    size = min(MAX_PAIRS_PER_CALL, max(1, -(-pairs // max(1, calls))))
    out: list[list[Ask]] = []
    current: list[Ask] = []
    in_call = chars = 0
    for ask in asks:
        length = len(_text(len(current) + 1, ask))
        if current and (in_call + len(ask.topics) > size or chars + length > MAX_INPUT_CHARS):
            out.append(current)
            current, in_call, chars = [], 0, 0
        current.append(ask)
        in_call += len(ask.topics)
        chars += length
    return [*out, current] if current else out


@dataclass
class SeriesTriage:
    """The series' one triage pass (see the module docstring): ``client_factory`` gives the client (the real
    SDK, or a test's pointed at the fake); ``prompts_dir`` holds ``curation/``; ``batch``: one Message Batch."""

    client_factory: Callable[[], ClaudeClient]
    settings: ClaudeSettings
    prompts_dir: Path
    cache_dir: Path
    batch: bool = False

    def prompts(self) -> PromptSet:
        return load_prompt_folder(self.prompts_dir / "curation", ("system", PROMPT))

    def score(self, candidates: Mapping[str, tuple[Topic, Sequence[Paper]]], progress: Progress) -> SeriesScores:
        """Scores for every topic's candidates (``candidates``: topic number -> its topic and candidates)."""
        service = ClaudeService(self.client_factory(), self.settings, self.cache_dir, progress, batch=self.batch)
        return _Pass(self, candidates, service).run()

    def estimate(self, candidates: Mapping[str, tuple[Topic, Sequence[Paper]]]) -> tuple[StageEstimate, dict[str, int]]:
        """Calls and tokens the pass would take now (pairs scored before cost nothing), without any call, and
        the pairs each topic brings."""
        run = _Pass(self, candidates, ClaudeService(NoClient(), self.settings, self.cache_dir, NullProgress(),
                                                    batch=self.batch))
        asks = run.todo()
        pairs = sum(len(a.topics) for a in asks)
        out = StageEstimate(STAGE, batchable=True, note=f"series triage: {pairs:,} (paper, topic) pairs of "
                            f"{len(asks):,} distinct papers to score, each paper read once")
        system = tokens(run.system[0]["text"])
        for chunk in groups(asks, self.settings.max_concurrency):
            out.calls += 1
            out.input_tokens += system + tokens(run.render(chunk))
            out.output_tokens += OUTPUT_TOKENS_PER_PAIR * sum(len(a.topics) for a in chunk)
        per_topic = {n: sum(1 for a in asks if n in a.topics) for n in candidates}
        return out, per_topic


class _Pass:
    """One triage pass: prompts rendered for the series, a score log per topic, the rounds of calls."""

    def __init__(self, owner: SeriesTriage, candidates: Mapping[str, tuple[Topic, Sequence[Paper]]],
                 service: ClaudeService) -> None:  # fmt: skip
        self.service = service
        self.candidates = candidates
        self.prompts = owner.prompts()
        topics = [topic for topic, _ in candidates.values()]
        series = topics[0].series if topics else ""
        self.topics_text = "\n".join(f"- {t.number}: {t.name}" + (f" ({', '.join(t.tags)})" if t.tags else "")
                                     for t in topics)  # fmt: skip
        self.system = service.system_blocks(self.prompts["system"].render(
            {"series": series, "topic": "each of the series' topics (listed with the papers)"}))
        self.notes: dict[str, list[dict[str, Any]]] = {n: [] for n in candidates}
        digests = (self.prompts["system"].digest, self.prompts[PROMPT].digest)
        fingerprint = service.settings.fingerprint(STAGE)
        self.logs = {
            n: ScoreLog(owner.cache_dir / "series-triage-scores"
                        / f"{stable_hash('series-triage', digests, fingerprint, (t.number, t.name, t.slug))}.jsonl")
            for n, (t, _) in candidates.items()
        }  # fmt: skip

    @staticmethod
    def paper_key(paper: Paper) -> str:
        return stable_hash(cite_key(paper), paper.title, paper.abstract)

    def todo(self, done: Mapping[tuple[str, str], PaperScore] | None = None) -> list[Ask]:
        """Each distinct paper once, with the topics it still needs a score for (in candidates' order)."""
        wanted: dict[str, tuple[Paper, list[str]]] = {}
        for number, (_, papers) in self.candidates.items():
            for paper in papers:
                key = cite_key(paper)
                if done is not None and (key, number) in done:
                    continue
                if done is None and self.logs[number].get(self.paper_key(paper)) is not None:
                    continue
                wanted.setdefault(key, (paper, []))[1].append(number)
        return [Ask(paper, tuple(topics)) for paper, topics in wanted.values()]

    def render(self, chunk: Sequence[Ask]) -> str:
        papers = "\n\n".join(_text(n, a) for n, a in enumerate(chunk, 1))
        return self.prompts[PROMPT].render({"topics": self.topics_text, "count": len(chunk), "papers": papers})

    def run(self) -> SeriesScores:
        progress = self.service.progress
        found: dict[tuple[str, str], PaperScore] = {}
        total = 0
        for number, (_, papers) in self.candidates.items():
            for paper in papers:
                total += 1
                hit = self.logs[number].get(self.paper_key(paper))
                if hit is not None and isinstance(hit.get("score"), int | float):
                    found[(cite_key(paper), number)] = PaperScore(
                        cite_key(paper), float(hit["score"]), str(hit.get("reason", "")), hit.get("theme") or None)
        if found:
            progress.note(f"series triage: {len(found):,} of {total:,} (paper, topic) pairs scored before (cache)")
        asks = self.todo(found)
        for attempt in range(ROUNDS):
            if not asks:
                break
            if attempt:
                progress.note(f"series triage: asking again for {sum(len(a.topics) for a in asks)} pair(s) the "
                              "answers left out")
                for ask in asks:
                    for number in ask.topics:
                        self.notes[number].append({"kind": "re-asked", "id": cite_key(ask.paper),
                                                   "reason": "the answer gave no score for it"})
            found.update(self.ask(asks, attempt))
            asks = self.todo(found)
        for ask in asks:
            for number in ask.topics:
                key = cite_key(ask.paper)
                self.notes[number].append({"kind": "unscored", "id": key, "reason": "no valid score after two rounds"})
                found[(key, number)] = PaperScore(key, 0.0, "not scored (no valid answer for it)", None)
        usage = {name: u.to_dict() for name, u in self.service.stages.items()}
        by_topic = {
            number: Scores(by_id={cite_key(p): found[(cite_key(p), number)] for p in papers}, usage=usage,
                           notes=self.notes[number])
            for number, (_, papers) in self.candidates.items()
        }  # fmt: skip
        pairs = {number: len(papers) for number, (_, papers) in self.candidates.items()}
        distinct = len({cite_key(p) for _, papers in self.candidates.values() for p in papers})
        return SeriesScores(by_topic, dict(self.service.stages), pairs, distinct)

    def ask(self, asks: list[Ask], attempt: int) -> dict[tuple[str, str], PaperScore]:
        prompt = self.prompts[PROMPT]
        calls = []
        scope = sorted(log.path.stem for log in self.logs.values())
        for chunk in groups(asks, self.service.settings.max_concurrency):
            key = stable_hash(PROMPT, scope, [(self.paper_key(a.paper), a.topics) for a in chunk], attempt)
            params = self.service.params(STAGE, prompt.max_tokens, self.system, [], self.render(chunk), SCHEMA)
            calls.append((chunk, Call(STAGE, key, params, _validate, json_output=True, optional=True)))
        out: dict[tuple[str, str], PaperScore] = {}
        for (chunk, _), answer in zip(calls, self.service.ask_many([c for _, c in calls]), strict=True):
            out.update(self.read(chunk, answer))
        return out

    def read(self, chunk: list[Ask], answer: str) -> dict[tuple[str, str], PaperScore]:
        """The answer's valid scores for the pairs asked (each cached in its topic's log); the rest noted."""
        parsed = json_answer(answer, "scores", '{"scores": [...]}') if answer.strip() else "no answer"
        if isinstance(parsed, str):
            return {}
        out: dict[tuple[str, str], PaperScore] = {}
        fresh: dict[str, list[dict[str, Any]]] = {}
        anywhere = next(iter(self.notes.values()), [])
        for item in parsed[1]:
            number = item.get("i") if isinstance(item, dict) else None
            if not isinstance(item, dict) or not isinstance(number, int) or isinstance(number, bool):
                anywhere.append({"kind": "dropped", "item": str(item)[:120], "reason": "not an item with a number"})
                continue
            ask = chunk[number - 1] if 1 <= number <= len(chunk) else None
            topic = str(item.get("k", "")).strip()
            if ask is None or topic not in ask.topics or (cite_key(ask.paper), topic) in out:
                where = self.notes.get(topic, anywhere)
                where.append({"kind": "trimmed", "number": number, "topic": topic,
                              "reason": "not a (paper, topic) pair that was asked, or a second score for one"})
                continue
            pid = cite_key(ask.paper)
            score = item.get("s")
            if not isinstance(score, int | float) or isinstance(score, bool) or not 0 <= score <= 10:
                self.notes[topic].append({"kind": "dropped", "id": pid, "reason": f"score {score!r} is not 0-10"})
                continue
            reason = re.sub(r"\s+", " ", str(item.get("r", ""))).strip()[:160] or NO_REASON
            theme = re.sub(r"\s+", " ", str(item.get("t", ""))).strip().lower()[:40] or None
            out[(pid, topic)] = PaperScore(pid, float(score), reason, theme)
            fresh.setdefault(topic, []).append({"key": self.paper_key(ask.paper), "id": pid, "score": float(score),
                                                "reason": reason, "theme": theme})  # fmt: skip
        for topic, entries in fresh.items():
            self.logs[topic].add(entries)
        return out


def _validate(text: str) -> list[str]:
    parsed = json_answer(text, "scores", 'an object {"scores": [{"i", "k", "s", "t", "r"}, ...]}')
    return [parsed] if isinstance(parsed, str) else []
