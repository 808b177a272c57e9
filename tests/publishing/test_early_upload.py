"""A first publish's image upload starts before the reads (``media.EarlyUpload``): when a check then refuses the
post, nothing stays written (the upload deleted again, or refused by WordPress), and no record is left.

The case of a user who may not create the post's category (the upload then went through and is deleted) is
``test_publish_rest.test_author_who_cannot_create_a_category_fails_before_anything_is_written``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from digest_publisher.errors import WordPressError
from digest_publisher.publishing.publish import publish_post
from digest_publisher.wordpress.site import Site
from tests.publishing.pubhelpers import Lab, Rest, image_sha, make_post, settings_for

pytestmark = pytest.mark.wordpress


def test_a_user_who_may_not_upload_is_refused_and_nothing_stays(
    wp_lab: Lab, admin_rest: Rest, token: str, tmp_path: Path, mu_plugin: Callable[[str, str], None]
) -> None:
    # The role itself without the capability (users/me then says so, and WordPress refuses the upload); a
    # filter of the roles option, so the site's stored roles stay as they are.
    mu_plugin(
        "no-uploads-for-authors",
        "add_filter('option_' . $GLOBALS['wpdb']->prefix . 'user_roles', function ($roles) {"
        " unset($roles['author']['capabilities']['upload_files']); return $roles; });",
    )
    post = make_post(f"noupload-{token}", image_seed=token)

    with pytest.raises(WordPressError) as caught:
        publish_post(post, tmp_path, Site(settings_for(wp_lab, wp_lab.author)))

    assert "lacks the capability 'upload_files'" in caught.value.message
    assert "nothing was written" in caught.value.message
    assert admin_rest.get(f"media?search={image_sha(post)}") == []
    assert admin_rest.get(f"posts?slug=noupload-{token}&status=any") == []
    assert not (tmp_path / "record.json").exists()  # the upload's intent settled: WordPress refused it


def test_an_admin_first_publish_keeps_the_early_upload(
    wp_lab: Lab, admin_rest: Rest, token: str, tmp_path: Path
) -> None:
    post = make_post(f"early-{token}", image_seed=token)
    report = publish_post(post, tmp_path, Site(settings_for(wp_lab, wp_lab.admin)))
    assert report.outcome.action == "created"
    held = admin_rest.get(f"media?search={image_sha(post)}")
    assert [item["id"] for item in held] == [admin_rest.get(f"posts/{report.outcome.post_id}")["featured_media"]]
    assert held[0]["post"] == report.outcome.post_id  # attached to its post
