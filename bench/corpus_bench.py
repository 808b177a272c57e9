"""Ingest + select on synthetic corpora made of the real week (tests/data/real, shipped in the repo):
a narrow topic (07, the real rate, about 5%), a broad one (about 75%) and no topic (everything).

Each measurement runs in a fresh child process; its memory is sampled as the sum over the child and
its reader processes (what the machine must hold at once), next to each process's own peak. The CPU
seconds (all processes) tell a slow algorithm from a busy machine.
Synthetic files go to ``$DIGEST_BENCH_DIR`` (default /tmp/digest-publisher-bench), made once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from .synth import write_synthetic_listing, write_synthetic_snapshot
from .table import Row

ROOT = Path(__file__).resolve().parents[1]
WEEK = ROOT / "tests" / "data" / "real" / "arxiv-week-2026-05-18"  # shipped: tests/data/real/README.md
WORK = Path(os.environ.get("DIGEST_BENCH_DIR", "/tmp/digest-publisher-bench"))
CORPUS = "real week 2026-05-18 repeated with new ids"

# A topic matching a word most abstracts use: about 75% of the real week's papers.
BROAD_TOPICS = """\
[[topics]]
number = "90"
name = "Broad (bench)"
slug = "broad-bench"
[[topics.include]]
name = "common-words"
any = ["model", "models"]
"""

_CHILD = """
import json, resource, sys, time
from pathlib import Path
from digest_publisher.selection import select_corpus
from digest_publisher.topics import load_topics
topic = load_topics(Path(sys.argv[2])).get(sys.argv[3]) if sys.argv[3] != "-" else None
t0 = time.perf_counter()
with select_corpus([Path(sys.argv[1])], topic, None, None, allow_empty=True) as sel:
    selected = sum(1 for _ in sel.iter_selected())  # every paper, in order, as `corpus select` writes them
    records = sel.records
seconds = time.perf_counter() - t0
own, readers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"seconds": seconds, "main_mb": own.ru_maxrss / 1024,
                  "reader_mb": readers.ru_maxrss / 1024,  # the largest reader process
                  "cpu_s": own.ru_utime + own.ru_stime + readers.ru_utime + readers.ru_stime,
                  "records": records, "selected": selected}))
"""


@dataclass(frozen=True)
class Case:
    kind: str  # listing | snapshot
    records: int
    topic: str  # "07", "90" (broad) or "-" (no topic: everything selected)
    rate: str  # what the topic selects, as the row names it
    target_s: float
    target_mb: float
    target: str


CASES = [
    Case("listing", 100_000, "07", "narrow topic 07", 2.9, 500, "<= 2.9 s (before spilling), < 500 MB"),
    Case("listing", 100_000, "90", "broad topic", 10, 300, "< 10 s, < 300 MB"),
    Case("listing", 300_000, "-", "no topic", float("inf"), 300, "< 300 MB every process"),
    Case("snapshot", 1_000_000, "07", "narrow topic 07", 33.9, 500, "<= 33.9 s (before spilling), < 500 MB"),
    Case("snapshot", 1_000_000, "90", "broad topic", 60, 500, "< 60 s, < 500 MB all processes"),
]


def _ensure(kind: str, n: int) -> Path:
    sources = sorted(WEEK.glob("*.jsonl"))
    if not sources:
        raise SystemExit(f"the real week is missing: no *.jsonl in {WEEK} (it ships with the repository)")
    path = WORK / f"{kind}-{n // 1000}k.jsonl"
    marker = path.with_suffix(".done")
    if path.exists() and marker.exists() and marker.read_text() == str(n):
        return path
    WORK.mkdir(parents=True, exist_ok=True)
    writer = write_synthetic_listing if kind == "listing" else write_synthetic_snapshot
    writer(path, n, sources)
    marker.write_text(str(n))
    return path


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass  # the process has just ended
    return 0


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as handle:
                found.extend(int(child) for child in handle.read().split())
        except OSError:
            continue
    return found


def _sample_tree(pid: int, stop: threading.Event, peak: list[int]) -> None:
    """The largest sum of resident memory over ``pid`` and its child processes, every 20 ms."""
    while not stop.wait(0.02):
        total = _rss_kb(pid) + sum(_rss_kb(child) for child in _children(pid))
        peak[0] = max(peak[0], total)


def _measure(path: Path, topics: Path, topic: str) -> tuple[dict[str, float], float]:
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(path), str(topics), topic],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
    )
    stop, peak = threading.Event(), [0]
    sampler = threading.Thread(target=_sample_tree, args=(child.pid, stop, peak), daemon=True)
    sampler.start()
    out, err = child.communicate()
    stop.set()
    sampler.join()
    if child.returncode:
        raise SystemExit(f"the corpus benchmark failed on {path}:\n{err}")
    data: dict[str, float] = json.loads(out)
    return data, peak[0] / 1024


def run() -> list[Row]:
    WORK.mkdir(parents=True, exist_ok=True)
    topics = WORK / "bench-topics.toml"
    topics.write_text((ROOT / "topics.toml").read_text(encoding="utf-8") + "\n" + BROAD_TOPICS, encoding="utf-8")
    rows: list[Row] = []
    for case in CASES:
        path = _ensure(case.kind, case.records)
        size_mb = path.stat().st_size / 1e6
        data, sampled_mb = _measure(path, topics, case.topic)
        largest = max(data["main_mb"], data["reader_mb"])
        # Sampling can miss a short peak; no process's own peak can exceed what all held at once.
        all_mb = max(sampled_mb, largest)
        rate = 100 * data["selected"] / data["records"]
        readers = f", largest reader {data['reader_mb']:.0f} MB" if data["reader_mb"] else ""
        peak_ok = (largest if case.topic == "-" else all_mb) < case.target_mb
        rows.append(Row(
            f"ingest+select {case.kind} {case.records:,} records ({size_mb:,.0f} MB, {CORPUS}), "
            f"{case.rate}: {rate:.0f}% selected",
            f"{data['seconds']:.1f} s ({data['cpu_s']:.0f} s CPU), peak {all_mb:.0f} MB all processes "
            f"(main {data['main_mb']:.0f} MB{readers}), {data['selected']:,.0f} selected",
            case.target,
            ok=data["seconds"] <= case.target_s and peak_ok,
        ))
    return rows
