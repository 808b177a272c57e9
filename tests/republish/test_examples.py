"""The scheduling examples (crontab line, systemd service + timer, GitHub Actions workflow) are well-formed
and all run the same command."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

import yaml

from tests.republish.rephelpers import REPO

EXAMPLES = REPO / "examples"
COMMAND = "digest-publisher republish --all"


def _systemd(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # systemd keys are case-sensitive
    parser.read_string(path.read_text(encoding="utf-8"))
    return parser


def test_the_crontab_line_runs_republish_hourly() -> None:
    lines = [
        line
        for line in (EXAMPLES / "cron" / "crontab").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    (line,) = lines
    minute, hour, day, month, weekday, command = line.split(maxsplit=5)
    assert re.fullmatch(r"\d+", minute) and (hour, day, month, weekday) == ("*", "*", "*", "*")
    assert COMMAND in command


def test_the_systemd_service_and_timer_belong_together() -> None:
    service = _systemd(EXAMPLES / "systemd" / "digest-publisher-republish.service")
    timer = _systemd(EXAMPLES / "systemd" / "digest-publisher-republish.timer")
    assert service["Service"]["Type"] == "oneshot"
    assert COMMAND in service["Service"]["ExecStart"]
    assert service["Service"]["SuccessExitStatus"] == "75"
    assert timer["Timer"]["OnCalendar"] == "hourly" and timer["Install"]["WantedBy"] == "timers.target"


def test_the_github_workflow_is_scheduled_and_treats_a_busy_lock_as_success() -> None:
    workflow = yaml.safe_load((EXAMPLES / "github-actions" / "republish.yml").read_text(encoding="utf-8"))
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as a boolean
    assert triggers["schedule"][0]["cron"].split()[1:] == ["*", "*", "*", "*"]
    steps = workflow["jobs"]["republish"]["steps"]
    run = next(step for step in steps if step.get("id") == "republish")
    assert COMMAND in run["run"] and '"$code" -eq 75' in run["run"]
    assert set(run["env"]) == {"WORDPRESS_URL", "WORDPRESS_USERNAME", "WORDPRESS_APP_PASSWORD"}
    assert not (REPO / ".github" / "workflows" / "republish.yml").exists()  # never runs in this repo
