"""The Claude engine through the REAL anthropic SDK against the fake Claude server (tests/fake_claude.py)."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from digest_publisher.claude.anthropic_client import AnthropicClient
from digest_publisher.claude.model_settings import ClaudeSettings, load_settings
from digest_publisher.drafting import DraftResult, draft_post
from digest_publisher.drafting.base import StageUsage
from digest_publisher.drafting.claude import ClaudeDrafter
from digest_publisher.errors import DraftError
from digest_publisher.models import Paper, PostKind, Topic
from tests.fake_claude import MENTIONED_PAPER, MISSING_PAPER, FakeClaude

ROOT = Path(__file__).resolve().parents[2]
API_KEY = "sk-ant-test-SECRET-123"
# The card stage writes the cards (on cards_model) instead of taking excerpts of the abstracts: what a selection
# whose excerpts exceed excerpt_cards_max_tokens gets.
MODEL_CARDS: dict[str, Any] = {"excerpt_cards_max_tokens": 0}


class RecordingProgress:
    def __init__(self) -> None:
        self.events: list[tuple[str, str, int | None]] = []

    def stage(self, name: str, total: int | None = None) -> None:
        self.events.append(("stage", name, total))

    def advance(self, name: str, steps: int = 1) -> None:
        self.events.append(("advance", name, steps))

    def note(self, message: str) -> None:
        self.events.append(("note", message, None))

    def notes(self) -> list[str]:
        return [name for kind, name, _ in self.events if kind == "note"]


@pytest.fixture()
def fake() -> Iterator[FakeClaude]:
    with FakeClaude(min_cache_tokens=200) as server:
        yield server


@pytest.fixture(scope="session")
def base_settings() -> ClaudeSettings:
    settings = load_settings(ROOT / "prompts" / "models.toml")
    return dataclasses.replace(settings, batch_poll_s=0.01, max_concurrency=3)


@pytest.fixture()
def papers(sample_papers: list[Paper]) -> list[Paper]:
    return sample_papers[:12]


Run = Callable[..., DraftResult]


@pytest.fixture()
def run(
    fake: FakeClaude, tmp_path: Path, base_settings: ClaudeSettings, topic: Topic, window: tuple[date, date]
) -> Run:
    """Draft with Claude (the fake); keyword overrides for settings, batch, papers, cache and posts dirs."""

    def go(
        papers: list[Paper],
        *,
        batch: bool = False,
        progress: RecordingProgress | None = None,
        cache: str = "cache",
        posts: str = "posts",
        kind: PostKind = PostKind.BACKFILL,
        overwrite: bool = True,
        **overrides: Any,
    ) -> DraftResult:
        settings = dataclasses.replace(base_settings, **overrides)
        drafter = ClaudeDrafter(
            client_factory=lambda: AnthropicClient.for_base_url(fake.base_url, API_KEY, settings),
            settings=settings,
            prompts_dir=ROOT / "prompts",
            cache_dir=tmp_path / cache,
            batch=batch,
        )
        return draft_post(topic, papers, kind=kind, drafter=drafter, posts_dir=tmp_path / posts, window=window,
                          progress=progress, unverified=settings.unverified, overwrite=overwrite)

    return go


def body_of(result: DraftResult) -> str:
    return (result.folder / "post.md").read_text(encoding="utf-8").split("\n---\n", 1)[1]


def test_fresh_draft_through_the_real_sdk(run: Run, fake: FakeClaude, papers: list[Paper],
                                          base_settings: ClaudeSettings) -> None:
    progress = RecordingProgress()
    result = run(papers, progress=progress)
    report = result.report
    assert report["drafter"] == "claude" and report["model"] == base_settings.model
    stages = report["stages"]
    # The cards are excerpts of the abstracts, made by code: no card call (issue 18's cost goals).
    assert fake.calls("cards") == [] and "cards" not in stages
    assert stages["outline"]["calls"] == 1 and stages["meta"]["calls"] == 1
    assert stages["section"]["calls"] == len(fake.calls("section")) >= 2
    assert report["papers"]["covered"] == len(papers) and report["left_out"] == []
    # Cost is the price table of each stage's model applied to the usage the server reported.
    assert base_settings.cards_model == "claude-haiku-4-5" != base_settings.model
    for name, usage in stages.items():
        price = base_settings.price_for(name)
        expected = price.cost(StageUsage(**{k: usage[k] for k in (
            "input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")}))
        assert usage["cost_usd"] == pytest.approx(expected, rel=1e-4, abs=1e-6)  # the report rounds to 6 places
    assert report["totals"]["cost_usd"] > 0 and report["totals"]["cache_read_input_tokens"] > 0
    # What was sent: the excerpts in the outline's first block, streaming for sections, cached system prompt, the key.
    outline = fake.calls("outline")[0].body
    assert outline is not None
    block = outline["messages"][0]["content"][0]["text"]
    assert block.startswith("Paper cards (id | short name | title | what the paper does and its main result")
    assert len(block.splitlines()) == len(papers) + 1
    assert {r.body["model"] for r in fake.calls() if r.body} == {base_settings.model}
    assert all(r.stream for r in fake.calls("section"))
    assert all(r.body and r.body["system"][0]["cache_control"] == {"type": "ephemeral"} for r in fake.calls())
    assert all(r.had_api_key for r in fake.requests)
    # The post: title from the model, metadata from the corpus, the code-written footer.
    text = (result.folder / "post.md").read_text(encoding="utf-8")
    assert "title: Post-Training Moves Into the Training Loop" in text
    assert "*This article is part of the Frontier AI Research Digest backfill series, covering 12 papers" in text
    saved = json.loads((result.folder / "papers.json").read_text())
    assert [p["authors"] for p in saved] == [list(p.authors) for p in papers]
    assert API_KEY not in text and API_KEY not in json.dumps(report)
    assert ("stage", "section", len(fake.calls("section"))) in progress.events


def test_each_excerpt_is_the_papers_own_sentences(run: Run, fake: FakeClaude, papers: list[Paper]) -> None:
    """An excerpt card is what the paper does and its first result, verbatim: every one of its sentences (or
    the start of one, cut with an ellipsis) is the abstract's."""
    from digest_publisher.drafting.claude_cards import excerpt_card
    from digest_publisher.drafting.prose import detex, plain_abstract, split_sentences

    run(papers)
    block = fake.calls("outline")[0].body["messages"][0]["content"][0]["text"]  # type: ignore[index]
    for paper in papers:
        excerpt = excerpt_card(paper)["excerpt"]
        assert f"{paper.arxiv_id} | " in block and excerpt in block
        abstract = detex(plain_abstract(paper.abstract))
        pieces = [s for part in re.split(r"(?<=…) ", excerpt) for s in split_sentences(part)]
        assert pieces and all(s.rstrip("…") in abstract for s in pieces), (paper.arxiv_id, excerpt)
        assert len(excerpt) <= 2 * 260 + 1


