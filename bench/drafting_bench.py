"""Cost, calls and wall time of the Claude drafting engine against the fake Claude server.

The engine is the real one (``ClaudeDrafter`` through the real ``anthropic`` SDK); only Claude is
faked, by ``tests/fake_claude.py`` in its latency mode: 1 s to the first token, then 60 output
tokens/s (issue #4's "realistic latency"). Prices are ``prompts/models.toml``'s. Each cost row
prices a draft two ways (issue 18): "per model", each stage at its own model's prices (the card stage
runs on ``cards_model``, the others on ``model``), as the engine reports it and a user pays; and "one
model", every call's tokens at the main model's prices (:func:`one_model_usd`). The physical limit is
at the MAIN model's prices; each row names the models and their prices (the two agree when no call runs on
``cards_model``: a post's cards are excerpts made by code unless its selection is too large for them). Papers
come from the real
week shipped in ``tests/data/real/arxiv-week-2026-05-18`` (the bundled sample when it is absent; the
row labels then show the smaller counts):

- the 77-paper post: the first 77 of the 89 papers topic 07 selects in the week;
- "+5 papers": the same post with the next papers topic 07 selects (then the broad selection's),
  drafted with the first run's stage cache;
- the window extended by a day: topic 07 over :data:`WINDOW_FIRST`, then over
  :data:`WINDOW_EXTENDED` (one more listing day) on the first draft's posts and stage cache;
- the broad selection: topic 07's own papers plus the other papers :data:`BROAD_FILTER` matches
  in the week (442 papers; the filter alone matches 416, topic 07 adds 26 it misses). Its titles and
  abstracts alone are ~166k tokens; as the paper blocks the engine sends (with authors, ids and short
  names) ~186k, so with instructions and a 3,000-word answer it does not fit one 200k-token call.
  The rows show how the engine splits it: the outline reads the cards (excerpts of all abstracts, made by
  code while they fit ``excerpt_cards_max_tokens``), each section its own key papers' abstracts.

Every scenario gets its own temporary posts and cache folders and a fresh fake server (so the
prompt cache starts cold, as it would a day later); the unchanged re-run and the "+5" run reuse the
77-paper run's posts and stage cache, as a user re-running ``draft`` would.

:func:`physical_limit_usd` and :func:`critical_path_s` define the two yardsticks.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from digest_publisher.claude.anthropic_client import AnthropicClient
from digest_publisher.claude.client import BatchFailure, ClaudeClient, Reply, RetryHook
from digest_publisher.claude.model_settings import ClaudeSettings, ModelPrice, load_settings
from digest_publisher.claude.usage import StageUsage
from digest_publisher.drafting import DraftResult, draft_post
from digest_publisher.drafting.base import cite_key
from digest_publisher.drafting.claude import ClaudeDrafter
from digest_publisher.errors import DigestError
from digest_publisher.models import Paper, Topic
from digest_publisher.records import parse_post_source
from digest_publisher.selection import select_corpus
from digest_publisher.topics import load_topics
from tests.fake_claude import FakeClaude

from .table import Row

ROOT = Path(__file__).resolve().parents[1]
WEEK = ROOT / "tests" / "data" / "real" / "arxiv-week-2026-05-18"  # shipped: tests/data/real/README.md
SAMPLE = ROOT / "samples" / "arxiv-week-2026-05-18"
TTFT_S = 1.0
TOKENS_PER_S = 60.0
DUMMY_KEY = "sk-ant-bench-dummy"  # the fake only checks that a key is sent

# The corpus README's broad keyword filter (RLHF, RLVR, GRPO, DPO, PPO, post-training, reward model,
# preference optimization, alignment, instruction tuning, fine-tuning, SFT) on title + abstract, as whole
# words (so "PPO" does not match "support") with their inflections (fine-tuned, post-trained, reward
# models/modeling) and spelling variants (finetuning, post training, optimisation).
BROAD_FILTER = re.compile(
    r"\b(?:RLHF|RLVR|GRPO|DPO|PPO|post[- ]?train\w*|reward model\w*|preference optimi[sz]ation|alignment"
    r"|instruction[- ]tun\w*|fine[- ]?tun\w*|SFT)\b",
    re.IGNORECASE,
)

# Which stage's calls need which stage's answers (ClaudeDrafter: cards -> outline -> sections, with
# title/hook/excerpt/tags written alongside the sections since they need only the outline).
STAGE_DEPENDS: dict[str, tuple[str, ...]] = {
    "triage": (),  # curation's triage (bench/curation_bench.py): the papers to draft come from it
    "cards": ("triage",),
    "outline": ("cards",),
    "place": ("cards",),
    "section": ("outline", "place"),
    "update": ("outline", "place"),
    "meta": ("outline", "place"),
    "repair": ("section", "update"),
    "condense": ("section", "update"),
}
_TASK = re.compile(r'<task name="(\w+)">')


# -- the two yardsticks --------------------------------------------------------------------------


def fake_tokens(text: str) -> int:
    """Tokens as the fake server counts them (``tests/fake_claude.py``: ~4 characters a token)."""
    return max(1, len(text) // 4)


def physical_limit_usd(papers: Iterable[Paper], post_body: str, price: ModelPrice) -> float:
    """The least a post can cost: read each paper once, write the post once.

    Input: every selected paper's title and abstract, once, at the model's plain input price (no
    prompt, no instructions, no cache write). Output: the post's Markdown body (everything after the
    front matter, as written to ``post.md``), once, at the output price. Tokens are counted the way
    the fake server counts them (:func:`fake_tokens`), so the limit and the measured cost use the
    same ruler and the same price table.
    """
    read = sum(fake_tokens(f"{p.title}\n{p.abstract}") for p in papers)
    write = fake_tokens(post_body)
    return (read * price.input + write * price.output) / 1_000_000


def one_model_usd(report: dict[str, Any], price: ModelPrice, ttl: str) -> float:
    """A draft report's cost with every stage's tokens at ``price`` (one model's prices for every call),
    instead of each stage at its own model's (the report's ``cost_usd``: the cards on ``cards_model``).
    The same token counts, cache writes at ``ttl``'s price, batch stages at the batch discount."""
    return sum(price.cost(StageUsage.from_dict(u), batch=bool(u.get("batch")), ttl=ttl)
               for u in report["stages"].values())


