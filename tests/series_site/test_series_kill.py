"""SIGKILL the series publisher at each write of the page (and in the middle of its posts), then run it again: the
site converges to one page and one post per topic, nothing WordPress already holds is written again, and the
records are complete."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from digest_publisher.publishing.series_site import SeriesMember
from tests.paths import REPO_ROOT
from tests.republish.rephelpers import env_for
from tests.series_site.serieshelpers import SiteView
from tests.wp_lab import WordPressLab

pytestmark = [pytest.mark.wordpress, pytest.mark.slow]

Members = Callable[..., list[SeriesMember]]


def run(
    lab: WordPressLab, posts: Path, token: str, members: list[SeriesMember], **env: str
) -> subprocess.CompletedProcess[str]:
    spec = posts.parent / "spec.json"
    spec.write_text(json.dumps({
        "members": [{"topic_number": m.topic_number, "topic_name": m.topic_name, "folder": str(m.folder),
                     "window_from": m.window_from.isoformat(), "window_to": m.window_to.isoformat(),
                     "discussed": m.discussed} for m in members],
        "posts": str(posts), "page_slug": f"series-{token}", "wp_version": lab.wp_version,
    }), "utf-8")  # fmt: skip
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("WORDPRESS_", "DIGEST_"))}
    return subprocess.run(
        [sys.executable, "-m", "tests.series_site.run_series", str(spec)],
        env={**clean, **env_for(lab, lab.admin, posts), **env}, cwd=REPO_ROOT, capture_output=True, text=True,
        timeout=300, check=False,
    )  # fmt: skip


def report_of(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert done.returncode == 0, done.stderr[-2000:]
    data: dict[str, Any] = json.loads(done.stdout)
    return data


@pytest.mark.parametrize("point", ["after-page-create", "after-page-update", "during-record-write#3", "after-create#2"])
def test_a_series_killed_at_each_step_converges_to_one_page_and_one_post_per_topic(
    point: str, wp_lab: WordPressLab, members: Members, posts: Path, token: str
) -> None:
    site = SiteView(wp_lab, wp_lab.admin)
    slug = f"series-{token}"
    record = posts / ".series" / slug / "record.json"
    if point == "after-page-update":  # the page must exist for its update to be killed
        report_of(run(wp_lab, posts, token, members("03", "07")))
        page_revisions = len(site.revisions("pages", site.pages_by_slug(slug)[0]["id"]))

    killed = run(wp_lab, posts, token, members("03", "07", "12"), DIGEST_TEST_KILL_AT=point)

    assert killed.returncode == -9, killed.stderr[-2000:]
    if record.exists():
        json.loads(record.read_text("utf-8"))  # complete JSON, whatever the moment of death
    report = report_of(run(wp_lab, posts, token, members("03", "07", "12")))

    assert report["ok"], report
    (page,) = site.pages_by_slug(slug)  # one page: no second one, no suffixed copy
    saved = json.loads(record.read_text("utf-8"))
    assert saved["wordpress_id"] == page["id"] and saved["pending"] == [] and saved["content_hash"]
    if point == "after-page-create":
        assert report["page"]["action"] == "verified"  # found by its slug holding this content: not sent again
        assert site.revisions("pages", page["id"]) == []
    if point == "after-page-update":
        assert report["page"]["action"] == "verified"  # the killed run's update was its own, not an edit
        assert len(site.revisions("pages", page["id"])) == page_revisions + 1
    for member in report["members"]:
        found = site.get(f"posts?slug={member['slug']},{member['slug']}-2&status=any&context=edit")
        assert [p["id"] for p in found] == [member["wordpress_id"]]  # one post per topic
        assert f'href="{page["link"]}"' in found[0]["content"]["raw"]  # and its footer links the page
    for member in members("03", "07", "12"):
        assert f'href="{next(m["link"] for m in report["members"] if m["topic_number"] == member.topic_number)}"' \
            in page["content"]["raw"]
