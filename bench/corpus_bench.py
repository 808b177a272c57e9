"""Ingest + select on a 100,000-paper listing JSONL and a 1,000,000-record arXiv snapshot file.

Each measurement runs in a fresh child process so its peak RSS is its own.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .table import Row

ROOT = Path(__file__).resolve().parents[1]
WEEK = ROOT / "tests" / "data" / "real" / "arxiv-week-2026-05-18"  # shipped: tests/data/real/README.md
SAMPLE = ROOT / "samples" / "arxiv-week-2026-05-18"
WORK = Path("/tmp/digest-publisher-bench")

_CHILD = """
import json, resource, sys, time
from datetime import date
from pathlib import Path
from digest_publisher.selection import select_corpus
from digest_publisher.topics import load_topics
topic = load_topics(Path(sys.argv[2])).get("07")
t0 = time.perf_counter()
sel = select_corpus([Path(sys.argv[1])], topic, None, None, allow_empty=True)
seconds = time.perf_counter() - t0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the largest reader process
print(json.dumps({"seconds": seconds, "rss_mb": rss, "worker_mb": workers, "records": sel.records,
                  "selected": len(sel.papers)}))
"""


def _source_files() -> list[Path]:
    base = WEEK if WEEK.exists() else SAMPLE
    return sorted(base.glob("*.jsonl"))


def _ensure(path: Path, kind: str, n: int) -> Path:
    from .synth import write_synthetic_listing, write_synthetic_snapshot

    marker = path.with_suffix(".done")
    if path.exists() and marker.exists() and marker.read_text() == str(n):
        return path
    WORK.mkdir(parents=True, exist_ok=True)
    writer = write_synthetic_listing if kind == "listing" else write_synthetic_snapshot
    writer(path, n, _source_files())
    marker.write_text(str(n))
    return path


def run() -> list[Row]:
    rows: list[Row] = []
    cases = [
        ("listing", 100_000, WORK / "listing-100k.jsonl", 10.0),
        ("snapshot", 1_000_000, WORK / "snapshot-1m.jsonl", 60.0),
    ]
    for kind, n, path, target in cases:
        _ensure(path, kind, n)
        size_mb = path.stat().st_size / 1e6
        out = subprocess.run(
            [sys.executable, "-c", _CHILD, str(path), str(ROOT / "topics.toml")],
            capture_output=True, text=True, check=True,
        )
        data = json.loads(out.stdout)
        peak = max(data["rss_mb"], data["worker_mb"])
        workers = ""
        if data["worker_mb"]:
            workers = f" (main {data['rss_mb']:.0f} MB, largest reader {data['worker_mb']:.0f} MB)"
        rows.append(Row(
            f"ingest+select {kind} {n:,} records ({size_mb:,.0f} MB)",
            f"{data['seconds']:.1f} s, peak {peak:.0f} MB{workers}, {data['selected']:,} selected",
            f"< {target:.0f} s, < 500 MB",
            ok=data["seconds"] < target and peak < 500,
        ))
    return rows
