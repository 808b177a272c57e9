"""The series on the site at the size of the real job (issue 21, point 5): every topic of topics.toml drafted
over the real year by the built-in drafter (``$DIGEST_BENCH_YEAR``, README "Benchmarks"), then published as a
series with its index page on the benchmarks' own WordPress (bench/wp.py):

1. all topics but the last: every post created, footers linking each other, the index page created;
2. the same again, nothing changed: reads only (target);
3. the last topic added: it is created, the page updated in place and each sibling updated once (target).

Drafting is not measured here (the year rows measure it); each row gives the requests and the wall time of the
series publisher alone. Without ``$DIGEST_BENCH_YEAR`` the section prints one row saying so.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import requests

from digest_publisher.models import RenderedPost
from digest_publisher.pipeline import render_for_site
from digest_publisher.publishing.series_site import SeriesMember, SeriesSiteReport, publish_series_site
from digest_publisher.topics import load_topics
from digest_publisher.wordpress.connection_settings import WordPressSettings
from digest_publisher.wordpress.site import Site

from .table import Row
from .wp import ROOT, start_wordpress, stop_wordpress

TOPICS = ROOT / "topics.toml"
SERIES = "Frontier AI Research Digest"


def run() -> list[Row]:
    year = os.environ.get("DIGEST_BENCH_YEAR", "")
    if not year or not Path(year).is_dir():
        return [Row("series site (issue 21)", "skipped: set DIGEST_BENCH_YEAR to the year's folder", "-")]
    numbers = sorted(t.number for t in load_topics(TOPICS))
    with tempfile.TemporaryDirectory(prefix="digest-bench-series-") as work:
        posts = Path(work) / "posts"
        started = time.perf_counter()
        members = [_draft(number, Path(year), posts) for number in numbers]
        drafted = time.perf_counter() - started
        settings = start_wordpress()
        try:
            version = Site(settings, posts).markup_version(refresh=True)
            first = _publish(members[:-1], settings, posts, version)
            again = _publish(members[:-1], settings, posts, version)
            added = _publish(members, settings, posts, version)
        finally:
            _remove(posts, settings)  # the next run starts from an empty series again
            stop_wordpress()
    papers = sum(m.discussed for m in members)
    size = f"{len(members) - 1} topics of the year, {papers - members[-1].discussed:,} papers discussed"
    rows = [Row(f"series site: drafting {len(members)} topics of the year (built-in, not counted below)",
                f"{drafted:.0f} s", "-")]  # fmt: skip
    rows.append(Row(f"series site: first run ({size})", _measured(first), "every post + 1 page created",
                    ok=first.ok and {m.action for m in first.members} == {"created"}
                    and first.page.action == "created"))  # fmt: skip
    unchanged = again.ok and {m.action for m in again.members} == {"unchanged"} and again.page.action == "unchanged"
    rows.append(Row("series site: rerun, nothing changed", _measured(again), "reads only", ok=unchanged))
    expected = ["updated"] * (len(members) - 1) + ["created"]
    grown = added.ok and [m.action for m in added.members] == expected and added.page.action == "updated"
    rows.append(Row(f"series site: topic {members[-1].topic_number} added", _measured(added),
                    "page updated in place, each sibling once", ok=grown))  # fmt: skip
    return rows


def _draft(number: str, year: Path, posts: Path) -> SeriesMember:
    """One topic's backfill of the whole year, drafted by the real CLI as a user runs it."""
    done = subprocess.run(
        [sys.executable, "-m", "digest_publisher", "draft", "--topic", number, "--kind", "backfill",
         "--corpus", str(year), "--drafter", "builtin", "--topics", str(TOPICS), "--posts-dir", str(posts), "--json"],
        capture_output=True, text=True, check=True, cwd=ROOT, env={**os.environ, "DIGEST_NO_DOTENV": "1"},
    )  # fmt: skip
    report = json.loads(done.stdout)
    name = str(report["topic"]).split(" - ", 1)[-1]
    return SeriesMember(number, name, Path(report["folder"]), date.fromisoformat(report["window"]["from"]),
                        date.fromisoformat(report["window"]["to"]), int(report["curation"]["discussed"]))  # fmt: skip


def _publish(
    members: list[SeriesMember], settings: WordPressSettings, posts: Path, version: str | None
) -> SeriesSiteReport:
    def render(folder: Path) -> RenderedPost:
        return render_for_site(folder, topics_path=TOPICS, site_url=settings.site_url, wp_version=version,
                               cache="use")[1]  # fmt: skip

    return publish_series_site(members, series=SERIES, posts_dir=posts, site=Site(settings), render=render,
                               wp_version=version)  # fmt: skip


def _remove(posts: Path, settings: WordPressSettings) -> None:
    auth = (settings.username, settings.app_password)
    for record in [*posts.glob("*/record.json"), *posts.glob(".series/*/record.json")]:
        ident = json.loads(record.read_text(encoding="utf-8")).get("wordpress_id")
        kind = "pages" if record.parent.parent.name == ".series" else "posts"
        if ident:
            requests.delete(f"{settings.site_url}/?rest_route=/wp/v2/{kind}/{ident}&force=true", auth=auth, timeout=30)


def _measured(report: SeriesSiteReport) -> str:
    actions = ", ".join(f"{m.topic_number} {m.action}" for m in report.members) + f", page {report.page.action}"
    return f"{report.requests} requests, {report.seconds:.2f} s ({actions})"
