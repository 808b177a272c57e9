"""The drafting bench's second price figure: every call's tokens at one model's prices."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench.drafting_bench import (
    WINDOW_EXTENDED,
    WINDOW_FIRST,
    draft_once,
    one_model_usd,
    paper_sets,
    prices_note,
    window_papers,
)
from digest_publisher.claude.model_settings import load_settings

MODELS = Path(__file__).resolve().parents[2] / "prompts" / "models.toml"


def _stage(
    model: str, *, inp: int, out: int, write: int, read: int, cost: float, batch: bool = False
) -> dict[str, Any]:
    return {"model": model, "calls": 1, "cached": 0, "retries": 0, "input_tokens": inp, "output_tokens": out,
            "cache_creation_input_tokens": write, "cache_read_input_tokens": read, "cost_usd": cost,
            "batch": batch, "retry_reasons": []}


def test_one_model_prices_every_stage_at_the_main_models_prices() -> None:
    settings = load_settings(MODELS)
    assert settings.model == "claude-sonnet-4-6" and settings.cards_model == "claude-haiku-4-5"
    report: dict[str, Any] = {"stages": {
        # the cards as the engine priced them (haiku: $1 in, $5 out, $1.25 write, $0.10 read per MTok) ...
        "cards": _stage("claude-haiku-4-5", inp=1_000_000, out=100_000, write=0, read=0, cost=1.5),
        "section": _stage("claude-sonnet-4-6", inp=0, out=200_000, write=100_000, read=1_000_000, cost=3.675),
        "meta": _stage("claude-sonnet-4-6", inp=100_000, out=0, write=0, read=0, cost=0.15, batch=True),
    }}
    # ... and at sonnet's ($3 in, $15 out, $3.75 write, $0.30 read), the batch stage at half price
    cards = 3.0 + 1.5
    section = 3.0 + 0.375 + 0.3
    meta = 0.3 * 0.5
    assert one_model_usd(report, settings.price, "5m") == pytest.approx(cards + section + meta)
    # the 1-hour cache write is priced as such ($6/MTok for sonnet)
    assert one_model_usd(report, settings.price, "1h") == pytest.approx(cards + section + meta + 0.1 * (6.0 - 3.75))
    # and at the stages' own models it is what the report says (the per-model figure is not re-priced)
    assert one_model_usd(report, settings.price, "5m") > sum(float(s["cost_usd"]) for s in report["stages"].values())


def test_prices_note_names_each_model_and_its_prices() -> None:
    note = prices_note(load_settings(MODELS))
    assert "cards claude-haiku-4-5 $1/$5" in note
    assert "other stages claude-sonnet-4-6 $3/$15" in note
    assert "one model: every call claude-sonnet-4-6 $3/$15" in note


def test_prices_note_without_card_calls_says_both_pricings_are_one() -> None:
    note = prices_note(load_settings(MODELS), card_calls=False)
    assert "per model = one model: every call claude-sonnet-4-6 $3/$15" in note
    assert "no call on claude-haiku-4-5" in note and "cards claude-haiku-4-5 $1/$5" not in note


def test_issue_18_cost_goals_hold_on_the_real_week(tmp_path: Path) -> None:
    """The bench's cost scenarios, without the fake's latency (the same tokens): topic 07's first 77 papers of
    the real week fresh, and its 05-19..20 post extended by a day (+10 papers) on the first draft's cache, in
    both pricings, against the physical limit of the post each wrote."""
    settings = load_settings(MODELS)
    sets = paper_sets()
    assert len(sets.fresh) == 77, "the real week is shipped in tests/data/real"
    fresh = draft_once(sets.fresh, sets.topic, settings, posts_dir=tmp_path / "a" / "posts",
                       cache_dir=tmp_path / "a" / "cache", latency=False)
    assert "cards" not in fresh.report["stages"]  # excerpts: no card call
    assert max(fresh.cost_usd, fresh.one_model_usd) <= 1.3 * fresh.limit_usd, (fresh.cost_usd, fresh.limit_usd)
    posts, cache = tmp_path / "b" / "posts", tmp_path / "b" / "cache"
    first, longer = window_papers(WINDOW_FIRST), window_papers(WINDOW_EXTENDED)
    draft_once(first, sets.topic, settings, posts_dir=posts, cache_dir=cache, window=WINDOW_FIRST, latency=False)
    grown = draft_once(longer, sets.topic, settings, posts_dir=posts, cache_dir=cache, window=WINDOW_EXTENDED,
                       latency=False)
    assert len(longer) - len(first) == 10
    stages = {name for name, u in grown.report["stages"].items() if u["calls"]}
    assert stages == {"place", "update"}  # no card, outline, section or meta call: placed, paragraphs added
    assert max(grown.cost_usd, grown.one_model_usd) <= 0.35 * grown.limit_usd, (grown.cost_usd, grown.limit_usd)
