"""Start-up: the wall time of ``digest-publisher --help`` as a process (median of 5), beside the same
interpreter doing nothing (``python -c pass``, its floor: start-up and ``site``), the package modules it
loads, and the machine's load average while measuring (wall times on a shared machine move with it)."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from .table import Row

TARGET_S = 0.15
RUNS = 5


def _median_wall(command: list[str]) -> float:
    walls = []
    for _ in range(RUNS):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True, env={"DIGEST_NO_DOTENV": "1"})
        walls.append(time.perf_counter() - started)
    return statistics.median(walls)


def run() -> list[Row]:
    exe = str(Path(sys.executable).with_name("digest-publisher"))
    load_before = os.getloadavg()[0]
    wall = _median_wall([exe, "--help"])
    floor = _median_wall([sys.executable, "-c", "pass"])
    load = max(load_before, os.getloadavg()[0])
    code = (
        "import sys\nfrom digest_publisher.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sum(m.startswith('digest_publisher') for m in sys.modules), file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env={"DIGEST_NO_DOTENV": "1"})  # fmt: skip
    modules = done.stderr.strip()
    return [
        Row(
            f"start-up: digest-publisher --help (process, median of {RUNS})",
            f"{wall * 1000:.0f} ms (python -c pass: {floor * 1000:.0f} ms), {modules} package modules loaded, "
            f"load average {load:.1f} on {os.cpu_count()} cores",
            f"< {TARGET_S * 1000:.0f} ms",
            ok=wall < TARGET_S,
        )
    ]
