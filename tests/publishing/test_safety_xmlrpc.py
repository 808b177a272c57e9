"""Issue 11: `status` and `history` work on a site whose REST API is turned off, with `--transport
xmlrpc` (the real CLI, the real WordPress, REST blocked by a must-use plugin as security plugins do)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.publishing.pubhelpers import Lab, LabUser
from tests.republish.rephelpers import env_for, retitle, run_cli, write_source

pytestmark = pytest.mark.wordpress

BLOCK_REST = (
    "add_filter('rest_authentication_errors', function ($r) { return new WP_Error("
    "'rest_cannot_access', 'Only authenticated users can access the REST API.', array('status' => 401)); });"
)


def test_status_and_history_over_xmlrpc_when_rest_is_off(
    wp_lab: Lab, user: LabUser, role: str, mu_plugin: Callable[[str, str], None], tmp_path: Path, token: str
) -> None:
    posts = tmp_path / "posts"
    slug = f"xr-status-{role}-{token}"
    write_source(posts, slug, title="First title")
    env = env_for(wp_lab, user, posts)
    first = run_cli(env, "publish", slug, "--transport", "xmlrpc", "--status", "publish")
    assert first.exit_code == 0, first.output
    post_id = int(first.stdout.split()[2])
    retitle(posts / slug, "Second title")
    assert run_cli(env, "publish", slug, "--transport", "xmlrpc", "--status", "publish").exit_code == 0
    mu_plugin("block-rest", BLOCK_REST)

    over_rest = run_cli(env, "status", "--json")
    status = run_cli(env, "status", "--transport", "xmlrpc", "--json")
    history = run_cli(env, "history", slug, "--transport", "xmlrpc", "--json")

    assert over_rest.exit_code == 1 and "rest_cannot_access" in json.loads(over_rest.stdout)["error"]
    assert status.exit_code == 0, status.output
    (row,) = json.loads(status.stdout)["posts"]
    assert (row["slug"], row["wordpress_id"], row["status"]) == (slug, post_id, "publish")
    assert (row["local"], row["remote"]) == ("same", "same")
    assert row["link"] and row["link"].startswith(wp_lab.url.rstrip("/"))
    assert history.exit_code == 0, history.output
    shown = json.loads(history.stdout)
    assert shown["wordpress_id"] == post_id and shown["requests"] >= 1
    assert [r["title"] for r in shown["revisions"]][:1] == ["Second title"]
    assert all(isinstance(r["id"], int) and r["id"] > 0 for r in shown["revisions"])
    text = run_cli(env, "history", slug, "--transport", "xmlrpc").stdout
    assert f"{slug}: post {post_id} (publish)" in text and "Second title" in text
