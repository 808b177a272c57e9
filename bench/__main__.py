"""`make bench`: every benchmark of the project, printed as one table."""

from __future__ import annotations

import sys

from . import (
    corpus_bench,
    curation_bench,
    drafting_bench,
    publish_vs_baseline,
    render_publish_bench,
    series_bench,
    series_site_bench,
    startup_bench,
    topic_recall,
    year_bench,
)
from .table import Row, render_table


def main() -> int:
    rows: list[Row] = []
    sections = [
        ("startup", startup_bench.run),
        ("corpus", corpus_bench.run),
        ("year", year_bench.run),
        ("topics", topic_recall.run),
        ("render", render_publish_bench.run_render),
        ("publishing", render_publish_bench.run_publish),
        ("baseline", publish_vs_baseline.run),
        ("drafting", drafting_bench.run),
        ("year", curation_bench.run),
        ("series", series_bench.run),
        ("series", series_site_bench.run),
    ]
    only = set(sys.argv[1:])
    sections = [s for s in sections if not only or s[0] in only]
    for name, run in sections:
        print(f"running {name} benchmarks ...", file=sys.stderr, flush=True)
        rows.extend(run())
    print(render_table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
