"""The engine against a model that writes like a real one: a careful writer is accepted untouched, a liar's
every lie is repaired or removed and listed, faults are retried with their reasons (issue 9)."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from digest_publisher.claude.anthropic_client import AnthropicClient
from digest_publisher.claude.model_settings import ClaudeSettings, load_settings
from digest_publisher.drafting import DraftResult, draft_post
from digest_publisher.drafting.claude import ClaudeDrafter
from digest_publisher.errors import DraftError
from digest_publisher.models import Paper, PostKind, Topic
from digest_publisher.names import cite_key, short_names
from tests.drafting.conftest import make_topic
from tests.fake_claude import EVIL, LIES, FakeClaude

ROOT = Path(__file__).resolve().parents[2]
ONE_DAY = (date(2026, 5, 19), date(2026, 5, 19))


@pytest.fixture()
def fake() -> Iterator[FakeClaude]:
    with FakeClaude(min_cache_tokens=200) as server:
        yield server


@pytest.fixture(scope="module")
def settings() -> ClaudeSettings:
    # Short backoff: the waits are the fault-retry layer's, not what these tests measure.
    return dataclasses.replace(load_settings(ROOT / "prompts" / "models.toml"), max_concurrency=4, retry_base_s=0.001)


@pytest.fixture(scope="module")
def day_papers(sample_papers: list[Paper]) -> list[Paper]:
    """Topic 07's papers of one day (2026-05-19), as the issue's first measurement."""
    papers = [p for p in sample_papers if p.submitted == ONE_DAY[0]]
    assert len(papers) >= 8
    return papers


def draft(fake: FakeClaude, settings: ClaudeSettings, papers: list[Paper], tmp_path: Path, *,
          window: tuple[date, date] = ONE_DAY, kind: PostKind = PostKind.BACKFILL, name: str = "run") -> DraftResult:
    topic: Topic = make_topic(kind)
    drafter = ClaudeDrafter(
        client_factory=lambda: AnthropicClient.for_base_url(fake.base_url, "sk-test", settings),
        settings=settings, prompts_dir=ROOT / "prompts", cache_dir=tmp_path / name / "cache",
    )
    return draft_post(topic, papers, kind=kind, drafter=drafter, posts_dir=tmp_path / name / "posts", window=window,
                      unverified=settings.unverified)


def body_of(result: DraftResult) -> str:
    return (result.folder / "post.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("kind", [PostKind.BACKFILL, PostKind.BRIEF])
def test_careful_writer_is_accepted_with_nothing_flagged(fake: FakeClaude, settings: ClaudeSettings,
                                                         day_papers: list[Paper], tmp_path: Path,
                                                         kind: PostKind) -> None:
    fake.behave("careful")
    result = draft(fake, settings, day_papers, tmp_path, kind=kind)
    report = result.report
    body = body_of(result)
    # It did write as a careful model does: hedged roundings, number words, a list under a line of text.
    assert re.search(r"about \d+%|\b(?:two|three|four|five|six|seven|eight|nine) [a-z]", body)
    assert "What they share:\n- " in body
    assert report["numbers_removed"] == [] and report["unverified_claims"] == []
    assert "numbers_repaired" not in report and fake.calls("repair") == []
    assert report["stages"]["section"]["retries"] == 0 and report["removed"] == []
    assert report["unresolved_names"] == [] and report["papers"]["covered"] == len(day_papers)
    # Up to 25% over the word limit is a careful writer's overrun, not worth a condensing call.
    assert fake.calls("condense") == []


def test_method_name_headings_are_accepted_and_unknown_names_caught(
        fake: FakeClaude, settings: ClaudeSettings, day_papers: list[Paper], tmp_path: Path) -> None:
    # A heading naming the paper's own method as its abstract introduces it, though its short name differs.
    paper = Paper(title="Self-Evolving Spatial Reasoning via Geometric Feedback", authors=("Yi Liu", "Bo Tan", "C D"),
                  abstract="We propose GeoLoop, a reinforcement learning method that improves spatial accuracy "
                           "by 4.2 points over GRPO on three spatial benchmarks.", arxiv_id="2605.90001",
                  submitted=ONE_DAY[0])
    names = short_names([*day_papers, paper])
    assert names["2605.90001"] == "GeoLoop"
    from digest_publisher.drafting.grounding import check_grounding

    by_key = {cite_key(p): p for p in [*day_papers, paper]}
    ok = "## S\n\n### GeoLoop: Feedback From Geometry\n\nIt learns from geometric feedback [@2605.90001].\n"
    assert check_grounding(ok, by_key, names={**names, "2605.90001": "Liu et al."}).unresolved_names == []
    wrong = "## S\n\n### SpatialMax: Feedback From Geometry\n\nIt learns from geometric feedback [@2605.90001].\n"
    assert check_grounding(wrong, by_key, names=names).unresolved_names
    # And through the engine: the careful writer's method-name headings pass with nothing unresolved.
    fake.behave("careful")
    result = draft(fake, settings, day_papers, tmp_path)
    assert re.findall(r"^### .+?:", body_of(result), re.M) and result.report["unresolved_names"] == []


def test_every_lie_is_repaired_or_removed_and_listed(fake: FakeClaude, settings: ClaudeSettings,
                                                     day_papers: list[Paper], tmp_path: Path) -> None:
    fake.behave("liar")
    # A paper whose abstract states two results of one sentence (first, so the fake's outline makes it a key
    # paper: the liar sees key papers' abstracts and swaps the two numbers).
    gamma = Paper(title="Gamma: Early Exit for Faster Reasoning", authors=("Mira Okafor",), arxiv_id="2605.90002",
                  abstract="Gamma exits decoding early when a verifier is confident. On three math benchmarks, "
                           "accuracy rises 45% and latency falls 12% compared with GRPO.",
                  submitted=ONE_DAY[0])
    papers = [gamma, *day_papers]
    result = draft(fake, settings, papers, tmp_path)
    report, body = result.report, body_of(result)
    post_body = body.split("\n---\n", 1)[1]
    # Nothing of the injected markup reaches post.md ...
    for lie in (EVIL, "<div", "[button", "[/button]", "![", "97.3%"):
        assert lie not in post_body, lie
    # ... and each kind of lie is listed in draft-report.json.
    kinds = {r["kind"] for r in report["removed"]}
    assert {"link", "image", "html", "shortcode"} <= kinds
    assert any(LIES["shortcode"].split("]")[0] + "]" == r["text"] for r in report["removed"])
    assert report["citations_removed"], "a citation of another section's paper is removed and listed"
    removed_numbers = {r["number"] for r in report["numbers_removed"]}
    assert "97.3%" in removed_numbers  # invented
    changed = [n for n in removed_numbers if n != "97.3%"]
    assert changed, "a number moved to another paper, or changed by 30%, is removed too"
    for item in report["numbers_removed"]:
        assert item["number"] not in item["now"]
    # Two numbers of one paper swapped: both values are the paper's, so only what they are about gives them
    # away; the repair is asked with the reason, the liar repeats them, and they are removed and listed.
    swaps = [r for r in report["numbers_removed"] if "look swapped" in r.get("why", "")]
    # Gamma's two (the liar swaps one two-number sentence per section: other sections' swaps are caught too).
    assert {"12%", "45%"} <= {s["number"] for s in swaps}, report["numbers_removed"]
    assert "accuracy rises 12%" not in post_body and "latency falls 45%" not in post_body, swaps
    assert any("look swapped" in c.body["messages"][0]["content"][-1]["text"] for c in fake.calls("repair") if c.body)
    # The liar repeated its numbers when asked to repair them: one repair call per section that lied.
    assert len(fake.calls("repair")) >= 1
    # A draft never fails because of a number, and every paper is still covered.
    assert report["papers"]["covered"] == len(papers)


def test_the_window_phrase_reaches_every_stage_but_the_cards(fake: FakeClaude, settings: ClaudeSettings,
                                                             day_papers: list[Paper], tmp_path: Path) -> None:
    draft(fake, dataclasses.replace(settings, excerpt_cards_max_tokens=0), day_papers, tmp_path)  # model cards
    assert fake.calls("cards")
    for call in fake.calls():
        assert call.body is not None
        system = call.body["system"][0]["text"]
        if call.stage == "cards":  # a card does not depend on the window (issue 18 item 6): none is named
            assert "2026" not in system and "this day" not in system and "Frontier AI Research Digest" in system
            continue
        assert "May 19, 2026" in system and 'as "this day"' in system and "this week" not in system.replace(
            'never "this week"', "")


def test_outline_meta_and_sections_share_one_cached_prefix(fake: FakeClaude, settings: ClaudeSettings,
                                                           sample_papers: list[Paper], tmp_path: Path) -> None:
    result = draft(fake, settings, sample_papers[:30], tmp_path, window=(date(2026, 5, 18), date(2026, 5, 22)))
    stages = result.report["stages"]
    firsts = {json.dumps(c.body["messages"][0]["content"][0]) for c in fake.calls() if c.body and c.stage in (
        "outline", "meta", "section")}
    assert len(firsts) == 1, "outline, meta and sections start with the same cards block"
    assert all("output_config" not in c.body for c in fake.calls() if c.body and c.stage in ("outline", "meta"))
    assert stages["section"]["cache_read_input_tokens"] > 0 and stages["meta"]["cache_read_input_tokens"] > 0
    assert not any("prompt caching never hit" in w for w in result.report["warnings"])


def test_an_error_in_the_middle_of_a_stream_is_retried_and_its_reason_kept(
        fake: FakeClaude, settings: ClaudeSettings, day_papers: list[Paper], tmp_path: Path) -> None:
    fake.fail("section", "midstream")
    fake.fail("outline", "529")
    result = draft(fake, settings, day_papers, tmp_path)
    sections, outline = result.report["stages"]["section"], result.report["stages"]["outline"]
    assert sections["retries"] == 1 and sections["retry_reasons"][0].startswith(
        "error event mid-stream (overloaded_error); retry 1 of 4")
    assert outline["retry_reasons"][0].startswith("HTTP 529 overloaded_error; retry 1 of 4")


def test_at_30_percent_faults_nine_of_ten_drafts_finish(fake: FakeClaude, settings: ClaudeSettings,
                                                         day_papers: list[Paper], tmp_path: Path) -> None:
    fake.fault_rate(0.3, seed=9)
    finished, reasons = 0, 0
    for run in range(10):
        try:
            result = draft(fake, settings, day_papers, tmp_path, name=f"run{run}")
        except DraftError:
            continue
        finished += 1
        reasons += sum(len(u["retry_reasons"]) for u in result.report["stages"].values())
    assert finished >= 9
    assert reasons > 0  # the faults happened, and every retry says why