def test_a_selection_too_big_for_excerpts_gets_model_cards(run: Run, fake: FakeClaude, papers: list[Paper],
                                                           base_settings: ClaudeSettings) -> None:
    """Past excerpt_cards_max_tokens the card stage writes the cards on the cheaper cards_model, every other
    stage on the main model; each stage is priced at its own model's prices."""
    result = run(papers, excerpt_cards_max_tokens=len(papers) * 20)  # too small for 12 excerpts
    stages = result.report["stages"]
    assert stages["cards"]["calls"] == 2  # 12 papers, 10 per call
    cards = fake.calls("cards")[0].body
    assert cards is not None and cards["output_config"]["format"]["type"] == "json_schema"
    assert {r.body["model"] for r in fake.calls("cards") if r.body} == {"claude-haiku-4-5"}
    assert {r.body["model"] for r in fake.calls() if r.body and r.stage != "cards"} == {base_settings.model}
    assert stages["cards"]["model"] == "claude-haiku-4-5" and stages["section"]["model"] == base_settings.model
    for name, usage in stages.items():
        expected = base_settings.price_for(name).cost(StageUsage(**{k: usage[k] for k in (
            "input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")}))
        assert usage["cost_usd"] == pytest.approx(expected, rel=1e-4, abs=1e-6)
    block = fake.calls("outline")[0].body["messages"][0]["content"][0]["text"]  # type: ignore[index]
    assert block.startswith("Paper cards (id | short name | contribution | method | key result | limitations)")
    assert result.report["papers"]["covered"] == len(papers)


