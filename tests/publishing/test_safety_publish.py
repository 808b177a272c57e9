"""Issue 11: nothing unverified goes live. As an author (no unfiltered_html) WordPress's kses filter may
change what is sent; the post is verified as a draft before it goes public, a public post is tried as an
autosave before it is updated, and the error names what kses changed (the real CLI, the real WordPress)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from tests.publishing.pubhelpers import Lab
from tests.republish.rephelpers import Site, env_for, record_of, run_cli, write_source

pytestmark = pytest.mark.wordpress

ENTITY_TEXT = "the text &amp;#x61; stays as written"  # kses stores "&#x61;": a reader would see "a"


@pytest.fixture
def site(wp_lab: Lab) -> Site:
    return Site(wp_lab, wp_lab.admin)


def _anonymous(site: Site, post_id: int) -> int:
    return requests.get(site.url(f"posts/{post_id}"), timeout=20).status_code


def test_author_post_that_kses_changes_never_goes_public(
    wp_lab: Lab, site: Site, tmp_path: Path, token: str
) -> None:
    posts = tmp_path / "posts"
    slug = f"kses-{token}"
    write_source(posts, slug, detail=ENTITY_TEXT)
    env = env_for(wp_lab, wp_lab.author, posts)

    first = run_cli(env, "publish", slug, "--status", "publish")
    again = run_cli(env, "publish", slug, "--status", "publish")

    for result in (first, again):
        assert result.exit_code == 1
        assert "WordPress's HTML filter (kses" in result.stderr and "unfiltered_html" in result.stderr
        assert "&amp;#x61;" in result.stderr and "&#x61;" in result.stderr  # what was sent, what was kept
        assert "script filtering" not in result.stderr
        assert "it stays an unpublished draft" in result.stderr
    post_id = record_of(posts / slug)["wordpress_id"]
    stored = site.get(f"posts/{post_id}?context=edit")
    assert stored["status"] == "draft" and "&#x61;" in stored["content"]["raw"]
    assert _anonymous(site, post_id) in (401, 403, 404)
    assert [p["id"] for p in site.posts_by_slug(slug)] == [post_id]

    # An administrator (unfiltered_html) stores the same text as sent: published at once.
    admin_posts = tmp_path / "admin-posts"
    write_source(admin_posts, slug + "-admin", detail=ENTITY_TEXT)
    admin = run_cli(env_for(wp_lab, wp_lab.admin, admin_posts), "publish", slug + "-admin", "--status", "publish")
    assert admin.exit_code == 0, admin.output
    admin_post = site.get(f"posts/{int(admin.stdout.split()[2])}?context=edit")
    assert admin_post["status"] == "publish" and "&amp;#x61;" in admin_post["content"]["raw"]


@pytest.mark.parametrize("role", ["admin", "author"])
def test_a_clean_post_goes_public_once_verified_and_stays_in_step(
    wp_lab: Lab, site: Site, tmp_path: Path, token: str, role: str
) -> None:
    posts = tmp_path / "posts"
    slug = f"clean-{role}-{token}"
    write_source(posts, slug)
    env = env_for(wp_lab, wp_lab.admin if role == "admin" else wp_lab.author, posts)

    published = run_cli(env, "publish", slug, "--status", "publish")

    assert published.exit_code == 0, published.output
    post_id = int(published.stdout.split()[2])
    assert site.get(f"posts/{post_id}?context=edit")["status"] == "publish"
    assert _anonymous(site, post_id) == 200
    record = record_of(posts / slug)
    assert record["status"] == "publish" and record["link"] == site.get(f"posts/{post_id}")["link"]
    staged = "verified before it went publish" in published.stderr
    assert staged is (role == "author")  # administrators have unfiltered_html: sent as is
    report = json.loads(run_cli(env, "republish", "--all", "--json").stdout)
    assert [(p["action"], p["status"]) for p in report["posts"]] == [("unchanged", "publish")]
    status = json.loads(run_cli(env, "status", "--json").stdout)
    assert status["posts"][0]["remote"] == "same"


def test_an_author_update_that_kses_changes_leaves_the_public_post_as_it_was(
    wp_lab: Lab, site: Site, tmp_path: Path, token: str
) -> None:
    posts = tmp_path / "posts"
    slug = f"kses-live-{token}"
    write_source(posts, slug)
    env = env_for(wp_lab, wp_lab.author, posts)
    published = run_cli(env, "publish", slug, "--status", "publish")
    assert published.exit_code == 0, published.output
    post_id = int(published.stdout.split()[2])
    before = site.get(f"posts/{post_id}?context=edit")
    write_source(posts, slug, detail=ENTITY_TEXT)

    result = run_cli(env, "republish", slug, "--json")

    (row,) = json.loads(result.stdout)["posts"]
    assert result.exit_code == 1 and row["action"] == "failed"
    assert "WordPress's HTML filter (kses" in row["message"] and "&amp;#x61;" in row["message"]
    assert "nothing was sent: the published version stays as it was" in row["message"]
    after = site.get(f"posts/{post_id}?context=edit")
    assert after["status"] == "publish" and after["content"]["raw"] == before["content"]["raw"]
    assert _anonymous(site, post_id) == 200