@dataclass(frozen=True)
class CallTiming:
    """One Messages API call as the engine made it, timed around the SDK call."""

    stage: str
    chain: str  # calls sharing it are one logical call: the first try, its continuations, its retry
    start: float
    end: float
    input_tokens: int  # uncached + cache write + cache read
    output_tokens: int

    @property
    def seconds(self) -> float:
        return self.end - self.start


def critical_path_s(calls: list[CallTiming]) -> float:
    """The longest chain of dependent calls, from the calls' own measured durations.

    A *chain* is one logical call: its first try, then (each needing the previous answer) any
    continuation after ``max_tokens`` and the retry after failed checks; they share the system
    prompt and first user message, which is how they are grouped. Chains of one stage are
    independent of each other (cards of different papers, different sections). Stages depend on
    each other as :data:`STAGE_DEPENDS` says. So a stage can finish, at the earliest, when the
    latest of the stages it needs has finished plus its own longest chain (the sum of that chain's
    call durations); the critical path is the latest such finish. It assumes unlimited concurrency
    and no time outside calls, so wall time / critical path measures what the engine's scheduling
    (bounded concurrency, waves, local work between stages) adds to the unavoidable waiting.
    """
    chains: dict[tuple[str, str], float] = {}
    for call in calls:
        chains[(call.stage, call.chain)] = chains.get((call.stage, call.chain), 0.0) + call.seconds
    longest: dict[str, float] = {}
    for (stage, _), seconds in chains.items():
        longest[stage] = max(longest.get(stage, 0.0), seconds)
    unknown = sorted(set(longest) - set(STAGE_DEPENDS))
    if unknown:
        raise DigestError(
            f"bench/drafting_bench.py: calls of stages {unknown} that STAGE_DEPENDS does not know",
            "Add each new stage of the Claude engine to STAGE_DEPENDS with the stages it needs",
        )
    finish: dict[str, float] = {}

    def finish_of(stage: str) -> float:
        if stage not in finish:
            ready = max((finish_of(dep) for dep in STAGE_DEPENDS[stage]), default=0.0)
            finish[stage] = ready + longest.get(stage, 0.0)
        return finish[stage]

    return max((finish_of(s) for s in STAGE_DEPENDS), default=0.0)