def test_unchanged_rerun_makes_no_call(run: Run, fake: FakeClaude, papers: list[Paper]) -> None:
    first = run(papers)
    sent = len(fake.requests)
    second = run(papers)
    assert len(fake.requests) == sent
    assert second.report["totals"]["calls"] == 0 and second.report["totals"]["cost_usd"] == 0
    assert second.report["totals"]["cached"] >= 4
    assert body_of(second) == body_of(first)


def test_adding_papers_places_them_and_updates_sections_in_place(run: Run, fake: FakeClaude,
                                                                 sample_papers: list[Paper]) -> None:
    first = run(sample_papers[:30])
    sections_before = len(fake.calls("section"))
    result = run(sample_papers[:33])
    assert fake.calls("cards") == []  # excerpts: no card calls, before or after
    # The new papers are placed into the previous outline by one small call; the outline is not planned again.
    stages = result.report["stages"]
    assert stages["place"]["calls"] == 1, stages["place"]["retry_reasons"]
    assert stages["outline"]["calls"] == 0
    place = fake.calls("place")[0].body
    assert place is not None and json.dumps(place).count("<paper id=") == 3
    # Sections that gained papers are updated in place: their text plus a paragraph on the new papers.
    assert len(fake.calls("section")) == sections_before  # no section written again
    updated = result.report["sections_updated_in_place"]
    assert 1 <= len(updated) == stages["update"]["calls"] <= 3
    added = sorted(str(p.arxiv_id) for p in sample_papers[30:33])
    assert sorted(k for u in updated for k in u["papers_added"]) == added
    # An update is sent its section's argument and closing sentences, not the section: it writes one paragraph.
    before = {s["heading"]: s for s in first.report["sections"]}
    for call in fake.calls("update"):
        asked = json.dumps(call.body)
        heading = re.search(r'The section \\"(.+?)\\" is drafted already', asked)
        assert heading is not None and heading.group(1) in before
        assert "This part of the story runs through" not in asked  # the section's opening is not sent
        assert "abstract:" not in asked and asked.count("card: ") == asked.count("<paper id=") >= 1
    text = body_of(result)
    assert all(f"[@{p.arxiv_id}]" in text for p in sample_papers[:33])
    # An unchanged re-run of the grown post makes no call at all.
    sent = len(fake.requests)
    again = run(sample_papers[:33])
    assert len(fake.requests) == sent and again.report["totals"]["calls"] == 0
    assert body_of(again) == text


def test_429_with_retry_after_is_retried_by_the_sdk(run: Run, fake: FakeClaude, papers: list[Paper]) -> None:
    fake.fail("outline", "429", retry_after=0.05)
    result = run(papers)
    assert [r.status for r in fake.calls("outline")] == [429, 200]
    assert result.report["stages"]["outline"]["calls"] == 1  # billed once: the 429 cost nothing


def test_529_and_500_are_retried(run: Run, fake: FakeClaude, papers: list[Paper]) -> None:
    fake.fail("meta", "529")
    fake.fail("cards", "500")
    run(papers, **MODEL_CARDS)
    assert [r.status for r in fake.calls("meta")] == [529, 200]
    assert [r.status for r in fake.calls("cards")][:2] == [500, 200]


