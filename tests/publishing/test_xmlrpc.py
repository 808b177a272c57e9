"""The XML-RPC transport against the real WordPress: same post, terms by name, image, status, once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from digest_publisher.errors import WordPressError
from digest_publisher.publishing.publish import publish_post
from digest_publisher.records.record import load_record
from digest_publisher.wordpress.site import Site
from tests.publishing.pubhelpers import Lab, LabUser, Rest, image_sha, make_post, settings_for

pytestmark = pytest.mark.wordpress


def test_xmlrpc_first_publish_then_unchanged(
    wp_lab: Lab, user: LabUser, role: str, admin_rest: Rest, token: str, tmp_path: Path
) -> None:
    category = f"XR {token}"
    admin_rest.post("categories", {"name": category})
    if role == "author":  # over XML-RPC, authors cannot create tags either (REST lets them)
        admin_rest.post("tags", {"name": f"xr-{token}"})
    post = make_post(f"xr-{role}-{token}", categories=(category,), tags=(f"xr-{token}",), image_seed=token)
    settings = settings_for(wp_lab, user)

    first = publish_post(post, tmp_path, Site(settings), transport="xmlrpc")

    assert first.outcome.action == "created" and first.outcome.transport == "xmlrpc"
    remote = admin_rest.get(f"posts/{first.outcome.post_id}?context=edit")
    assert remote["slug"] == post.slug and remote["status"] == "draft" and remote["author"] == user.id
    assert [c["name"] for c in admin_rest.get(f"categories?post={remote['id']}")] == [category]
    assert [t["name"] for t in admin_rest.get(f"tags?post={remote['id']}")] == [f"xr-{token}"]
    media = admin_rest.get(f"media/{remote['featured_media']}?context=edit")
    assert media["caption"]["raw"] == "Frontier AI Research Digest"
    assert any("alt text" in note for note in first.outcome.notes)  # XML-RPC cannot set it: said so

    again = publish_post(post, tmp_path, Site(settings), transport="xmlrpc")
    assert again.outcome.action == "unchanged"
    assert admin_rest.get(f"posts/{remote['id']}?context=edit")["modified_gmt"] == remote["modified_gmt"]

    # The same image later over REST: found by its hash, not uploaded again.
    rest = publish_post(make_post(f"xr-rest-{role}-{token}", image_seed=token), tmp_path / "rest", Site(settings))
    assert admin_rest.get(f"posts/{rest.outcome.post_id}")["featured_media"] == remote["featured_media"]


def test_xmlrpc_scheduled_post_reads_back_as_future(wp_lab: Lab, admin_rest: Rest, token: str, tmp_path: Path) -> None:
    when = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    post = make_post(f"xr-sched-{token}", status="future", date_gmt=when.strftime("%Y-%m-%dT%H:%M:%SZ"))

    report = publish_post(post, tmp_path, Site(settings_for(wp_lab, wp_lab.admin)), transport="xmlrpc")

    assert report.outcome.status == "future"  # XML-RPC itself says 'publish' for scheduled posts
    assert admin_rest.get(f"posts/{report.outcome.post_id}?context=edit")["status"] == "future"
    record = load_record(tmp_path)
    assert record is not None and record.status == "future"


def test_xmlrpc_author_cannot_create_category_fails_before_writing(
    wp_lab: Lab, admin_rest: Rest, token: str, tmp_path: Path
) -> None:
    post = make_post(f"xr-nocat-{token}", categories=(f"XR new {token}",), image_seed=token)

    with pytest.raises(WordPressError, match="may not create categories or tags"):
        publish_post(post, tmp_path, Site(settings_for(wp_lab, wp_lab.author)), transport="xmlrpc")

    assert admin_rest.get(f"posts?slug=xr-nocat-{token}&status=any") == []
    assert admin_rest.get(f"media?search={image_sha(post)}") == []


def test_xmlrpc_wrong_password(wp_lab: Lab, token: str, tmp_path: Path) -> None:
    settings = settings_for(wp_lab, wp_lab.admin, app_password="zzzz yyyy xxxx wwww vvvv uuuu")

    with pytest.raises(WordPressError) as caught:
        publish_post(make_post(f"xr-bad-{token}"), tmp_path, Site(settings), transport="xmlrpc")

    assert caught.value.code == "xmlrpc_bad_credentials" and "zzzz" not in str(caught.value)
