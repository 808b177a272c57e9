"""The real CLI on real corpus files: `corpus select` and `corpus stats`, and their bad-input errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from digest_publisher.cli import cli
from tests.paths import REAL_WEEK as WEEK

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "arxiv-week-2026-05-18"
TOPICS = ROOT / "topics.toml"


def run(*args: str) -> tuple[int, str, str]:
    """The real CLI group in-process: exit codes and the error translation are the real ones."""
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_stats_on_the_sample() -> None:
    code, out, _ = run("corpus", "stats", str(SAMPLE), "--topic", "07", "--topics", str(TOPICS), "--json")
    assert code == 0
    stats = json.loads(out)
    assert set(stats) == {"files", "records", "papers", "duplicates", "selected", "date_from", "date_to", "window"}
    assert stats["files"] == 5
    assert stats["records"] == 120
    assert stats["papers"] == 84
    assert stats["duplicates"] == 36
    # 64 papers drawn from topic 07's selection, plus one of the 20 drawn as not-07 that the rules measured on
    # the year's labelled sample select since (2605.16962, an MLLM agent trained with agentic RL: rightly).
    assert stats["selected"] == 65
    assert stats["date_from"] >= "2026-05-18" and stats["date_to"] <= "2026-05-22"


def _topics_with_window(tmp_path: Path) -> Path:
    """topics.toml with topic 07 given a one-day window (a default for drafting only)."""
    text = TOPICS.read_text(encoding="utf-8").replace(
        'slug = "rl-post-training"\n',
        'slug = "rl-post-training"\nwindow = { from = "2026-05-19", to = "2026-05-19" }\n',
    )
    path = tmp_path / "topics.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_stats_with_a_topic_and_no_dates_applies_no_window_and_says_so(tmp_path: Path) -> None:
    topics = _topics_with_window(tmp_path)
    code, out, err = run("corpus", "stats", str(SAMPLE), "--topic", "07", "--topics", str(topics), "--json")
    assert code == 0, err
    stats = json.loads(out)
    assert stats["selected"] == 65  # the whole week, not the topic's one day
    assert stats["window"]["applied"] == "none" and stats["window"]["from"] is None
    assert "window: none applied (the whole corpus, 2026-05-18 to 2026-05-22" in err
    assert "topic 07's window in topics.toml (2026-05-19 to 2026-05-19) is a default for drafting only" in err
    # The other direction: dates given are applied, and said.
    code, out, err = run("corpus", "stats", str(SAMPLE), "--topic", "07", "--topics", str(topics), "--json",
                         "--from", "2026-05-19", "--to", "2026-05-19")
    stats = json.loads(out)
    assert code == 0 and 0 < stats["selected"] < 65
    assert stats["window"] == {"from": "2026-05-19", "to": "2026-05-19", "applied": "--from/--to", "detail": "",
                               "said": "window: 2026-05-19 to 2026-05-19 (--from/--to)"}
    assert "window: 2026-05-19 to 2026-05-19 (--from/--to)" in err


def test_select_says_its_window_on_stderr_only(tmp_path: Path) -> None:
    topics = _topics_with_window(tmp_path)
    code, out, err = run("corpus", "select", str(SAMPLE), "--topic", "07", "--topics", str(topics))
    assert code == 0
    assert len(out.splitlines()) == 65 and all(line.startswith("{") for line in out.splitlines())
    assert "window: none applied" in err


def test_select_on_the_real_week_writes_jsonl_with_rules(tmp_path: Path) -> None:
    out = tmp_path / "selected.jsonl"
    code, _, err = run("corpus", "select", str(WEEK), "--topic", "rl-post-training", "--topics", str(TOPICS),
                       "--output", str(out))
    assert code == 0, err
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 89
    ids = {r["id"] for r in rows}
    assert {"2605.18529", "2605.18703", "2605.21630", "2605.19394"} <= ids
    rules = {"method-in-title", "post-training-method", "rl-trained-model", "r1-style-model", "post-training-data"}
    assert {r["matched_rule"] for r in rows} == rules
    assert len(ids) == len(rows)  # de-duplicated


def test_window_that_removes_everything_names_the_date_filter(tmp_path: Path) -> None:
    out = tmp_path / "never.jsonl"
    code, _, err = run("corpus", "select", str(SAMPLE), "--topic", "07", "--topics", str(TOPICS),
                       "--from", "2020-01-01", "--to", "2020-01-31", "--output", str(out))
    assert code == 1
    assert "Error: the date filter (--from/--to 2020-01-01 to 2020-01-31) removed all 84 papers" in err
    assert "2026-05-18 to 2026-05-22" in err
    assert not out.exists()


def test_topic_that_matches_nothing_names_the_topic(tmp_path: Path) -> None:
    topics = tmp_path / "topics.toml"
    topics.write_text(
        '[[topics]]\nnumber = "99"\nname = "Knitting"\nslug = "knitting"\n'
        '[[topics.include]]\nname = "yarn"\nany = ["knitting needle"]\n',
        encoding="utf-8",
    )
    code, _, err = run("corpus", "select", str(SAMPLE), "--topic", "99", "--topics", str(topics))
    assert code == 1
    assert "the topic filter '99 - Knitting' matched none of the 84 papers in the window" in err


def test_unknown_topic_and_missing_topic_option() -> None:
    code, _, err = run("corpus", "select", str(SAMPLE), "--topic", "42", "--topics", str(TOPICS))
    assert code == 1 and "unknown topic '42'" in err
    code, _, err = run("corpus", "select", str(SAMPLE), "--topics", str(TOPICS))
    assert code == 2 and "--topic is required" in err


def test_malformed_line_fails_with_file_and_line_and_no_output(tmp_path: Path) -> None:
    bad = tmp_path / "2026-05-18.jsonl"
    good_line = (SAMPLE / "2026-05-18.jsonl").read_text(encoding="utf-8").splitlines()[0]
    bad.write_text(good_line + "\n{not json\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    code, _, err = run("corpus", "select", str(bad), "--topic", "07", "--topics", str(TOPICS), "--output", str(out))
    assert code == 1
    assert f"{bad}:2" in err
    assert not out.exists()


def test_python_dash_m_entry_point() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "digest_publisher", "corpus", "stats", str(SAMPLE), "--json"],
        capture_output=True, text=True, check=False, cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["papers"] == 84


BAD_INPUTS = {
    # name: (file name, content, expected fragment of the error; {path} is the file)
    "missing title": (
        "2026-05-18.jsonl",
        '{"id": "2605.00001", "title": "", "authors": ["A"], "summary": "x", "categories": ["cs.CL"]}\n',
        "{path}:1: ",
    ),
    "csv without header": (
        "papers.csv", "Attention Is All You Need,Vaswani,We propose\n", "{path}:1: CSV has no header"
    ),
    "unknown format": ("notes.txt", "just some notes\n", "{path}: unknown corpus format"),
    "missing file": ("absent.jsonl", None, "corpus file not found: {path}"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_exits_1_with_file_line_and_no_output(case: str, tmp_path: Path) -> None:
    name, content, expected = BAD_INPUTS[case]
    path = tmp_path / name
    if content is not None:
        path.write_text(content, encoding="utf-8")
    out = tmp_path / "selected.jsonl"
    for command in (["corpus", "select", str(path), "--topic", "07", "--output", str(out)],
                    ["corpus", "stats", str(path), "--json"]):
        code, stdout, err = run(*command, "--topics", str(TOPICS))
        assert code == 1, (case, err)
        assert err.startswith("Error: ") and expected.format(path=path) in err, err
        assert stdout == ""
    assert not out.exists()
    if case == "missing title":
        assert "title" in err


def test_unreadable_file_exits_1() -> None:
    """A file the user may not read: the real CLI exits 1 and says so (as root, in a child run as nobody)."""
    import os
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="dp-unreadable-"))
    folder.chmod(0o755)  # nobody must reach the file to be refused by its own mode
    path = folder / "2026-05-18.jsonl"
    path.write_text((SAMPLE / "2026-05-18.jsonl").read_text(encoding="utf-8"), encoding="utf-8")
    path.chmod(0)
    try:
        if os.geteuid() != 0:
            code, _, err = run("corpus", "stats", str(path), "--json")
        else:
            read_end, write_end = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child: drop to nobody, run the CLI in-process, report through the pipe
                os.close(read_end)
                os.setgid(65534)
                os.setuid(65534)
                child_code, _, child_err = run("corpus", "stats", str(path), "--json")
                os.write(write_end, json.dumps([child_code, child_err]).encode())
                os._exit(0)
            os.close(write_end)
            with os.fdopen(read_end, "rb") as pipe:
                code, err = json.loads(pipe.read())
            os.waitpid(pid, 0)
        assert code == 1, err
        assert f"Error: cannot read corpus file {path}: permission denied" in err
    finally:
        path.unlink()
        folder.rmdir()


def test_unknown_format_option_is_a_usage_error() -> None:
    code, _, err = run("corpus", "stats", str(SAMPLE), "--format", "xlsx")
    assert code == 2 and "'xlsx' is not one of" in err


def test_select_prints_to_stdout_what_it_writes_to_a_file(tmp_path: Path) -> None:
    out = tmp_path / "selected.jsonl"
    args = ["corpus", "select", str(WEEK), "--topic", "07", "--topics", str(TOPICS)]
    code, _, err = run(*args, "--output", str(out))
    assert code == 0, err
    assert "89 papers selected" in err
    code, printed, _ = run(*args)
    assert code == 0
    assert printed == out.read_text(encoding="utf-8")
    dates = [json.loads(line)["submitted"] for line in printed.splitlines()]
    assert len(dates) == 89 and dates == sorted(dates)
