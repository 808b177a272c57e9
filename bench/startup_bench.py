"""Start-up: the wall time of ``digest-publisher --help`` as a process (median of 5), and the package
modules it loads."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

from .table import Row

TARGET_S = 0.15


def run() -> list[Row]:
    exe = str(Path(sys.executable).with_name("digest-publisher"))
    walls = []
    for _ in range(5):
        started = time.perf_counter()
        subprocess.run([exe, "--help"], capture_output=True, check=True, env={"DIGEST_NO_DOTENV": "1"})
        walls.append(time.perf_counter() - started)
    wall = statistics.median(walls)
    code = "import sys, digest_publisher.cli; print(sum(m.startswith('digest_publisher') for m in sys.modules))"
    modules = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    return [
        Row(
            "start-up: digest-publisher --help (process, median of 5)",
            f"{wall * 1000:.0f} ms, {modules} package modules loaded",
            f"< {TARGET_S * 1000:.0f} ms",
            ok=wall < TARGET_S,
        )
    ]
