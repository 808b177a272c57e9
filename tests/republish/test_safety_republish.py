"""Issue 11: republish refuses what would put wrong content live or hide a failure from cron (the real
CLI against the real WordPress, as admin and as author)."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from tests.publishing.pubhelpers import Lab, LabUser
from tests.republish.rephelpers import Site, env_for, retitle, run_cli, write_source

pytestmark = pytest.mark.wordpress


def _user(lab: Lab, role: str) -> LabUser:
    return lab.admin if role == "admin" else lab.author


def _publish(env: dict[str, str], slug: str) -> int:
    result = run_cli(env, "publish", slug, "--status", "publish")
    assert result.exit_code == 0, result.output
    return int(result.stdout.split()[2])


@pytest.mark.parametrize("role", ["admin", "author"])
def test_to_revision_refuses_a_revision_of_another_post(
    wp_lab: Lab, site: Site, posts: Path, token: str, role: str
) -> None:
    env = env_for(wp_lab, _user(wp_lab, role), posts)
    a, b = f"rev-a-{token}", f"rev-b-{token}"
    write_source(posts, a, title="Title of A")
    write_source(posts, b, title="Title of B")
    id_a, id_b = _publish(env, a), _publish(env, b)
    retitle(posts / b, "Second title of B")
    assert run_cli(env, "republish", b).exit_code == 0
    revision_of_b = site.revisions(id_b)[0]["id"]
    before = site.get(f"posts/{id_a}?context=edit")

    result = run_cli(env, "republish", a, "--to-revision", str(revision_of_b), "--json")

    report = json.loads(result.stdout)
    assert result.exit_code == 1 and report["exit_code"] == 1
    (row,) = report["posts"]
    assert row["action"] == "failed"
    # WordPress 6.1 serves any revision under any post's route, so the parent check is ours and names the
    # owner; 6.8 refuses it itself (404), and the message says the post has no such revision.
    assert (
        f"revision {revision_of_b} belongs to WordPress post {id_b}, not to post {a!r}" in row["message"]
        or f"has no revision {revision_of_b}" in row["message"]
    )
    if wp_lab.wp_version == "6.1":
        assert f"belongs to WordPress post {id_b}" in row["message"]
    assert f"digest-publisher history {a}" in row["message"]
    after = site.get(f"posts/{id_a}?context=edit")
    assert after["title"]["raw"] == "Title of A"
    assert (after["modified_gmt"], after["content"]["raw"]) == (before["modified_gmt"], before["content"]["raw"])


def test_a_record_of_another_site_fails_the_run_and_rebind_site_binds_it(
    wp_lab: Lab, site: Site, posts: Path, env: dict[str, str], token: str
) -> None:
    slug = f"moved-{token}"
    write_source(posts, slug, title="Before the move")
    post_id = _publish(env, slug)
    old_site = "http://old-name.example"
    record_path = posts / slug / "record.json"
    record = json.loads(record_path.read_text(encoding="utf-8"))
    record_path.write_text(json.dumps({**record, "site_url": old_site}), encoding="utf-8")
    retitle(posts / slug, "After the move")

    quiet = run_cli(env, "republish", "--all", "--quiet")
    result = run_cli(env, "republish", "--all", "--json")

    assert quiet.exit_code == 1 and f"{slug}: OTHER-SITE" in quiet.stdout
    report = json.loads(result.stdout)
    assert result.exit_code == 1 and report["exit_code"] == 1
    (row,) = report["posts"]
    assert row["action"] == "other-site" and row["ok"] is False
    assert f"`digest-publisher republish --all --rebind-site {old_site}`" in row["message"]
    assert site.get(f"posts/{post_id}?context=edit")["title"]["raw"] == "Before the move"

    rebound = run_cli(env, "republish", "--all", "--rebind-site", old_site + "/", "--json")

    report = json.loads(rebound.stdout)
    assert rebound.exit_code == 0, rebound.output
    assert [(p["slug"], p["action"], p["wordpress_id"]) for p in report["posts"]] == [(slug, "updated", post_id)]
    assert site.get(f"posts/{post_id}?context=edit")["title"]["raw"] == "After the move"
    saved = json.loads(record_path.read_text(encoding="utf-8"))
    assert saved["site_url"] == wp_lab.url.rstrip("/")
    assert any(f"rebound from {old_site} to {wp_lab.url.rstrip('/')}" in line for line in saved["history"])
    again = run_cli(env, "republish", "--all", "--json")
    assert again.exit_code == 0 and json.loads(again.stdout)["posts"][0]["action"] == "unchanged"
    usage = run_cli(env, "republish", "--all", "--rebind-site", old_site, "--dry-run")
    assert usage.exit_code == 2 and "without --dry-run" in usage.output


def _closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"  # nothing listens there once the probe is closed


def test_with_wordpress_down_json_still_prints_one_object(
    wp_lab: Lab, posts: Path, env: dict[str, str], token: str
) -> None:
    slug = f"down-{token}"
    write_source(posts, slug)
    post_id = _publish(env, slug)
    down = _closed_port_url()
    record_path = posts / slug / "record.json"
    record = json.loads(record_path.read_text(encoding="utf-8"))
    record_path.write_text(json.dumps({**record, "site_url": down, "rest_root": None}), encoding="utf-8")
    down_env = {**env, "WORDPRESS_URL": down}

    republished = run_cli(down_env, "republish", "--all", "--json")
    status = run_cli(down_env, "status", "--json")
    restore = run_cli(down_env, "republish", slug, "--to-revision", "1", "--json")
    checked = run_cli(down_env, "history", slug, "--json")

    report = json.loads(republished.stdout)
    assert republished.exit_code == 1 and report["exit_code"] == 1
    (row,) = report["posts"]
    assert (row["slug"], row["action"], row["wordpress_id"]) == (slug, "failed", post_id)
    assert "cannot connect" in row["message"] and down in row["message"]
    shown = json.loads(status.stdout)
    assert status.exit_code == 1 and shown["exit_code"] == 1 and down in shown["error"]
    (status_row,) = shown["posts"]
    assert status_row["slug"] == slug and status_row["remote"].startswith("error: ")
    assert restore.exit_code == 1 and json.loads(restore.stdout)["posts"][0]["action"] == "failed"
    history = json.loads(checked.stdout)
    assert checked.exit_code == 1 and history["exit_code"] == 1 and down in history["error"]


@pytest.mark.parametrize("role", ["admin", "author"])
def test_a_second_posts_folder_never_takes_over_the_first_folders_post(
    wp_lab: Lab, site: Site, tmp_path: Path, token: str, role: str
) -> None:
    user = _user(wp_lab, role)
    first, second = tmp_path / "first", tmp_path / "second"
    slug = f"twin-{token}"
    write_source(first, slug)
    write_source(second, slug)  # the same post.md, in another posts folder (status draft in post.md)
    first_env, second_env = env_for(wp_lab, user, first), env_for(wp_lab, user, second)
    post_id = _publish(first_env, slug)
    before = site.get(f"posts/{post_id}?context=edit")

    taken = run_cli(second_env, "publish", slug)

    assert taken.exit_code == 1
    assert f"a WordPress post on {wp_lab.url.rstrip('/')} has the slug {slug!r}" in taken.stderr
    assert "belongs to another record" in taken.stderr and f"publish {slug} --adopt" in taken.stderr
    after = site.get(f"posts/{post_id}?context=edit")
    assert (after["status"], after["modified_gmt"]) == ("publish", before["modified_gmt"])
    assert [p["id"] for p in site.posts_by_slug(slug)] == [post_id]
    assert not (second / slug / "record.json").exists() or "wordpress_id\": null" in (
        second / slug / "record.json"
    ).read_text(encoding="utf-8")
    assert run_cli(first_env, "republish", "--all").exit_code == 0  # the first folder still owns it

    adopted = run_cli(second_env, "publish", slug, "--adopt", "--status", "publish")

    assert adopted.exit_code == 0, adopted.output
    # An administrator's adoption sends nothing (WordPress holds exactly this version); an author's goes
    # through a verified draft first (no unfiltered_html), then back to publish.
    assert adopted.stdout.split()[:3] == ["verified" if role == "admin" else "updated", "post", str(post_id)]
    assert site.get(f"posts/{post_id}?context=edit")["status"] == "publish"
    assert json.loads((second / slug / "record.json").read_text(encoding="utf-8"))["wordpress_id"] == post_id
