"""Issue 11: republish refuses what would put wrong content live or hide a failure from cron (the real
CLI against the real WordPress, as admin and as author)."""

from __future__ import annotations

import json
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
    assert f"revision {revision_of_b} belongs to WordPress post {id_b}, not to post {a!r}" in row["message"]
    assert f"digest-publisher history {a}" in row["message"]
    after = site.get(f"posts/{id_a}?context=edit")
    assert after["title"]["raw"] == "Title of A"
    assert (after["modified_gmt"], after["content"]["raw"]) == (before["modified_gmt"], before["content"]["raw"])