def test_persistent_overload_fails_loudly_and_writes_nothing(run: Run, fake: FakeClaude, papers: list[Paper],
                                                             tmp_path: Path) -> None:
    fake.fail("outline", "529", times=10)
    with pytest.raises(DraftError) as caught:
        run(papers, max_retries=1)
    message = str(caught.value)
    assert "HTTP 529 (overloaded_error)" in message and fake.base_url in message
    assert "try again later" in message and API_KEY not in message
    assert [r.status for r in fake.calls("outline")] == [529, 529]  # 1 try + max_retries=1
    assert not (tmp_path / "posts").exists()


def test_max_tokens_is_continued_not_shipped_truncated(run: Run, fake: FakeClaude, papers: list[Paper]) -> None:
    clean = run(papers, cache="clean", posts="clean")
    fake.fail("section", "max_tokens")
    progress = RecordingProgress()
    result = run(papers, cache="cut", posts="cut", progress=progress)
    continued = [r for r in fake.calls("section") if r.body and r.body["messages"][-1]["role"] == "assistant"]
    assert len(continued) == 1
    assert body_of(result) == body_of(clean)  # the continued section equals the uncut one
    assert any("max_tokens" in note for note in progress.notes())


def test_max_tokens_without_continuations_retries_then_fails(run: Run, fake: FakeClaude, papers: list[Paper]) -> None:
    fake.fail("section", "max_tokens", times=2)
    with pytest.raises(DraftError) as caught:
        run(papers, max_continuations=0, max_concurrency=1)
    assert "cut off at max_tokens" in str(caught.value) and "Nothing was written" in str(caught.value)


def test_invalid_json_is_retried_with_the_failure_explained(run: Run, fake: FakeClaude, papers: list[Paper]) -> None:
    fake.fail("cards", "invalid_json")
    result = run(papers, max_concurrency=1, **MODEL_CARDS)
    assert result.report["stages"]["cards"]["retries"] == 1
    retry = fake.calls("cards")[1].body
    assert retry is not None
    explanation = retry["messages"][-1]["content"]
    assert "failed these checks" in explanation and "not valid JSON" in explanation
    assert retry["messages"][-2]["role"] == "assistant"


def test_invalid_json_twice_fails(run: Run, fake: FakeClaude, papers: list[Paper], tmp_path: Path) -> None:
    fake.fail("cards", "invalid_json", times=2)
    with pytest.raises(DraftError) as caught:
        run(papers, max_concurrency=1, **MODEL_CARDS)
    assert "cards stage failed its checks twice" in str(caught.value)
    assert not (tmp_path / "posts").exists()


def test_citation_of_a_paper_not_in_the_corpus_is_removed_and_listed(run: Run, fake: FakeClaude,
                                                                      papers: list[Paper]) -> None:
    fake.fail("section", "bad_citation", times=2)
    result = run(papers, max_concurrency=1)
    assert MISSING_PAPER not in body_of(result)
    assert {"kind": "citation", "text": f"[@{MISSING_PAPER}]"}.items() <= result.report["removed"][0].items()
    assert result.report["stages"]["section"]["retries"] == 0  # removed by code: no call spent on it


def test_invented_number_is_repaired_by_one_small_call(run: Run, fake: FakeClaude, papers: list[Paper]) -> None:
    fake.fail("section", "invented_number")
    result = run(papers, max_concurrency=1)
    assert "97.3%" not in body_of(result)
    repairs = fake.calls("repair")
    assert len(repairs) == 1 and repairs[0].body is not None
    assert "unsupported: 97.3%" in json.dumps(repairs[0].body)
    assert [r["sentence"] for r in result.report["numbers_repaired"]] == [
        next(c for c in result.report["numbers_repaired"])["sentence"]]
    assert "97.3%" in result.report["numbers_repaired"][0]["sentence"]
    assert result.report["numbers_removed"] == []