class TimedClient:
    """The engine's client seam, timing each call: the real SDK client inside, a log outside."""

    def __init__(self, inner: ClaudeClient, log: list[CallTiming]) -> None:
        self.inner = inner
        self.log = log
        self.lock = threading.Lock()

    def complete(self, params: dict[str, Any], *, stream: bool, on_retry: RetryHook | None = None) -> Reply:
        start = time.perf_counter()
        reply = self.inner.complete(params, stream=stream, on_retry=on_retry)
        end = time.perf_counter()
        first = params["messages"][0]["content"]
        text = first if isinstance(first, str) else "\n".join(str(b.get("text", "")) for b in first)
        task = _TASK.search(text)
        chain = hashlib.sha256(json.dumps([params.get("system"), first], sort_keys=True).encode()).hexdigest()
        usage = reply.usage
        with self.lock:
            self.log.append(CallTiming(
                stage=task.group(1) if task else "other",
                chain=chain,
                start=start,
                end=end,
                input_tokens=usage.input_tokens + usage.cache_creation_input_tokens + usage.cache_read_input_tokens,
                output_tokens=usage.output_tokens,
            ))
        return reply

    def run_batch(
        self,
        requests: dict[str, dict[str, Any]],
        *,
        poll_s: float,
        on_poll: Callable[[dict[str, int]], None],
    ) -> dict[str, Reply | BatchFailure]:
        return self.inner.run_batch(requests, poll_s=poll_s, on_poll=on_poll)


# -- papers ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PaperSets:
    corpus: Path
    topic: Topic
    fresh: list[Paper]  # the 77-paper post
    added: list[Paper]  # the 5 added to it
    broad: list[Paper]  # the broad selection: topic 07's papers, then the broad filter's others
    in_topic: int  # how many papers topic 07 selects


def corpus_folder() -> Path:
    return WEEK if WEEK.exists() else SAMPLE


def paper_sets(fresh_count: int = 77, added_count: int = 5) -> PaperSets:
    folder = corpus_folder()
    files = sorted(folder.glob("*.jsonl"))
    topic = load_topics(ROOT / "topics.toml").get("07")
    selected = select_corpus(files, topic, topic.window_from, topic.window_to).papers
    everything = select_corpus(files, None, topic.window_from, topic.window_to).papers
    in_topic = {cite_key(p) for p in selected}
    broad_only = [
        p for p in everything if cite_key(p) not in in_topic and BROAD_FILTER.search(f"{p.title} {p.abstract}")
    ]
    fresh = selected[:fresh_count]
    added = [*selected[fresh_count:], *broad_only][:added_count]
    return PaperSets(folder, topic, fresh, added, [*selected, *broad_only], len(selected))


# Issue 18's "window extended by a day": topic 07 over 2026-05-19..20, then 2026-05-19..21 (one more listing
# day). May 21 adds the fewest of topic 07's papers of any day of the week (10 in the shipped week: 44 -> 54).
WINDOW_FIRST = (date(2026, 5, 19), date(2026, 5, 20))
WINDOW_EXTENDED = (date(2026, 5, 19), date(2026, 5, 21))


def window_papers(window: tuple[date, date]) -> list[Paper]:
    """Topic 07's papers in ``window`` of the bench's week, as ``draft`` selects them."""
    topic = load_topics(ROOT / "topics.toml").get("07")
    return select_corpus(sorted(corpus_folder().glob("*.jsonl")), topic, *window).papers


def _fake_server(settings: ClaudeSettings, *, latency: bool = True) -> FakeClaude:
    """The fake at issue #4's latency (or none: tokens and cost are the same), caching prefixes from the
    model's own minimum length."""
    if not latency:
        return FakeClaude(min_cache_tokens=settings.price.min_cache_tokens)
    return FakeClaude(ttft_s=TTFT_S, tokens_per_s=TOKENS_PER_S, min_cache_tokens=settings.price.min_cache_tokens)


def _input_tokens(usage: dict[str, Any]) -> int:
    return int(usage["input_tokens"] + usage["cache_creation_input_tokens"] + usage["cache_read_input_tokens"])


# -- one draft ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measured:
    papers: int
    result: DraftResult
    wall_s: float
    calls: list[CallTiming]
    limit_usd: float
    one_model_usd: float  # every call's tokens at the main model's prices (:func:`one_model_usd`)

    @property
    def report(self) -> dict[str, Any]:
        return self.result.report

    @property
    def cost_usd(self) -> float:
        return float(self.report["totals"]["cost_usd"])

    @property
    def api_calls(self) -> int:
        return int(self.report["totals"]["calls"])

    @property
    def critical_s(self) -> float:
        return critical_path_s(self.calls)


