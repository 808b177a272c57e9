"""``draft --estimate``: calls, tokens and dollars per stage before any call, within 20% of what the run then
spends against the fake Claude (triage of every candidate, then drafting of the top K)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from click.testing import CliRunner

from digest_publisher.claude import load_settings
from digest_publisher.claude.anthropic_client import AnthropicClient
from digest_publisher.cli import cli
from digest_publisher.curation.claude import claude_scorer
from digest_publisher.drafting import NullProgress, draft_post
from digest_publisher.drafting.claude import ClaudeDrafter
from digest_publisher.models import PostKind
from digest_publisher.names import cite_key
from tests.drafting.conftest import make_topic, select, topic_07
from tests.fake_claude import FakeClaude
from tests.paths import REPO_ROOT, SAMPLE_WEEK

KEY = "sk-ant-test-SECRET-123"


def estimate(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, [
        "draft", "--topic", "07", "--corpus", str(SAMPLE_WEEK), "--topics", str(REPO_ROOT / "topics.toml"),
        "--prompts-dir", str(REPO_ROOT / "prompts"), "--posts-dir", str(tmp_path / "posts"),
        "--cache-dir", str(tmp_path / "cache"), "--estimate", *args,
    ], env={"ANTHROPIC_API_KEY": None, "ANTHROPIC_BASE_URL": "http://127.0.0.1:9", "DIGEST_NO_DOTENV": "1"})
    return result.exit_code, result.stdout, result.stderr


def test_the_estimate_needs_no_key_and_prints_every_stage(tmp_path: Path) -> None:
    code, out, err = estimate(tmp_path)
    assert code == 0, err
    lines = out.splitlines()
    assert "candidates screened" in lines[0] and "no API call" in lines[0]
    assert [line.split()[0] for line in lines[2:]] == ["triage", "cards", "outline", "section", "meta", "total"]
    assert not (tmp_path / "posts").exists()  # nothing drafted, nothing written


def test_the_estimate_is_within_20_percent_of_the_run(tmp_path: Path) -> None:
    code, out, err = estimate(tmp_path, "--json")
    assert code == 0, err
    data = json.loads(out)
    candidates = select(SAMPLE_WEEK, topic_07())
    assert data["candidates"] == len(candidates) and data["papers"] == min(50, len(candidates))
    settings = dataclasses.replace(load_settings(REPO_ROOT / "prompts" / "models.toml"), batch_poll_s=0.01)
    with FakeClaude() as fake:
        def client() -> AnthropicClient:
            return AnthropicClient.for_base_url(fake.base_url, KEY, settings)

        cache = tmp_path / "cache"
        scores = claude_scorer(settings, prompts_dir=REPO_ROOT / "prompts", cache_dir=cache,
                               client_factory=client).score(candidates, make_topic(), NullProgress())
        top = {s.paper_id for s in sorted(scores.by_id.values(), key=lambda s: -s.score)[:data["papers"]]}
        drafter = ClaudeDrafter(client, settings, REPO_ROOT / "prompts", cache)
        result = draft_post(make_topic(), [p for p in candidates if cite_key(p) in top], kind=PostKind.BACKFILL,
                            drafter=drafter, posts_dir=tmp_path / "posts", window=None)
        spent = {**scores.usage, **result.report["stages"]}
        total = sum(u["cost_usd"] for u in spent.values())
        calls = sum(u["calls"] for u in spent.values())
        assert abs(data["totals"]["usd_streamed"] - total) <= 0.2 * total, (data["totals"], total)
        assert abs(data["totals"]["calls"] - calls) <= 0.2 * calls
        for row in data["stages"]:  # each stage's tokens are of the right size too
            if row["calls"] == 0 and row["stage"] not in spent:  # the cards, excerpts made by code: no call
                continue
            used = spent[row["stage"]]
            measured = used["input_tokens"] + used["cache_creation_input_tokens"] + used["cache_read_input_tokens"]
            assert 0.5 * measured <= row["input_tokens"] <= 1.5 * measured, row
        # The run's cache now holds every triage and card: the estimate of a re-run is the small rest.
        code, out, err = estimate(tmp_path, "--json")
        again = json.loads(out)["stages"]
        assert again[0]["calls"] == 0 and again[0]["usd_streamed"] == 0