def test_a_repair_names_its_fixes_by_number_and_a_wrong_number_is_retried(run: Run, fake: FakeClaude,
                                                                          papers: list[Paper]) -> None:
    """The repair answer holds only the rewritten sentences, each by the number its sentence was listed under:
    a fix numbered past the list fails the check and is asked again (with the reason), the right one applied."""
    fake.fail("section", "invented_number")
    fake.fail("repair", "wrong_n")
    result = run(papers, max_concurrency=1)
    repair = result.report["stages"]["repair"]
    assert repair["calls"] == 2 and repair["retries"] == 1
    assert "there is no sentence 101" in repair["retry_reasons"][0]
    answers = fake.calls("repair")
    assert answers[0].body is not None and "1. " in answers[0].body["messages"][0]["content"][-1]["text"]
    assert "97.3%" not in body_of(result) and result.report["numbers_repaired"]
    assert result.report["numbers_removed"] == []


def test_a_number_still_unverified_after_the_repair_is_removed_not_fatal(run: Run, fake: FakeClaude,
                                                                         papers: list[Paper]) -> None:
    fake.fail("section", "invented_number")
    fake.behave("liar")  # asked to repair, the liar repeats the sentence
    result = run(papers, max_concurrency=1)
    body = body_of(result)
    assert "97.3%" not in body
    removed = [r["number"] for r in result.report["numbers_removed"]]
    assert "97.3%" in removed


def test_slow_stream_is_assembled(run: Run, fake: FakeClaude, papers: list[Paper]) -> None:
    fake.fail("section", "slow", delay_s=0.3)
    result = run(papers)
    assert result.report["papers"]["covered"] == len(papers)


def test_batch_mode_uses_message_batches_at_half_price(run: Run, fake: FakeClaude, papers: list[Paper],
                                                       base_settings: ClaudeSettings) -> None:
    progress = RecordingProgress()
    result = run(papers, batch=True, progress=progress, **MODEL_CARDS)
    created = [r for r in fake.requests if r.method == "POST" and r.path == "/v1/messages/batches"]
    assert len(created) == 2  # cards, sections
    assert all(r.body and all(q["params"]["system"][0]["cache_control"] == {"type": "ephemeral", "ttl": "1h"}
                              for q in r.body["requests"]) for r in created)
    assert fake.calls("cards") == [] and fake.calls("section") == []  # nothing sent directly
    stages = result.report["stages"]
    assert stages["cards"]["batch"] and stages["section"]["batch"] and not stages["outline"]["batch"]
    usage = stages["cards"]
    full = base_settings.price_for("cards").cost(StageUsage(**{k: usage[k] for k in (
        "input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")}), ttl="1h")
    assert usage["cost_usd"] == pytest.approx(full / 2, rel=1e-4)
    assert ("stage", "section batch", len(created[1].body["requests"]) if created[1].body else 0) in progress.events


def test_errored_batch_request_falls_back_to_a_direct_call(run: Run, fake: FakeClaude, papers: list[Paper]) -> None:
    fake.fail("section", "500")
    progress = RecordingProgress()
    result = run(papers, batch=True, progress=progress)
    assert len(fake.calls("section")) == 1  # the errored one, called directly
    assert any("calling directly" in note for note in progress.notes())
    assert result.report["papers"]["covered"] == len(papers)


def test_warns_when_prompt_cache_never_hits(fake: FakeClaude, run: Run, papers: list[Paper]) -> None:
    fake.min_cache_tokens = 10**9
    result = run(papers)
    assert any("prompt caching never hit" in w for w in result.report["warnings"])


def test_brief_with_claude_has_run_metadata(run: Run, papers: list[Paper], brief_topic: Topic) -> None:
    result = run(papers, kind=PostKind.BRIEF)
    body = body_of(result)
    assert "## Key Research Themes" in body and "## Concluding Overview" in body
    assert "| Model | claude-sonnet-4-6 |" in body
    calls = result.report["totals"]["calls"]
    assert f"| Calls | {calls} (0 from cache) |" in body