def draft_once(
    papers: list[Paper], topic: Topic, settings: ClaudeSettings, *, posts_dir: Path, cache_dir: Path,
    fault_rate: float = 0.0, seed: int = 0, window: tuple[date, date] | None = None, latency: bool = True,
) -> Measured:
    """Draft ``papers`` as topic's backfill post against a fresh fake server; timed, every call logged.
    ``fault_rate`` makes the server fail that share of calls (429, 529, 500, mid-stream errors);
    ``window`` is the post's window (default: the topic's own, if it has one); without ``latency`` the fake
    answers at once (the tests' cost checks: the same tokens, so the same cost)."""
    log: list[CallTiming] = []
    with _fake_server(settings, latency=latency) as fake:
        if fault_rate:
            fake.fault_rate(fault_rate, seed)
        drafter = ClaudeDrafter(
            client_factory=lambda: TimedClient(AnthropicClient.for_base_url(fake.base_url, DUMMY_KEY, settings), log),
            settings=settings,
            prompts_dir=ROOT / "prompts",
            cache_dir=cache_dir,
        )
        if window is None and topic.window_from and topic.window_to:
            window = (topic.window_from, topic.window_to)
        started = time.perf_counter()
        result = draft_post(topic, papers, kind=None, drafter=drafter, posts_dir=posts_dir, window=window,
                            unverified=settings.unverified)
        wall = time.perf_counter() - started
    post_md = result.folder / "post.md"
    body = parse_post_source(post_md.read_text(encoding="utf-8"), str(post_md)).body
    one_model = one_model_usd(result.report, settings.price, settings.cache_ttl)
    return Measured(len(papers), result, wall, log, physical_limit_usd(papers, body, settings.price), one_model)


STAGE_NAMES = {"cards": "cards", "outline": "outline", "section": "sections", "meta": "meta", "repair": "repairs",
               "condense": "condensing", "place": "placing", "update": "in-place updates"}


def _by_stage(report: dict[str, Any], field: str, money: bool = False) -> str:
    stages = report["stages"]
    return ", ".join(
        f"{STAGE_NAMES.get(name, name)} " + (f"${u[field]:.3f}" if money else str(u[field]))
        for name, u in stages.items() if u["calls"]
    )


def modelled_path_s(calls: list[CallTiming]) -> float:
    """:func:`critical_path_s` with each call's duration from the fake's latency model instead of the
    clock (time to first token + output tokens at the stream rate): a check on the measured one."""
    modelled = [dataclasses.replace(c, start=0.0, end=TTFT_S + c.output_tokens / TOKENS_PER_S) for c in calls]
    return critical_path_s(modelled)


def prices_note(settings: ClaudeSettings, *, card_calls: bool = True) -> str:
    """Which prices a cost row uses, from prompts/models.toml ($/MTok input/output). Without ``card_calls``
    (the cards were excerpts made by code) no call ran on ``cards_model``, so both pricings are the same."""

    def named(model: str) -> str:
        price = settings.price_of(model)
        return f"{model} ${price.input:g}/${price.output:g}"

    cards = settings.model_for("cards")
    if not card_calls:
        return (f"per model = one model: every call {named(settings.model)} (cards are excerpts made by code: no "
                f"call on {cards}); limit {named(settings.model)} (per MTok in/out)")
    return (f"per model: cards {named(cards)}, other stages {named(settings.model)}; one model: every call "
            f"{named(settings.model)}; limit {named(settings.model)} (per MTok in/out)")


def _cost_row(what: str, m: Measured, target: float | None, settings: ClaudeSettings) -> Row:
    """Cost vs the physical limit priced two ways: each stage at its own model's prices (what a user pays),
    and every call at the main model's prices; the goal holds when both are within it."""
    ratio, one = m.cost_usd / m.limit_usd, m.one_model_usd / m.limit_usd
    return Row(
        what,
        f"per model {ratio:.2f}x: ${m.cost_usd:.3f} vs ${m.limit_usd:.3f} "
        f"({_by_stage(m.report, 'cost_usd', money=True)}); one model {one:.2f}x: ${m.one_model_usd:.3f}; "
        f"{prices_note(settings, card_calls=bool(m.report['stages'].get('cards', {}).get('calls')))}",
        f"<= {target:.2f}x both" if target is not None else "-",
        ok=max(ratio, one) <= target if target is not None else None,
    )


