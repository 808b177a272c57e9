"""Options used by more than one command are declared once (cli/_common.py), with one date parser; the
arXiv endpoint is read through config.py."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from digest_publisher import config
from digest_publisher.cli import COMMANDS, cli
from digest_publisher.cli._common import DATE
from tests.paths import REPO_ROOT

SAMPLE = REPO_ROOT / "samples" / "arxiv-week-2026-05-18"
SHARED = ("--topic", "--from", "--to", "--kind", "--format", "--corpus")


def _commands() -> dict[str, click.Command]:
    found: dict[str, click.Command] = {}
    for name in COMMANDS:
        command = cli.get_command(click.Context(cli), name)
        assert command is not None
        if isinstance(command, click.Group):
            found.update({f"{name} {sub}": cmd for sub, cmd in command.commands.items()})
        else:
            found[name] = command
    return found


def _option(command: click.Command, flag: str) -> click.Option | None:
    return next((p for p in command.params if isinstance(p, click.Option) and flag in p.opts), None)


def test_each_shared_option_is_the_same_everywhere() -> None:
    """Same name, type, choices and help wherever a shared option appears (apart from the default it names)."""
    for flag in SHARED:
        seen = {name: _option(cmd, flag) for name, cmd in _commands().items()}
        used = {name: opt for name, opt in seen.items() if opt is not None}
        assert len(used) >= 2, flag
        shapes = {(o.name, type(o.type).__name__, tuple(getattr(o.type, "choices", ()))) for o in used.values()}
        # --format is two options, each declared once: the corpus format (draft, backfill, series,
        # corpus select and stats) and the content format (render, preview).
        assert len(shapes) == (2 if flag == "--format" else 1), (flag, shapes)
        if flag in ("--from", "--to"):
            assert all(o.type is DATE for o in used.values())
            assert all("YYYY-MM-DD or YYYYMMDD" in (o.help or "") for o in used.values())
        if flag == "--format":
            corpus = {name for name, o in used.items() if o.name == "fmt"}
            assert corpus == {"draft", "backfill", "series", "corpus select", "corpus stats"}, corpus


@pytest.mark.parametrize("given", ["2026-05-18", "20260518"])
def test_one_date_parser_for_every_command(given: str) -> None:
    runner = CliRunner()
    stats = runner.invoke(cli, ["corpus", "stats", str(SAMPLE), "--topic", "07", "--from", given, "--to", "2026-05-22",
                                "--json"], env={"DIGEST_NO_DOTENV": "1"})  # fmt: skip
    assert stats.exit_code == 0, stats.output
    assert json.loads(stats.stdout)["date_from"] == "2026-05-18"
    # draft parses it the same way (stopped later, by a date window with nothing in it)
    assert DATE.convert(given, None, None) == date(2026, 5, 18)


@pytest.mark.parametrize("given", ["18/05/2026", "2026-5-18", "202605180", "2026-13-01", "20261301", "may"])
def test_other_forms_are_refused_with_the_forms_that_work(given: str, tmp_path: Path) -> None:
    runner = CliRunner()
    for args in (["corpus", "stats", str(SAMPLE)], ["draft", "--topic", "07", "--corpus", str(SAMPLE),
                                                    "--drafter", "builtin", "--posts-dir", str(tmp_path)]):
        done = runner.invoke(cli, [*args, "--from", given], env={"DIGEST_NO_DOTENV": "1"})
        assert done.exit_code == 2, done.output
        assert f"{given!r} is not a date; use YYYY-MM-DD or YYYYMMDD" in done.output
    assert not any(tmp_path.iterdir())


def test_the_arxiv_endpoint_comes_through_config() -> None:
    assert config.arxiv_api_url(None, {}) is None  # the fetcher's default: arXiv's own API
    assert config.arxiv_api_url(None, {"ARXIV_API_URL": " http://127.0.0.1:9/api "}) == "http://127.0.0.1:9/api"
    assert config.arxiv_api_url("http://x/api", {"ARXIV_API_URL": "http://y/api"}) == "http://x/api"
    assert "ARXIV_API_URL" in (REPO_ROOT / ".env.example").read_text(encoding="utf-8")


def test_every_variable_the_settings_read_is_listed_in_env_example() -> None:
    """config.py (and the WordPress settings it builds) read the environment; .env.example names each variable,
    so a user finds every setting in one place. Fails when a variable is read but not listed."""
    read: set[str] = set()
    for source in ("digest_publisher/config.py", "digest_publisher/wordpress/connection_settings.py"):
        read |= set(re.findall(r'"([A-Z][A-Z0-9]*_[A-Z0-9_]+)"', (REPO_ROOT / source).read_text(encoding="utf-8")))
    read |= {"HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY"}  # config.http_proxy builds these names
    listed = (REPO_ROOT / ".env.example").read_text(encoding="utf-8")
    assert {"REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "WORDPRESS_URL"} <= read
    assert sorted(name for name in read if name not in listed) == []
