"""A killed `corpus select` leaves its spill folder; the next run removes it. A full disk gives a one-line
error naming the path, never a traceback (issue 20)."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.republish.rephelpers import REPO

SAMPLE = REPO / "samples" / "arxiv-week-2026-05-18"
KILLED_SELECT = (
    "import os, signal, sys\n"
    "from pathlib import Path\n"
    "from digest_publisher.selection import select_corpus\n"
    "selection = select_corpus([Path(sys.argv[1])], None, spill_after=0, workers=1)\n"
    "assert selection.selected\n"
    "os.kill(os.getpid(), signal.SIGKILL)\n"
)


def _spills(tmp: Path) -> list[Path]:
    return sorted(tmp.glob("digest-publisher-selection-*"))


def test_a_killed_selection_s_spill_folder_is_removed_by_the_next_run(tmp_path: Path) -> None:
    """Before issue 20 the folder of a killed `corpus select` stayed in $TMPDIR for good."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp)}
    corpus = str(SAMPLE / "2026-05-18.jsonl")
    killed = subprocess.run([sys.executable, "-c", KILLED_SELECT, corpus], env=env, cwd=REPO, check=False)
    assert killed.returncode == -9
    (left,) = _spills(tmp)
    assert any(left.iterdir())  # the spilled papers of the killed run
    alive = tmp / f"digest-publisher-selection-{os.getpid()}-abcdefgh"  # a running selection's: kept
    alive.mkdir()

    again = subprocess.run(
        [sys.executable, "-m", "digest_publisher", "corpus", "select", corpus, "--topic", "03",
         "--topics", str(REPO / "topics.toml"), "-o", str(tmp_path / "out.jsonl")],
        env={**env, "DIGEST_NO_DOTENV": "1"}, cwd=REPO, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert _spills(tmp) == [alive]


def _no_room() -> None:
    """A file-size limit: every write past 4 KB fails with EFBIG, as writes on a full disk fail (ENOSPC)."""
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def _cli_without_room(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "digest_publisher", *args],
        env={**os.environ, "DIGEST_NO_DOTENV": "1", "TMPDIR": str(tmp_path)}, cwd=REPO, capture_output=True,
        text=True, check=False, preexec_fn=_no_room,
    )


@pytest.mark.parametrize("command", ["draft", "corpus select"])
def test_no_room_to_write_is_one_line_naming_the_path(tmp_path: Path, command: str) -> None:
    """Before issue 20 a full disk gave raw OSError tracebacks."""
    corpus = str(SAMPLE / "2026-05-18.jsonl")
    topics = ["--topics", str(REPO / "topics.toml")]
    posts = tmp_path / "posts"
    if command == "draft":
        args = ["draft", "--topic", "03", "--corpus", corpus, "--from", "2026-05-18", "--to", "2026-05-22",
                "--drafter", "builtin", "--posts-dir", str(posts), *topics]
        where = str(posts)
    else:
        args = ["corpus", "select", corpus, "--topic", "03", *topics, "-o", str(tmp_path / "out.jsonl")]
        where = str(tmp_path / "out.jsonl")
    done = _cli_without_room(tmp_path, *args)
    assert done.returncode == 1, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1 and done.stderr.rstrip().endswith(errors[0]), done.stderr  # one line, the last
    assert "Traceback" not in done.stderr and where in errors[0] and "File too large" in errors[0]
    assert not list(posts.glob("*/post.md"))  # nothing half-written
