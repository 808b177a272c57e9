"""The real year of arXiv listings (issue 17), side by side in one run: the floor (Python's json module
parsing every line of the year's files), `corpus select` of topic 07 over the year, and the built-in
drafter's year-long backfill of topic 07 (selection, curation, drafting: the whole command).

The year's folder comes from ``$DIGEST_BENCH_YEAR`` (e.g. /work/data/arxiv-year-2025-05-2026-05; how to
get it: README "Benchmarks"). Without it the section prints one row saying so. Each measurement is a
fresh child process (the command as a user runs it, imports included; the floor is the parse alone,
in-process); CPU seconds are given beside the wall time, since a busy machine stretches the wall time of
every row alike. The floor and `corpus select` are each run three times, alternately, and the median of
each is compared (one run on a shared machine moved by 2x from one minute to the next); the load average
while measuring is printed with them.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .table import Row

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "digest_publisher"]
RUNS = 3  # the floor and `corpus select`, alternately: medians

_PARSE = """
import json, sys, time
from pathlib import Path
t0 = time.perf_counter()
n = 0
for path in sorted(Path(sys.argv[1]).glob("*.jsonl")):
    with path.open("rb") as handle:
        for line in handle:
            json.loads(line)
            n += 1
print(json.dumps({"seconds": time.perf_counter() - t0, "records": n}))
"""


def _child(args: list[str]) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (the child and its reader processes) and stdout of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, check=False,
                          env={**os.environ, "DIGEST_NO_DOTENV": "1", "ANTHROPIC_API_KEY": ""})  # fmt: skip
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        raise SystemExit(f"the year benchmark failed: {' '.join(args)}\n{done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def run() -> list[Row]:
    year = os.environ.get("DIGEST_BENCH_YEAR", "")
    if not year or not Path(year).is_dir():
        return [Row("year of listings (issue 17)", "skipped: set DIGEST_BENCH_YEAR to the year's folder", "-")]
    folder = Path(year)
    size_mb = sum(p.stat().st_size for p in folder.glob("*.jsonl")) / 1e6
    load = os.getloadavg()[0]
    parses: list[tuple[float, float, float]] = []
    selects: list[tuple[float, float]] = []
    with tempfile.TemporaryDirectory(prefix="digest-bench-year-") as work:
        out_file = Path(work) / "selected.jsonl"
        for _ in range(RUNS):
            parse_wall, parse_cpu, out = _child([sys.executable, "-c", _PARSE, year])
            parses.append((json.loads(out)["seconds"], parse_wall, parse_cpu))
            wall, cpu, _ = _child([*CLI, "corpus", "select", year, "--topic", "07", "--from", "2025-05-01",
                                   "--to", "2026-05-31", "-o", str(out_file)])  # fmt: skip
            selects.append((wall, cpu))
        load = max(load, os.getloadavg()[0])
        records = json.loads(out)["records"]
        floor, parse_wall, parse_cpu = (statistics.median(p[i] for p in parses) for i in range(3))
        wall, cpu = (statistics.median(s[i] for s in selects) for i in range(2))
        rows = [Row(f"json parse floor: json.loads of every line of the year ({records:,} records, {size_mb:.0f} MB)",
                    f"{floor:.2f} s ({parse_wall:.2f} s with interpreter start, {parse_cpu:.1f} s CPU), median of "
                    f"{RUNS}; load average {load:.1f} on {os.cpu_count()} cores", "-")]  # fmt: skip
        selected = sum(1 for _ in out_file.open(encoding="utf-8"))
        # The goal (issue 17) is the command's time against the parse's; its CPU (all its processes) is shown
        # beside it: a busy machine stretches the wall time, and two reader processes spend more CPU than one.
        rows.append(Row(f"corpus select topic 07 over the year ({selected:,} selected; CLI process, median of {RUNS})",
                        f"{wall:.2f} s = {wall / floor:.1f}x the floor ({cpu:.1f} s CPU = {cpu / parse_cpu:.1f}x)",
                        "<= 3x the json parse floor (wall time)", ok=wall <= 3 * floor))  # fmt: skip
        posts = Path(work) / "posts"
        wall, cpu, out = _child([*CLI, "draft", "--topic", "07", "--corpus", year, "--drafter", "builtin",
                                 "--posts-dir", str(posts), "--json"])  # fmt: skip
        report = json.loads(out)
        curation = report["curation"]
        quarters = [q["discussed"] for q in curation["quarters"]]
        shares = ", ".join(f"{100 * n / max(1, sum(quarters)):.0f}%" for n in quarters)
        rows.append(Row(
            f"built-in draft of topic 07's year-long backfill ({curation['candidates']:,} screened, window "
            f"{report['window']['from']} .. {report['window']['to']})",
            f"{wall:.1f} s = {wall / floor:.1f}x the floor ({cpu:.1f} s CPU = {cpu / parse_cpu:.1f}x); "
            f"{report['papers']['covered']} papers discussed; per quarter {shares}",
            "<= 15x the json parse floor; each quarter >= 15%",
            ok=wall <= 15 * floor and min(quarters) >= 0.15 * sum(quarters),
        ))
    return rows
