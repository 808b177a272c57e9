"""An author over XML-RPC (issue 11, items 2 and 10 on the second transport): a post is never public unless
verified (written as a draft, verified, then published), and a post of another record is refused BEFORE
anything is written to it. Against the real WordPress."""

from __future__ import annotations

from pathlib import Path

import pytest

from digest_publisher.errors import WordPressError
from digest_publisher.publishing.publish import publish_post
from digest_publisher.records.record import load_record
from digest_publisher.wordpress.site import Site
from tests.publishing.pubhelpers import Lab, Rest, make_post, settings_for

pytestmark = pytest.mark.wordpress


def test_an_author_post_that_kses_changes_stays_an_unpublished_draft(
    wp_lab: Lab, admin_rest: Rest, token: str, tmp_path: Path
) -> None:
    slug = f"xr-kses-{token}"
    post = make_post(slug, body=f"Entity &amp;#x61; {token}", status="publish")

    for _ in range(2):  # the same answer on every run, and never public
        with pytest.raises(WordPressError) as caught:
            publish_post(post, tmp_path, Site(settings_for(wp_lab, wp_lab.author)), transport="xmlrpc")
        assert caught.value.code == "kses_changed"
        assert "it stays an unpublished draft" in str(caught.value) and "&amp;#x61;" in str(caught.value)
        posts = admin_rest.get(f"posts?slug={slug}&status=any&context=edit")
        assert [p["status"] for p in posts] == ["draft"]


def test_an_author_post_verified_as_a_draft_then_goes_public(
    wp_lab: Lab, admin_rest: Rest, token: str, tmp_path: Path
) -> None:
    report = publish_post(
        make_post(f"xr-pub-{token}", status="publish"), tmp_path, Site(settings_for(wp_lab, wp_lab.author)),
        transport="xmlrpc",
    )  # fmt: skip

    assert report.outcome.status == "publish"
    assert any("written as a draft and verified" in note for note in report.outcome.notes)
    assert admin_rest.get(f"posts/{report.outcome.post_id}?context=edit")["status"] == "publish"
    record = load_record(tmp_path)
    assert record is not None and record.status == "publish" and record.content_hash


def test_an_author_over_xmlrpc_never_writes_to_a_post_of_another_record(
    wp_lab: Lab, admin_rest: Rest, token: str, tmp_path: Path
) -> None:
    settings = settings_for(wp_lab, wp_lab.author)
    slug = f"xr-own-{token}"
    first = publish_post(make_post(slug), tmp_path / "a", Site(settings), transport="xmlrpc")
    before = admin_rest.get(f"posts/{first.outcome.post_id}?context=edit")

    with pytest.raises(WordPressError) as refused:  # another posts folder, the same post, a new title
        publish_post(make_post(slug, title=f"Taken over {token}"), tmp_path / "b", Site(settings), transport="xmlrpc")

    assert refused.value.code == "post_of_another_record" and "--adopt" in str(refused.value)
    after = admin_rest.get(f"posts/{first.outcome.post_id}?context=edit")
    assert after["title"]["raw"] == before["title"]["raw"] and after["modified_gmt"] == before["modified_gmt"]
