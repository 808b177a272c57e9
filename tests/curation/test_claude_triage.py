"""Curation's Claude scorer (triage on the cheap model) through the REAL anthropic SDK against the fake Claude
server, which scores planted papers highest (``FakeClaude.plant``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from digest_publisher.claude import ClaudeSettings, load_settings
from digest_publisher.claude.anthropic_client import AnthropicClient
from digest_publisher.curation.base import Scores
from digest_publisher.curation.claude import ClaudeScorer, claude_scorer
from digest_publisher.drafting import NullProgress, draft_post
from digest_publisher.drafting.claude import ClaudeDrafter
from digest_publisher.models import Paper, PostKind
from digest_publisher.names import cite_key
from tests.drafting.conftest import WINDOW, make_topic, select, topic_07
from tests.fake_claude import FakeClaude
from tests.paths import REPO_ROOT, SAMPLE_WEEK

KEY = "sk-ant-test-SECRET-123"


@pytest.fixture(scope="module")
def candidates() -> list[Paper]:
    return select(SAMPLE_WEEK, topic_07())[:60]


@pytest.fixture()
def fake() -> Iterator[FakeClaude]:
    with FakeClaude(min_cache_tokens=200) as server:
        yield server


@pytest.fixture(scope="module")
def settings() -> ClaudeSettings:
    # 4 calls at once: 60 candidates go out as 4 triage calls of 15
    return dataclasses.replace(load_settings(REPO_ROOT / "prompts" / "models.toml"), batch_poll_s=0.01,
                               max_concurrency=4)


def scorer(fake: FakeClaude, settings: ClaudeSettings, cache: Path, *, batch: bool = False) -> ClaudeScorer:
    return claude_scorer(settings, prompts_dir=REPO_ROOT / "prompts", cache_dir=cache, batch=batch,
                         client_factory=lambda: AnthropicClient.for_base_url(fake.base_url, KEY, settings))


def top(scores: Scores, k: int) -> list[str]:
    ranked = sorted(scores.by_id.values(), key=lambda s: (-s.score, s.paper_id))
    return [s.paper_id for s in ranked[:k]]


def planted_ids(candidates: list[Paper]) -> list[str]:
    """Five papers spread over the list (not its first five: id order must not be what wins)."""
    return [cite_key(candidates[i]) for i in (7, 19, 33, 48, 59)]


def triaged_ids(fake: FakeClaude) -> list[str]:
    import re

    out: list[str] = []
    for call in fake.calls("triage"):
        assert call.body is not None
        out += re.findall(r"^\[\d+\] (\S+):", call.body["messages"][0]["content"][-1]["text"], re.M)
    return out


def test_planted_papers_rank_top_in_few_calls_on_the_cheap_model(
    fake: FakeClaude, settings: ClaudeSettings, candidates: list[Paper], tmp_path: Path
) -> None:
    planted = planted_ids(candidates)
    fake.plant(planted)
    scores = scorer(fake, settings, tmp_path / "cache").score(candidates, make_topic(), NullProgress())
    assert sorted(top(scores, 5)) == sorted(planted)
    assert set(scores.by_id) == {cite_key(p) for p in candidates}
    assert all(0 <= s.score <= 10 and s.reason and s.theme for s in scores.by_id.values())
    assert scores.by_id[planted[0]].score == 10
    calls = fake.calls("triage")
    assert len(calls) == 4  # many papers per call: one wave of max_concurrency calls
    assert sorted(triaged_ids(fake)) == sorted(cite_key(p) for p in candidates)  # each paper read once
    assert all(c.body and c.body["model"] == settings.cards_model for c in calls)
    assert all(c.body and c.body["output_config"]["format"]["type"] == "json_schema" for c in calls)
    usage = scores.usage["triage"]
    assert usage["calls"] == 4 and usage["cost_usd"] > 0 and usage["model"] == settings.cards_model
    assert scores.notes == []


def test_through_batches_at_half_price_and_the_same_ranking(
    fake: FakeClaude, settings: ClaudeSettings, candidates: list[Paper], tmp_path: Path
) -> None:
    planted = planted_ids(candidates)
    fake.plant(planted)
    streamed = scorer(fake, settings, tmp_path / "a").score(candidates, make_topic(), NullProgress())
    direct_calls = len(fake.calls("triage"))
    batched = scorer(fake, settings, tmp_path / "b", batch=True).score(candidates, make_topic(), NullProgress())
    assert sorted(top(batched, 5)) == sorted(planted)
    assert len(fake.calls("triage")) == direct_calls  # no direct Messages call: the batch answered them all
    batches = fake.calls(None, "/v1/messages/batches")
    assert len(batches) == 1 and batches[0].body and len(batches[0].body["requests"]) == 4
    assert batched.usage["triage"]["batch"] is True
    assert batched.usage["triage"]["cost_usd"] == pytest.approx(streamed.usage["triage"]["cost_usd"] / 2, rel=0.02)


def test_a_rerun_costs_nothing_and_added_papers_cost_only_their_own_triage(
    fake: FakeClaude, settings: ClaudeSettings, candidates: list[Paper], tmp_path: Path
) -> None:
    fake.plant(planted_ids(candidates))
    first, added = candidates[:50], candidates[50:]
    scorer(fake, settings, tmp_path / "c").score(first, make_topic(), NullProgress())
    before = len(fake.calls("triage"))
    again = scorer(fake, settings, tmp_path / "c").score(first, make_topic(), NullProgress())
    assert len(fake.calls("triage")) == before and again.usage == {}  # no call at all
    seen = len(triaged_ids(fake))
    grown = scorer(fake, settings, tmp_path / "c").score(candidates, make_topic(), NullProgress())
    assert sorted(triaged_ids(fake)[seen:]) == sorted(cite_key(p) for p in added)
    assert sorted(top(grown, 5)) == sorted(planted_ids(candidates))
    # Another topic is another question: its scores are not reused.
    other = dataclasses.replace(make_topic(), number="99", name="Something Else", slug="something-else")
    scorer(fake, settings, tmp_path / "c").score(first, other, NullProgress())
    assert len(triaged_ids(fake)) == seen + len(added) + len(first)


def test_ids_not_asked_are_trimmed_and_ids_left_out_asked_again(
    fake: FakeClaude, settings: ClaudeSettings, candidates: list[Paper], tmp_path: Path
) -> None:
    planted = planted_ids(candidates)
    fake.plant(planted)
    fake.fail("triage", "extra_id")
    fake.fail("triage", "drop_ids")
    scores = scorer(fake, settings, tmp_path / "d").score(candidates, make_topic(), NullProgress())
    assert set(scores.by_id) == {cite_key(p) for p in candidates}  # nothing unscored, nothing extra
    kinds = {n["kind"] for n in scores.notes}
    assert {"trimmed", "re-asked"} <= kinds and "unscored" not in kinds
    trimmed = [n for n in scores.notes if n["kind"] == "trimmed"]
    assert len(trimmed) == 1 and trimmed[0]["number"] == 16 and "not asked" in trimmed[0]["reason"]
    reasked = next(n for n in scores.notes if n["kind"] == "re-asked")
    assert len(reasked["ids"]) == 2 and sorted(triaged_ids(fake)[60:]) == sorted(reasked["ids"])  # those two only
    assert sorted(top(scores, 5)) == sorted(planted)


def test_an_answer_that_is_never_valid_leaves_its_papers_unscored_not_the_run_failed(
    fake: FakeClaude, settings: ClaudeSettings, candidates: list[Paper], tmp_path: Path
) -> None:
    fake.fail("triage", "invalid_json", times=4)  # one call's answer and its retry, in both rounds
    small = dataclasses.replace(settings, max_concurrency=1)
    scores = scorer(fake, small, tmp_path / "e").score(candidates[:10], make_topic(), NullProgress())
    assert set(scores.by_id) == {cite_key(p) for p in candidates[:10]}
    unscored = [n for n in scores.notes if n["kind"] == "unscored"]
    assert len(unscored) == 10 and all(s.score == 0 for s in scores.by_id.values())


def test_the_curated_papers_are_the_ones_discussed(
    fake: FakeClaude, settings: ClaudeSettings, candidates: list[Paper], tmp_path: Path
) -> None:
    """Triage then drafting of the top K only: the planted papers are discussed, and no stage saw the others."""
    planted = planted_ids(candidates)
    fake.plant(planted)
    for batch in (False, True):
        cache = tmp_path / f"cache-{batch}"
        scores = scorer(fake, settings, cache, batch=batch).score(candidates, make_topic(), NullProgress())
        chosen = set(top(scores, 8))
        papers = [p for p in candidates if cite_key(p) in chosen]
        drafter = ClaudeDrafter(lambda: AnthropicClient.for_base_url(fake.base_url, KEY, settings), settings,
                                REPO_ROOT / "prompts", cache, batch=batch)
        result = draft_post(make_topic(), papers, kind=PostKind.BACKFILL, drafter=drafter,
                            posts_dir=tmp_path / f"posts-{batch}", window=WINDOW)
        assert set(planted) <= set(result.report["covered"])
        others = {cite_key(p) for p in candidates} - chosen
        for call in fake.calls():
            if call.body and call.stage in ("cards", "outline", "section", "meta"):
                text = str(call.body["messages"])
                assert not any(f"[@{k}]" in text or f'id="{k}"' in text for k in others)


def test_a_re_ask_of_the_very_papers_an_answer_left_out_makes_a_new_call(
    fake: FakeClaude, settings: ClaudeSettings, candidates: list[Paper], tmp_path: Path
) -> None:
    fake.fail("triage", "drop_ids")
    one = dataclasses.replace(settings, max_concurrency=1)
    scores = scorer(fake, one, tmp_path / "f").score(candidates[:2], make_topic(), NullProgress())
    assert [n["kind"] for n in scores.notes] == ["re-asked"] and len(fake.calls("triage")) == 2
    assert all(s.reason != "not scored (no valid answer for it)" for s in scores.by_id.values())


class SpendingProgress:
    """A progress that also hears the dollars spent (as the CLI's bars do)."""

    def __init__(self) -> None:
        self.stages: dict[str, int | None] = {}
        self.advanced: dict[str, int] = {}
        self.usd: list[float] = []

    def stage(self, name: str, total: int | None = None) -> None:
        self.stages[name] = total

    def advance(self, name: str, steps: int = 1) -> None:
        self.advanced[name] = self.advanced.get(name, 0) + steps

    def note(self, message: str) -> None:
        return None

    def spent(self, usd: float) -> None:
        self.usd.append(usd)


def test_progress_counts_calls_and_batch_polls_and_hears_the_dollars(
    fake: FakeClaude, settings: ClaudeSettings, candidates: list[Paper], tmp_path: Path
) -> None:
    streamed, batched = SpendingProgress(), SpendingProgress()
    a = scorer(fake, settings, tmp_path / "g").score(candidates, make_topic(), streamed)
    assert streamed.stages["triage"] == 4 and streamed.advanced["triage"] == 4
    assert streamed.usd == sorted(streamed.usd)
    assert streamed.usd[-1] == pytest.approx(a.usage["triage"]["cost_usd"], abs=1e-6)  # the usage rounds to 6 places
    b = scorer(fake, settings, tmp_path / "h", batch=True).score(candidates, make_topic(), batched)
    assert batched.stages["triage batch"] == 4 and batched.advanced["triage batch"] == 4
    assert batched.usd[-1] == pytest.approx(b.usage["triage"]["cost_usd"], abs=1e-6)


def test_the_cli_bars_show_dollars_and_an_eta_only_on_a_terminal_and_never_under_json() -> None:
    from rich.progress import TimeRemainingColumn

    from digest_publisher.cli.draft import RichProgress

    quiet = RichProgress(enabled=False)
    assert quiet.bar.disable  # --json: no bars even on a terminal
    shown = RichProgress()
    assert shown.bar.disable is not shown.console.is_terminal  # pytest's stderr is not a terminal: no bars
    shown.spent(0.01234)
    task = shown.bar.add_task("triage", total=8)
    columns = [c.render(shown.bar.tasks[task]) for c in shown.bar.columns if not isinstance(c, str)]
    assert "$0.0123" in [str(c) for c in columns]
    assert any(isinstance(c, TimeRemainingColumn) for c in shown.bar.columns)