def _wall_row(what: str, m: Measured, target: float | None = 1.3) -> Row:
    ratio = m.wall_s / m.critical_s if m.critical_s else float("inf")
    return Row(
        what,
        f"{ratio:.2f}x: {m.wall_s:.1f} s vs {m.critical_s:.1f} s (model {modelled_path_s(m.calls):.1f} s); "
        f"{m.api_calls} calls ({_by_stage(m.report, 'calls')})",
        f"<= {target:.1f}x" if target is not None else "-",
        ok=ratio <= target if target is not None else None,
    )


def _cache_row(what: str, m: Measured) -> Row:
    """Share of all input tokens read from the prompt cache, and per stage."""
    totals = m.report["totals"]
    share = totals["cache_read_input_tokens"] / max(1, _input_tokens(totals))
    stages = ", ".join(f"{STAGE_NAMES.get(name, name)} {u['cache_read_input_tokens'] / max(1, _input_tokens(u)):.0%}"
                       for name, u in m.report["stages"].items() if u["calls"])
    return Row(what, f"{share:.0%} of input tokens ({stages})", "> 0 (warned when 0)", ok=share > 0)


def _fault_row(n: int, sets: PaperSets, settings: ClaudeSettings, clean: Measured, drafts: int = 10) -> Row:
    """The fresh run ``drafts`` times at 30% faults, in parallel (each its own fake server and folders)."""
    finished: list[Measured] = []
    failures: list[str] = []

    def one(seed: int) -> None:
        with tempfile.TemporaryDirectory(prefix="bench-drafting-faults-") as tmp:
            try:
                finished.append(draft_once(sets.fresh, sets.topic, settings, posts_dir=Path(tmp) / "posts",
                                           cache_dir=Path(tmp) / "cache", fault_rate=0.3, seed=seed))
            except DigestError as exc:
                failures.append(str(exc)[:120])

    threads = [threading.Thread(target=one, args=(seed,)) for seed in range(drafts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    extra = [m.report["totals"]["retries"] for m in finished]
    mean_extra = sum(extra) / max(1, len(extra))
    return Row(
        f"drafting {n} papers fresh at 30% faults (429/529/500/mid-stream), {drafts} drafts",
        f"{len(finished)} of {drafts} finished; {mean_extra:.1f} retries per draft on "
        f"{clean.api_calls} calls" + (f"; failed: {failures[0]}" if failures else ""),
        f">= {drafts - 1} of {drafts}",
        ok=len(finished) >= drafts - 1,
    )


def _split_rows(m: Measured, settings: ClaudeSettings, corpus_tokens: int) -> list[Row]:
    """How a corpus too big for one call is cut: from the calls actually made and their input sizes."""
    by_stage: dict[str, list[CallTiming]] = {}
    for call in m.calls:
        by_stage.setdefault(call.stage, []).append(call)
    cards = by_stage.get("cards", [])
    per_call = -(-m.papers // max(1, len(cards)))
    window = settings.price.context_tokens
    largest = {stage: max(c.input_tokens for c in calls) for stage, calls in by_stage.items()}

    def biggest(stage: str) -> str:
        return f"{largest.get(stage, 0) / 1000:.0f}k"

    card_calls = (f"the card calls read {sum(c.input_tokens for c in cards) / 1000:.0f}k in all" if cards else
                  "cards are excerpts of the abstracts made by code (no call)")
    split = (f"cards: {len(cards)} calls of <= {per_call} papers ({biggest('cards')}); " if cards else
             "cards: excerpts, no call; ")
    return [
        Row(f"drafting {m.papers} papers: corpus vs context window",
            f"title+abstract {corpus_tokens / 1000:.0f}k tokens = {corpus_tokens / window:.0%} of {window // 1000}k; "
            f"{card_calls}", "-"),
        Row(f"drafting {m.papers} papers: how it is split (largest input)",
            f"{split}outline: all cards, no abstracts ({biggest('outline')}); "
            f"{len(by_stage.get('section', []))} sections ({biggest('section')})",
            f"each call < {window // 1000}k", ok=max(largest.values(), default=0) < window),
    ]


def _window_rows(topic: Topic, settings: ClaudeSettings) -> list[Row]:
    """Issue 18's cost goal for a longer window: draft topic 07 over :data:`WINDOW_FIRST`, then over
    :data:`WINDOW_EXTENDED` on the first draft's posts and stage cache (as a user re-running ``draft
    --to`` a day later would); the second draft's cost against the physical limit of its whole post."""
    first, longer = window_papers(WINDOW_FIRST), window_papers(WINDOW_EXTENDED)
    with tempfile.TemporaryDirectory(prefix="bench-drafting-window-") as tmp:
        posts, cache = Path(tmp) / "posts", Path(tmp) / "cache"
        base = draft_once(first, topic, settings, posts_dir=posts, cache_dir=cache, window=WINDOW_FIRST)
        grown = draft_once(longer, topic, settings, posts_dir=posts, cache_dir=cache, window=WINDOW_EXTENDED)
    added = len(longer) - len(first)
    span = f"{WINDOW_FIRST[0]:%m-%d}..{WINDOW_FIRST[1]:%m-%d} -> ..{WINDOW_EXTENDED[1]:%m-%d}"
    return [
        _cost_row(f"drafting topic 07 {span} fresh ({base.papers} papers): cost vs limit", base, 1.3, settings),
        _cost_row(f"drafting topic 07 {span}: +{added} papers, window +1 day, on the first's cache: cost vs limit "
                  f"of the whole {grown.papers}-paper post "
                  f"({grown.api_calls} calls: {_by_stage(grown.report, 'calls')})",
                  grown, 0.35, settings),
    ]


# -- the section ----------------------------------------------------------------------------------


def run() -> list[Row]:
    """The drafting rows. The CLI's real-shaped run (:func:`real_shaped_run`) runs alongside the broad
    run to keep the section near 3.5 minutes; both mostly wait on simulated latency (a few CPU-seconds in
    all), and each run's wall time and critical path are measured together, so the overlap cannot
    flatter a ratio. Its summary goes to stderr."""
    settings = load_settings(ROOT / "prompts" / "models.toml")
    sets = paper_sets()
    n, k = len(sets.fresh), len(sets.added)
    added_in_topic = max(0, min(k, sets.in_topic - n))
    matches = sum(1 for p in sets.broad if BROAD_FILTER.search(f"{p.title} {p.abstract}"))
    print(f"drafting papers from {sets.corpus}: {n} of the {sets.in_topic} topic 07 selects; +{k} = "
          f"{added_in_topic} more of topic 07 and {k - added_in_topic} of the broad filter; broad selection = "
          f"{len(sets.broad)} papers ({matches} broad-filter matches + the topic-07 papers it misses)",
          file=sys.stderr, flush=True)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-drafting-") as tmp:
        posts, cache = Path(tmp) / "posts", Path(tmp) / "cache"
        fresh = draft_once(sets.fresh, sets.topic, settings, posts_dir=posts, cache_dir=cache)
        rows.append(_cost_row(f"drafting {n} papers fresh: cost vs physical limit", fresh, 1.3, settings))
        rows.append(_wall_row(f"drafting {n} papers fresh: wall vs critical path", fresh))
        again = draft_once(sets.fresh, sets.topic, settings, posts_dir=posts, cache_dir=cache)
        same = (again.result.folder / "post.md").read_bytes() == (fresh.result.folder / "post.md").read_bytes()
        rows.append(Row(
            f"drafting {n} papers, unchanged re-run",
            f"{again.api_calls} calls, ${again.cost_usd:.3f}, {again.wall_s:.2f} s"
            + (", same post" if same else ", post differs"),
            "0 calls",
            ok=again.api_calls == 0,
        ))
        grown = draft_once([*sets.fresh, *sets.added], sets.topic, settings, posts_dir=posts, cache_dir=cache)
        rows.append(_cost_row(f"drafting {n}+{k} papers on the {n}'s cache: cost vs limit of {n + k}", grown, 0.3,
                              settings))
        rows.append(_wall_row(f"drafting {n}+{k} papers on the {n}'s cache: wall vs critical path", grown, None))
    rows.append(_cache_row(f"drafting {n} papers fresh: prompt-cache read share", fresh))
    rows.append(_fault_row(n, sets, settings, fresh))
    summary: list[str] = []
    cli = threading.Thread(target=lambda: summary.append(real_shaped_run()), name="bench-real-shaped-run")
    cli.start()
    extended: list[Row] = []
    extend = threading.Thread(target=lambda: extended.extend(_window_rows(sets.topic, settings)),
                              name="bench-window-extended")
    extend.start()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-drafting-broad-") as tmp:
            folder = Path(tmp)
            broad = draft_once(sets.broad, sets.topic, settings, posts_dir=folder / "posts", cache_dir=folder / "cache")
    finally:
        cli.join()
        extend.join()
    tokens = sum(fake_tokens(f"{p.title}\n{p.abstract}") for p in sets.broad)
    rows.append(_cost_row(f"drafting {broad.papers} papers (broad selection) fresh: cost vs limit", broad, None,
                          settings))
    rows.append(_wall_row(f"drafting {broad.papers} papers (broad selection): wall vs critical path", broad))
    rows.extend(_split_rows(broad, settings, tokens))
    rows.extend(extended or [Row("drafting with the window extended by a day", "FAILED (see above)", "<= 0.35x",
                                 ok=False)])
    print("\n".join(summary) or "real-shaped run: no summary (the thread failed; see above)", file=sys.stderr,
          flush=True)
    return rows


def real_shaped_run(corpus: Path | None = None) -> str:
    """``digest-publisher draft --drafter claude --json`` as a user runs it, against the fake server.

    Topic 07 over the whole week, through the CLI in a child process that finds Claude through
    ``ANTHROPIC_BASE_URL`` (a dummy ``ANTHROPIC_API_KEY``, ``.env`` not read). Returns a summary of
    its draft report for the README.
    """
    corpus = corpus or corpus_folder()
    settings = load_settings(ROOT / "prompts" / "models.toml")
    with tempfile.TemporaryDirectory(prefix="bench-drafting-cli-") as tmp, _fake_server(settings) as fake:
        env = {**os.environ, "ANTHROPIC_BASE_URL": fake.base_url, "ANTHROPIC_API_KEY": DUMMY_KEY,
               "DIGEST_NO_DOTENV": "1"}
        command = [sys.executable, "-m", "digest_publisher", "draft", "--topic", "07", "--corpus", str(corpus),
                   "--drafter", "claude", "--posts-dir", str(Path(tmp) / "posts"),
                   "--cache-dir", str(Path(tmp) / "cache"), "--json"]
        started = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - started
        if done.returncode != 0:
            return f"real-shaped run FAILED (exit {done.returncode}): {done.stderr.strip()[-2000:]}"
        report = json.loads(done.stdout)
        papers = json.loads((Path(report["folder"]) / "papers.json").read_text(encoding="utf-8"))
        post_md = Path(report["folder"]) / "post.md"
        body = parse_post_source(post_md.read_text(encoding="utf-8"), str(post_md)).body
    limit = physical_limit_usd(
        [Paper(title=p["title"], authors=(), abstract=p["abstract"]) for p in papers], body, settings.price
    )
    totals = report["totals"]
    stages = "; ".join(
        f"{name} {u['calls']} calls, {_input_tokens(u):,} in / {u['output_tokens']:,} out tokens, ${u['cost_usd']:.4f}"
        for name, u in report["stages"].items()
    )
    cli = " ".join(["digest-publisher", *command[3:]]).replace(str(ROOT) + "/", "").replace(tmp, "$TMP")
    return "\n".join([
        f"real-shaped run: {cli}",
        f"  against tests/fake_claude.py ({TTFT_S:g} s to first token, {TOKENS_PER_S:g} tokens/s), {report['model']}",
        f"  post {report['slug']}: {report['words']:,} words, {report['papers']['in']} papers in, "
        f"{report['papers']['covered']} cited, {report['papers']['left_out']} left out, "
        f"{len(report['sections'])} sections, {len(report.get('numbers_removed', []))} numbers removed, "
        f"{len(report.get('removed', []))} links/images/HTML removed",
        f"  {totals['calls']} calls ({totals['retries']} retries): {stages}",
        f"  tokens: {totals['input_tokens']:,} input, {totals['cache_creation_input_tokens']:,} cache write, "
        f"{totals['cache_read_input_tokens']:,} cache read, {totals['output_tokens']:,} output",
        f"  cost ${totals['cost_usd']:.4f} ({totals['cost_usd'] / limit:.2f}x the physical limit ${limit:.4f}); "
        f"draft wall {report['wall_time_s']:.1f} s, command {wall:.1f} s; warnings: {len(report['warnings'])}",
    ])


if __name__ == "__main__":
    from .table import render_table

    print(render_table(run()))
