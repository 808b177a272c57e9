"""Uploaded images are attached to their post (issue 11, item 13): the attachment's ``post`` is the post's id
(the media library lists it under the post), on both transports, as admin and as author: for a new post
(attached once the post exists) and for a new image of a post that exists (attached at upload)."""

from __future__ import annotations

from pathlib import Path

import pytest

from digest_publisher.publishing.publish import publish_post
from digest_publisher.wordpress.site import Site
from tests.publishing.pubhelpers import Lab, LabUser, Rest, make_post, settings_for

pytestmark = pytest.mark.wordpress


@pytest.mark.parametrize("transport", ["rest", "xmlrpc"])
def test_the_uploaded_image_is_attached_to_its_post(
    wp_lab: Lab, user: LabUser, role: str, transport: str, admin_rest: Rest, token: str, tmp_path: Path
) -> None:
    settings = settings_for(wp_lab, user)
    slug = f"attach-{transport}-{role}-{token}"

    first = publish_post(make_post(slug, image_seed=f"{token}-1"), tmp_path, Site(settings), transport=transport)

    post_id = first.outcome.post_id
    first_media = admin_rest.get(f"posts/{post_id}?context=edit")["featured_media"]
    assert first_media and admin_rest.get(f"media/{first_media}?context=edit")["post"] == post_id

    second = publish_post(make_post(slug, image_seed=f"{token}-2"), tmp_path, Site(settings), transport=transport)

    assert second.outcome.action == "updated" and second.outcome.post_id == post_id
    second_media = admin_rest.get(f"posts/{post_id}?context=edit")["featured_media"]
    assert second_media not in (0, first_media)
    assert admin_rest.get(f"media/{second_media}?context=edit")["post"] == post_id


def test_an_image_of_another_post_stays_attached_to_that_post(
    wp_lab: Lab, admin_rest: Rest, token: str, tmp_path: Path
) -> None:
    """An attachment has one parent: a second post using the same image leaves it where it is."""
    settings = settings_for(wp_lab, wp_lab.admin)
    first = publish_post(make_post(f"attach-a-{token}", image_seed=token), tmp_path / "a", Site(settings))
    second = publish_post(make_post(f"attach-b-{token}", image_seed=token), tmp_path / "b", Site(settings))

    media = admin_rest.get(f"posts/{second.outcome.post_id}?context=edit")["featured_media"]
    assert media == admin_rest.get(f"posts/{first.outcome.post_id}?context=edit")["featured_media"]
    assert admin_rest.get(f"media/{media}?context=edit")["post"] == first.outcome.post_id
