"""The command line loads a command's module only when the command runs; its ``--help`` lists every
command with the first line of its own docstring."""

from __future__ import annotations

import ast
import subprocess
import sys

import click
from click.testing import CliRunner

from digest_publisher.cli import COMMANDS, cli


def test_every_listed_summary_is_the_command_s_own_first_docstring_line() -> None:
    for name, (_, _, summary) in COMMANDS.items():
        command = cli.get_command(click.Context(cli), name)
        assert command is not None and command.name == name
        assert (command.help or "").strip().splitlines()[0] == summary, name


def test_help_lists_every_command() -> None:
    result = CliRunner().invoke(cli, ["--help"], env={"DIGEST_NO_DOTENV": "1"})
    assert result.exit_code == 0, result.output
    listed = [line.split()[0] for line in result.output.split("Commands:")[1].splitlines() if line.strip()]
    assert listed == list(COMMANDS)


def test_help_imports_no_stage() -> None:
    """``digest-publisher --help`` loads click and the CLI package only: no drafting, rendering, HTTP, settings or
    the options the commands share."""
    code = (
        "import sys\n"
        "from digest_publisher.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('digest_publisher') or m in ('requests', 'PIL')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env={"DIGEST_NO_DOTENV": "1", "PATH": "/usr/bin:/bin"})  # fmt: skip
    loaded = ast.literal_eval(done.stdout.strip().splitlines()[-1])
    assert loaded == ["digest_publisher", "digest_publisher.cli", "digest_publisher.errors"]
