"""Render throughput, and HTTP requests + wall time of publishing against the local WordPress."""

from __future__ import annotations

import tempfile
from pathlib import Path

from digest_publisher.render import check_residue, render_post

from .publish_measure import measure_publishing, measure_republish_pass
from .sample import make_benchmark_post, measure_render
from .table import Row
from .wp import start_wordpress, stop_wordpress


def run_render() -> list[Row]:
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = make_benchmark_post(Path(tmp))
        words = len(folder.source.body.split())
        for content_format in ("blocks", "classic"):
            rate = measure_render(folder, content_format=content_format, repeat=40)
            rows.append(Row(f"render {content_format}: {words:,}-word post, 60 citations", f"{rate:.0f} posts/s",
                            ">= 100 posts/s", ok=rate >= 100))
        rate = measure_render(folder, repeat=10, cold_card=True)
        rows.append(Row("render blocks, featured card redrawn each time", f"{rate:.0f} posts/s", "-"))
    return rows


def run_publish() -> list[Row]:
    settings = start_wordpress()
    rows: list[Row] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = make_benchmark_post(Path(tmp))
            rendered = render_post(folder)
            for result in measure_publishing(rendered, settings, Path(tmp) / "posts", residue_check=check_residue):
                target = {"first publish (REST)": "<= 6 requests", "unchanged re-publish (REST)": "reads only"}
                rows.append(Row(
                    f"publish: {result['case']}",
                    f"{result['requests']} requests, {result['seconds']:.2f} s ({result['action']})",
                    target.get(result["case"], "-"),
                    ok=(result["requests"] <= 6) if result["case"] == "first publish (REST)" else None,
                ))
            # The 100 posts are published once and kept between runs (WordPress keeps them too).
            posts = Path("/tmp/digest-publisher-bench/republish-posts")
            result = measure_republish_pass(settings, posts, n=100)
            rows.append(Row(
                f"republish: {result['case']}",
                f"{result['requests']} requests, {result['seconds']:.2f} s ({result['actions']})",
                "reads only, < 5 s",
                ok=result["seconds"] < 5 and set(result["actions"]) <= {"unchanged"},
            ))
    finally:
        stop_wordpress()
    return rows