def test_edited_post_is_not_overwritten(run: Run, fake: FakeClaude, papers: list[Paper]) -> None:
    result = run(papers)
    post = result.folder / "post.md"
    post.write_text(post.read_text() + "\nAn editor's note.\n")
    sent = len(fake.requests)
    with pytest.raises(DraftError) as caught:
        run(papers, overwrite=False)
    assert "was edited since it was drafted" in str(caught.value) and "--force" in str(caught.value)
    assert post.read_text().endswith("An editor's note.\n")
    assert len(fake.requests) == sent  # refused before any call


def test_section_omitting_an_assigned_paper_is_retried_naming_it(run: Run, fake: FakeClaude,
                                                                   papers: list[Paper]) -> None:
    fake.fail("section", "omit_paper")
    result = run(papers, max_concurrency=1)
    assert len(fake.omitted) == 1
    dropped = fake.omitted[0]
    assert result.report["stages"]["section"]["retries"] == 1
    retries = [r.body for r in fake.calls("section") if r.body and len(r.body["messages"]) == 3]
    assert len(retries) == 1
    explanation = retries[0]["messages"][-1]["content"]
    assert f"it does not cite {dropped}" in explanation and f"[@{dropped}]" in explanation
    assert f"[@{dropped}]" not in retries[0]["messages"][-2]["content"]  # the first answer really left it out
    # After the retry every paper the outline placed is cited: nothing falls to "not cited by the draft".
    assert f"[@{dropped}]" in body_of(result)
    assert result.report["papers"]["covered"] == len(papers) and result.report["left_out"] == []


def test_section_still_omitting_a_paper_after_the_retry_fails(run: Run, fake: FakeClaude, papers: list[Paper],
                                                               tmp_path: Path) -> None:
    fake.fail("section", "omit_paper", times=2)
    with pytest.raises(DraftError) as caught:
        run(papers, max_concurrency=1)
    assert len(fake.omitted) == 2 and fake.omitted[0] == fake.omitted[1]
    message = str(caught.value)
    assert "section stage failed its checks twice" in message
    assert f"it does not cite {fake.omitted[0]}" in message and "Nothing was written" in message
    assert not (tmp_path / "posts").exists()


def test_rambling_card_is_kept_trimmed_for_later_stages_and_counted(run: Run, fake: FakeClaude, papers: list[Paper],
                                                                    tmp_path: Path) -> None:
    fake.fail("cards", "long_card")
    result = run(papers, max_concurrency=1, **MODEL_CARDS)
    assert result.report["stages"]["cards"]["retries"] == 0  # a soft limit: no retry, no failure
    trimmed = result.report["card_fields_trimmed"]
    assert len(trimmed) == 1 and trimmed[0]["field"] == "method" and trimmed[0]["chars"] == 400
    saved = [json.loads(path.read_text())["card"] for path in (tmp_path / "cache" / "card").glob("*.json")]
    assert len(saved) == len(papers) and max(len(card["method"]) for card in saved) == 400  # kept whole
    outline = fake.calls("outline")[0].body
    assert outline is not None
    cards_block = outline["messages"][0]["content"][0]["text"]
    assert "a long-winded description" in cards_block and "long-winded description of the method " * 4 not in (
        cards_block)  # later stages read it cut at a word boundary


def test_changing_the_cards_model_reruns_the_cards_only(run: Run, fake: FakeClaude, papers: list[Paper],
                                                        base_settings: ClaudeSettings) -> None:
    first = run(papers, **MODEL_CARDS)
    sent = len(fake.calls())
    second = run(papers, cards_model=base_settings.model, **MODEL_CARDS)
    again = fake.calls()[sent:]
    assert {r.stage for r in again} == {"cards"} and len(again) == 2  # same cards back: the rest stays cached
    assert {r.body["model"] for r in again if r.body} == {base_settings.model}
    assert second.report["stages"]["cards"]["model"] == base_settings.model
    assert body_of(second) == body_of(first)


