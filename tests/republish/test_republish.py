"""`republish` and `history` through the real CLI against the real WordPress.

Unchanged posts cost one read and no write; each change makes exactly one revision; edits made in
WordPress are refused (and kept in a copy with --force); older revisions come back as new ones; a
scheduled post WP-Cron missed gets published.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bench.publish_measure import measure_republish_pass
from tests.publishing.pubhelpers import Lab, secrets_of, settings_for
from tests.republish.rephelpers import (
    Site,
    record_of,
    retitle,
    run_cli,
    sql,
    write_source,
)

pytestmark = pytest.mark.wordpress


def _publish(env: dict[str, str], slug: str, *extra: str) -> int:
    result = run_cli(env, "publish", slug, *extra)
    assert result.exit_code == 0, result.output
    return int(result.stdout.split()[2])


def _republish(env: dict[str, str], *args: str) -> tuple[int, dict[str, Any]]:
    result = run_cli(env, "republish", *args, "--json")
    report = json.loads(result.stdout)
    assert report["exit_code"] == result.exit_code
    return result.exit_code, report


def _actions(report: dict[str, Any]) -> dict[str, str]:
    return {p["slug"]: p["action"] for p in report["posts"]}


def test_unchanged_posts_cost_one_read_and_a_change_makes_exactly_one_revision(
    site: Site, posts: Path, env: dict[str, str], token: str
) -> None:
    a, b = f"rep-a-{token}", f"rep-b-{token}"
    for slug in (a, b):
        write_source(posts, slug)
    ids = {slug: _publish(env, slug) for slug in (a, b)}
    modified = {slug: site.get(f"posts/{i}?context=edit")["modified_gmt"] for slug, i in ids.items()}

    code, report = _republish(env, "--all")

    assert code == 0 and _actions(report) == {a: "unchanged", b: "unchanged"}
    assert report["requests"] == 1  # one listing of both posts, nothing else
    assert {s: site.get(f"posts/{i}?context=edit")["modified_gmt"] for s, i in ids.items()} == modified

    retitle(posts / a, "A sharper title")
    code, report = _republish(env, "--all")

    assert code == 0 and _actions(report) == {a: "updated", b: "unchanged"}
    assert site.get(f"posts/{ids[a]}?context=edit")["title"]["raw"] == "A sharper title"
    assert [r["title"]["raw"] for r in site.revisions(ids[a])] == ["A sharper title"]
    assert site.revisions(ids[b]) == []
    assert record_of(posts / a)["pending"] == []

    code, report = _republish(env, "--all")  # the next cron run: nothing left to do

    assert code == 0 and _actions(report) == {a: "unchanged", b: "unchanged"} and report["requests"] == 1
    assert len(site.revisions(ids[a])) == 1
    quiet = run_cli(env, "republish", "--all", "--quiet")  # what cron mails on a quiet hour: nothing
    assert quiet.exit_code == 0 and quiet.stdout == "" and quiet.stderr == ""


def test_an_edit_in_wordpress_is_refused_the_others_go_on_and_force_keeps_a_copy(
    wp_lab: Lab, site: Site, posts: Path, env: dict[str, str], token: str
) -> None:
    both, local, remote = f"both-{token}", f"local-{token}", f"remote-{token}"
    for slug in (both, local, remote):
        write_source(posts, slug)
    ids = {slug: _publish(env, slug) for slug in (both, local, remote)}
    site.edit(ids[both], title="Fixed by the editor in wp-admin")
    site.edit(ids[remote], excerpt="A hand-written excerpt")
    retitle(posts / both, "Local title, both")
    retitle(posts / local, "Local title, local")

    result = run_cli(env, "republish", "--all")

    assert result.exit_code == 1
    lines = {line.split(":", 1)[0]: line for line in result.stdout.splitlines()}
    assert "REFUSED" in lines[both] and "edited in WordPress" in lines[both]
    assert f"republish {both} --force" in lines[both] and "remote-<time>.json" in lines[both]
    assert lines[local].startswith(f"{local}: updated")
    assert lines[remote].startswith(f"{remote}: unchanged") and "edited in WordPress" in lines[remote]
    assert site.get(f"posts/{ids[both]}?context=edit")["title"]["raw"] == "Fixed by the editor in wp-admin"
    assert site.get(f"posts/{ids[local]}?context=edit")["title"]["raw"] == "Local title, local"
    assert site.get(f"posts/{ids[remote]}?context=edit")["excerpt"]["raw"] == "A hand-written excerpt"

    forced = run_cli(env, "republish", both, "--force")

    assert forced.exit_code == 0 and forced.stdout.startswith(f"{both}: updated")
    (copy,) = (posts / both).glob("remote-*.json")
    assert json.loads(copy.read_text(encoding="utf-8"))["title"]["raw"] == "Fixed by the editor in wp-admin"
    assert site.get(f"posts/{ids[both]}?context=edit")["title"]["raw"] == "Local title, both"
    assert any(copy.name in line for line in record_of(posts / both)["history"])
    # The editor's version is also a WordPress revision: nothing was lost.
    assert [r["title"]["raw"] for r in site.revisions(ids[both])] == [
        "Local title, both",
        "Fixed by the editor in wp-admin",
    ]
    written = [p.read_bytes().decode("utf-8", "replace") for p in posts.rglob("*") if p.is_file()]
    for secret in secrets_of(wp_lab):
        assert all(secret not in text for text in [result.output, forced.output, *written]), "a credential leaked"


def test_history_shows_the_revisions_and_to_revision_restores_one_as_a_new_revision(
    site: Site, posts: Path, env: dict[str, str], token: str
) -> None:
    slug = f"hist-{token}"
    write_source(posts, slug, title="First title")
    post_id = _publish(env, slug)
    for title in ("Second title", "Third title"):
        retitle(posts / slug, title)
        assert _republish(env, slug)[0] == 0

    shown = run_cli(env, "history", slug, "--json")

    history = json.loads(shown.stdout)
    assert history["wordpress_id"] == post_id
    assert [r["title"] for r in history["revisions"]] == ["Third title", "Second title"]
    assert history["revisions"][0]["changed"] == ["title"]
    assert [line.split()[1] for line in history["local"]] == ["created", "verified"] + ["updated", "verified"] * 2
    second = history["revisions"][1]["id"]

    restored = run_cli(env, "republish", slug, "--to-revision", str(second))

    assert restored.exit_code == 0 and f"revision {second} is the current version again" in restored.stdout
    assert site.get(f"posts/{post_id}?context=edit")["title"]["raw"] == "Second title"
    revisions = site.revisions(post_id)
    assert len(revisions) == 3 and revisions[0]["title"]["raw"] == "Second title"
    # The restore sticks: post.md did not change, so the next cron run leaves it alone.
    code, report = _republish(env, "--all")
    assert code == 0 and _actions(report) == {slug: "unchanged"}
    text = run_cli(env, "history", slug).stdout
    assert f"restored revision {second}" in text and f"#{revisions[0]['id']}" in text

    missing = run_cli(env, "republish", slug, "--to-revision", "999999")
    assert missing.exit_code == 1 and "has no revision 999999" in missing.stdout
    assert f"digest-publisher history {slug}" in missing.stdout


def test_a_scheduled_post_that_wordpress_missed_gets_published(
    wp_lab: Lab, site: Site, posts: Path, env: dict[str, str], token: str
) -> None:
    slug = f"missed-{token}"
    write_source(posts, slug)
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    post_id = _publish(env, slug, "--status", "future", "--date", tomorrow)
    # WP-Cron only runs when somebody loads a page: simulate a site nobody visited at the scheduled time.
    past = (datetime.now(UTC) - timedelta(hours=2)).strftime("%Y-%m-%d %H:%M:%S")
    sql(wp_lab, f"UPDATE wp_posts SET post_date_gmt='{past}', post_date='{past}' WHERE ID={post_id}")  # noqa: S608
    assert site.get(f"posts/{post_id}?context=edit")["status"] == "future"

    code, report = _republish(env, "--all")

    (entry,) = report["posts"]
    assert code == 0 and entry["action"] == "published" and entry["status"] == "publish"
    remote = site.get(f"posts/{post_id}?context=edit")
    assert remote["status"] == "publish" and remote["date_gmt"] == past.replace(" ", "T")
    # Only the status was sent: the content is untouched. (WordPress saves a first revision on a post's
    # first update, whatever changed, so there may be one, identical to the post.)
    assert [(r["title"]["raw"], r["content"]["raw"]) for r in site.revisions(post_id)] in (
        [],
        [(remote["title"]["raw"], remote["content"]["raw"])],
    )
    assert record_of(posts / slug)["status"] == "publish"
    code, report = _republish(env, "--all")
    assert code == 0 and _actions(report) == {slug: "unchanged"} and report["requests"] == 1


def test_dry_run_says_what_it_would_do_and_writes_nothing(
    site: Site, posts: Path, env: dict[str, str], token: str
) -> None:
    slug = f"dry-{token}"
    write_source(posts, slug)
    post_id = _publish(env, slug)
    retitle(posts / slug, "Not yet")
    files = {p: p.read_bytes() for p in (posts / slug).iterdir() if p.is_file()}

    code, report = _republish(env, "--all", "--dry-run")

    assert code == 0 and report["dry_run"] and _actions(report) == {slug: "would-update"}
    assert {p: p.read_bytes() for p in (posts / slug).iterdir() if p.is_file()} == files
    assert site.get(f"posts/{post_id}?context=edit")["title"]["raw"] != "Not yet"
    assert site.revisions(post_id) == []


def test_measure_republish_pass_reads_once_for_all_unchanged_posts(wp_lab: Lab, tmp_path: Path) -> None:
    settings = settings_for(wp_lab, wp_lab.admin, max_wait=0.01)

    first = measure_republish_pass(settings, tmp_path / "bench", n=3)
    again = measure_republish_pass(settings, tmp_path / "bench", n=3)

    for row in (first, again):
        assert row["actions"] == {"unchanged": 3} and row["exit_code"] == 0
        assert row["requests"] == 1 and row["seconds"] > 0
