"""`digest-publisher draft` through the real CLI group: drafter choice, --json, errors, secrets."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from digest_publisher.cli import cli
from tests.fake_claude import FakeClaude

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "arxiv-week-2026-05-18"
KEY = "sk-ant-cli-SECRET-987"


@pytest.fixture()
def fake() -> Iterator[FakeClaude]:
    with FakeClaude(min_cache_tokens=200) as server:
        yield server


def draft(tmp_path: Path, *args: str, env: dict[str, str | None] | None = None) -> tuple[int, str, str]:
    base = ["draft", "--topic", "07", "--corpus", str(SAMPLE), "--topics", str(ROOT / "topics.toml"),
            "--prompts-dir", str(ROOT / "prompts"), "--posts-dir", str(tmp_path / "posts"),
            "--cache-dir", str(tmp_path / "cache")]
    environment: dict[str, str | None] = {"ANTHROPIC_API_KEY": None, "ANTHROPIC_BASE_URL": None,
                                          "DIGEST_NO_DOTENV": "1", **(env or {})}
    result = CliRunner().invoke(cli, [*base, *args], env=environment)
    return result.exit_code, result.stdout, result.stderr


def test_builtin_is_the_default_without_a_key(tmp_path: Path) -> None:
    code, out, err = draft(tmp_path, "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["slug"] == "backfill-07-rl-post-training" and report["drafter"] == "builtin"
    assert "Drafter: built-in drafter" in err and "no ANTHROPIC_API_KEY" in err
    assert "written by the builtin drafter" in err
    # Curation: a backfill discusses 50 of the topic's 65 candidates; every candidate has a decision.
    assert report["selection"]["selected"] == report["curation"]["candidates"] == 65
    assert report["papers"]["in"] == report["curation"]["discussed"] == 50
    assert len(report["curation"]["decisions"]) == 65
    saved = json.loads((tmp_path / "posts" / report["slug"] / "draft-report.json").read_text())
    assert saved == report


def test_brief_kind_and_window_options(tmp_path: Path) -> None:
    code, out, err = draft(tmp_path, "--kind", "brief", "--from", "2026-05-19", "--to", "2026-05-21")
    assert code == 0, err
    assert out.strip() == "brief-07-rl-post-training-2026-05-21"
    text = (tmp_path / "posts" / out.strip() / "post.md").read_text()
    assert "| Window | 2026-05-19 to 2026-05-21 |" in text


def test_claude_is_the_default_with_a_key(tmp_path: Path, fake: FakeClaude) -> None:
    env: dict[str, str | None] = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": fake.base_url}
    code, out, err = draft(tmp_path, "--json", env=env)
    assert code == 0, err
    report = json.loads(out)
    assert report["drafter"] == "claude" and report["totals"]["calls"] == len(fake.calls()) > 0
    assert ("Drafter: Claude (claude-sonnet-4-6; cards: excerpts of the abstracts, by claude-haiku-4-5 past "
            "100,000 tokens)") in err
    assert "(ANTHROPIC_API_KEY is set)" in err
    assert KEY not in out and KEY not in err
    assert KEY not in (tmp_path / "posts" / report["slug"] / "post.md").read_text()
    # The same command again is answered from the cache.
    code, out, _ = draft(tmp_path, "--json", env=env)
    assert code == 0 and json.loads(out)["totals"]["calls"] == 0


def test_claude_without_a_key_is_a_clear_error(tmp_path: Path) -> None:
    code, _, err = draft(tmp_path, "--drafter", "claude")
    assert code == 1
    assert "Error: the Claude drafter needs an API key and none was found. Set ANTHROPIC_API_KEY" in err


def test_claude_failure_is_translated(tmp_path: Path, fake: FakeClaude) -> None:
    fake.fail("*", "529", times=1000)  # more than every retry of every call
    env: dict[str, str | None] = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": fake.base_url}
    code, _, err = draft(tmp_path, "--drafter", "claude", "--model", "claude-haiku-4-5", env=env)
    assert code == 1
    assert "Error: Claude API at" in err and "HTTP 529 (overloaded_error)" in err and KEY not in err
    assert not (tmp_path / "posts").exists()


def test_bad_date_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = draft(tmp_path, "--from", "May 18")
    assert code == 2 and "'May 18' is not a date; use YYYY-MM-DD" in err
