"""``series --estimate``: calls, tokens and dollars per topic and in total, with no API call; its triage
figures match what the run then sends, and pairs scored before cost nothing."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from digest_publisher.cli import cli
from digest_publisher.series import run_series
from digest_publisher.series.estimate import estimate_series
from tests.fake_claude import FakeClaude
from tests.paths import SAMPLE_YEAR
from tests.series.helpers import PROMPTS, TOPICS, claude, job, settings


def test_the_estimate_prints_per_topic_and_total_without_any_call(tmp_path: Path) -> None:
    base = ["series", "--estimate", "--corpus", str(SAMPLE_YEAR), "--topics", str(TOPICS), "--prompts-dir",
            str(PROMPTS), "--topic", "07,03,12", "--posts-dir", str(tmp_path / "posts")]  # fmt: skip
    env = {"ANTHROPIC_API_KEY": None, "ANTHROPIC_BASE_URL": "http://127.0.0.1:9", "DIGEST_NO_DOTENV": "1",
           "DIGEST_CACHE_DIR": str(tmp_path / "cache")}  # fmt: skip
    done = CliRunner().invoke(cli, [*base, "--json"], env=env)
    assert done.exit_code == 0, done.output
    data = json.loads(done.stdout)
    assert [r["topic"] for r in data["topics"]] == ["07 - RL & Post-Training", "03 - Agents & Tool Use",
                                                    "12 - Vision-Language Models"]  # fmt: skip
    triage, totals = data["triage"], data["totals"]
    assert triage["calls"] >= 1 and triage["model"] == "claude-haiku-4-5"
    assert sum(r["triage_pairs"] for r in data["topics"]) > data["distinct_papers"]  # shared papers: pairs > papers
    assert totals["calls"] == triage["calls"] + sum(r["calls"] for r in data["topics"])
    assert abs(totals["usd_streamed"] - sum(r["usd_streamed"] for r in data["topics"])) < 1e-3
    assert 0 < totals["usd_batched"] < totals["usd_streamed"]
    assert all(r["papers"] == 50 and r["usd_streamed"] > 0 for r in data["topics"])
    assert not (tmp_path / "posts").exists() and not (tmp_path / "cache").exists()  # nothing written
    text = CliRunner().invoke(cli, base, env=env)
    assert text.exit_code == 0 and "of which triage (shared)" in text.stdout
    assert text.stdout.splitlines()[-1].startswith("total")


def test_the_estimate_matches_the_run_and_is_zero_for_pairs_scored_before(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    expected = estimate_series(job(tmp_path / "posts"), settings=settings(), prompts_dir=PROMPTS, cache_dir=cache)
    with FakeClaude() as fake:
        drafter, triage = claude(fake, cache, batch=False)
        run_series(job(tmp_path / "posts"), drafter=drafter, triage=triage, site=None)
        sent = fake.calls("series_triage")
        assert len(sent) == expected["triage"]["calls"]
        texts = [b["text"] for c in sent if c.body for b in [*c.body["system"], *c.body["messages"][0]["content"]]]
        actual_in = sum(len(t) for t in texts) / 4
        assert 0.8 < expected["triage"]["input_tokens"] / actual_in < 1.25
    after = estimate_series(job(tmp_path / "posts"), settings=settings(), prompts_dir=PROMPTS, cache_dir=cache)
    assert after["triage"]["calls"] == 0 and after["triage"]["usd_streamed"] == 0
    assert after["triage"]["note"].startswith("series triage: 0 (paper, topic) pairs")


def test_backfill_series_forwards_to_the_series_command(tmp_path: Path) -> None:
    base = ["--estimate", "--json", "--corpus", str(SAMPLE_YEAR), "--topics", str(TOPICS), "--prompts-dir",
            str(PROMPTS), "--posts-dir", str(tmp_path / "posts")]  # fmt: skip
    env = {"ANTHROPIC_API_KEY": None, "ANTHROPIC_BASE_URL": "http://127.0.0.1:9", "DIGEST_NO_DOTENV": "1",
           "DIGEST_CACHE_DIR": str(tmp_path / "cache")}  # fmt: skip
    series = CliRunner().invoke(cli, ["series", *base, "--topic", "03,12"], env=env)
    backfill = CliRunner().invoke(cli, ["backfill", "--series", *base, "--topic", "03,12"], env=env)
    assert series.exit_code == backfill.exit_code == 0, backfill.output
    assert json.loads(backfill.stdout) == json.loads(series.stdout)
    assert [r["topic"] for r in json.loads(series.stdout)["topics"]] == ["03 - Agents & Tool Use",
                                                                          "12 - Vision-Language Models"]  # fmt: skip
    refused = CliRunner().invoke(cli, ["backfill", "--series", *base, "--pin", "2605.00001"], env=env)
    assert refused.exit_code == 1 and "backfill --series takes no --date, --kind, --force, --pin" in refused.stderr
    missing = CliRunner().invoke(cli, ["backfill", *base], env=env)
    assert missing.exit_code == 1 and "Error: backfill needs --topic" in missing.stderr