def test_an_over_long_section_is_condensed_by_one_call(run: Run, fake: FakeClaude, papers: list[Paper]) -> None:
    fake.fail("section", "long_section")
    result = run(papers, max_concurrency=1)
    condensed = result.report["sections_condensed"]
    assert len(fake.calls("condense")) == 1 and len(condensed) == 1
    assert condensed[0]["words_after"] < condensed[0]["words_before"]
    assert body_of(result).count("This paragraph says again") == 1
    assert "sections_over_length" not in result.report


def test_a_section_condensing_cannot_fix_is_kept_and_flagged(run: Run, fake: FakeClaude, papers: list[Paper]) -> None:
    fake.fail("section", "long_section")
    fake.fail("condense", "invalid_json", times=2)  # the condensed answers fail their checks twice
    result = run(papers, max_concurrency=1)
    flagged = result.report["sections_over_length"]
    assert len(flagged) == 1 and flagged[0]["words"] > flagged[0]["max_words"] * 1.25
    assert body_of(result).count("This paragraph says again") > 1  # kept as written, not failed


def test_a_card_for_an_id_not_asked_is_trimmed_and_missing_cards_asked_again(
    run: Run, fake: FakeClaude, papers: list[Paper]
) -> None:
    """An abstract that mentions another arXiv id ("see 2503.10460") must never fail the draft (issue 17)."""
    fake.fail("cards", "extra_id")
    fake.fail("cards", "drop_ids")
    result = run(papers, **MODEL_CARDS)
    report = result.report
    assert report["papers"]["covered"] == len(papers)
    assert [t["id"] for t in report["cards_trimmed"]] == [MENTIONED_PAPER]
    assert "cards_missing" not in report  # the two left out were asked again and answered
    asked_again = fake.calls("cards")[-1].body
    assert asked_again is not None and str(asked_again["messages"]).count("<paper id=") == 2


def test_extending_the_window_re_runs_only_the_new_papers_cards(
    fake: FakeClaude, tmp_path: Path, base_settings: ClaudeSettings, topic: Topic, sample_papers: list[Paper]
) -> None:
    """Cards do not depend on the window (issue 18 item 6): +3 papers and a day more cost 3 cards."""
    settings = dataclasses.replace(base_settings, **MODEL_CARDS)
    drafter = ClaudeDrafter(lambda: AnthropicClient.for_base_url(fake.base_url, API_KEY, settings),
                            settings, ROOT / "prompts", tmp_path / "cache")
    first = sample_papers[:12]
    draft_post(topic, first, kind=PostKind.BACKFILL, drafter=drafter, posts_dir=tmp_path / "posts",
               window=(date(2026, 5, 18), date(2026, 5, 21)))
    before = len(fake.calls("cards"))
    grown = draft_post(topic, sample_papers[:15], kind=PostKind.BACKFILL, drafter=drafter,
                       posts_dir=tmp_path / "posts", window=(date(2026, 5, 18), date(2026, 5, 22)), overwrite=True)
    new_calls = fake.calls("cards")[before:]
    asked = [k for c in new_calls if c.body for k in re.findall(r'<paper id="([^"]+)"', str(c.body["messages"]))]
    assert sorted(asked) == sorted(str(p.arxiv_id) for p in sample_papers[12:15])
    assert grown.report["papers"]["covered"] == 15


def test_a_re_ask_of_the_very_papers_a_cached_answer_left_out_makes_a_new_call(
    run: Run, fake: FakeClaude, papers: list[Paper]
) -> None:
    """One call of two papers whose answer has no card: the re-ask of the same two must not read that answer."""
    fake.fail("cards", "drop_ids")
    report = run(papers[:2], **MODEL_CARDS).report
    assert "cards_missing" not in report and len(fake.calls("cards")) == 2
