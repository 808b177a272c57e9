"""The silent failures of WordPress (notes/wordpress.md s. 7) and the permalink modes, caught for real."""

from __future__ import annotations

from pathlib import Path

import pytest

from digest_publisher.errors import WordPressError
from digest_publisher.publishing.publish import publish_post
from digest_publisher.records.record import load_record
from digest_publisher.wordpress.client import WordPressClient
from digest_publisher.wordpress.posts import verify_post_response
from digest_publisher.wordpress.site import Site
from tests.publishing.pubhelpers import Lab, Rest, make_post, settings_for

pytestmark = pytest.mark.wordpress


def _body(slug: str, **changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "title": "Silent",
        "content": "<p>x</p>",
        "excerpt": "e",
        "status": "draft",
        "slug": slug,
        "categories": [],
        "tags": [],
        "featured_media": 0,
    }
    body.update(changes)
    return body


def test_unknown_category_and_bad_featured_media_are_accepted_by_wordpress_and_caught(
    wp_lab: Lab, admin_rest: Rest, token: str
) -> None:
    client = WordPressClient(settings_for(wp_lab, wp_lab.admin))
    body = _body(f"silent-{token}", categories=[999999], tags=[999998], featured_media=999997)

    created = client.post("wp/v2/posts", body)

    assert created.status == 201  # WordPress says yes...
    with pytest.raises(WordPressError) as caught:
        verify_post_response(body, created.data, "draft", created.url)
    message = str(caught.value)
    assert "categories are [], sent [999999]" in message
    assert "tags are [], sent [999998]" in message
    assert "featured_media is 0, sent 999997" in message


def test_update_with_unknown_category_clears_categories_and_is_caught(
    wp_lab: Lab, admin_rest: Rest, token: str
) -> None:
    category = admin_rest.post("categories", {"name": f"Kept {token}"})
    post = admin_rest.post("posts", _body(f"clears-{token}", categories=[category["id"]]))
    client = WordPressClient(settings_for(wp_lab, wp_lab.admin))
    body = _body(f"clears-{token}", categories=[999999])

    updated = client.post(f"wp/v2/posts/{post['id']}", body, idempotent=True)

    assert updated.status == 200 and updated.data["categories"] == []
    with pytest.raises(WordPressError, match=r"categories are \[\], sent \[999999\]"):
        verify_post_response(body, updated.data, "draft", updated.url)


def test_wrong_password_passes_a_public_get_but_publish_stops_before_writing(
    wp_lab: Lab, admin_rest: Rest, token: str, tmp_path: Path
) -> None:
    settings = settings_for(wp_lab, wp_lab.admin, app_password="abcd efgh ijkl mnop qrst uvwx")
    client = WordPressClient(settings)
    assert client.get("wp/v2/posts").status == 200  # the trap: served as anonymous

    with pytest.raises(WordPressError) as caught:
        publish_post(make_post(f"badpw-{token}", image_seed=token), tmp_path, Site(settings))

    assert caught.value.status == 401 and caught.value.code == "rest_not_logged_in"
    assert "users/me" in str(caught.value) and "WORDPRESS_APP_PASSWORD" in str(caught.value)
    assert "abcd efgh" not in str(caught.value)
    assert admin_rest.get(f"posts?slug=badpw-{token}&status=any") == []
    assert not (tmp_path / "record.json").exists()


@pytest.mark.parametrize(
    ("mode", "root_part", "link_part"),
    [
        ("plain", "rest_route=", "?p="),
        ("index", "/index.php/wp-json/", "/index.php/"),
    ],
)
def test_publish_works_in_each_permalink_mode(
    wp_lab: Lab,
    wp_permalinks: object,
    admin_rest: Rest,
    token: str,
    tmp_path: Path,
    mode: str,
    root_part: str,
    link_part: str,
) -> None:
    wp_permalinks(mode)  # type: ignore[operator]
    post = make_post(f"mode-{mode}-{token}", status="publish", tags=(f"m-{token}",), image_seed=token)

    report = publish_post(post, tmp_path, Site(settings_for(wp_lab, wp_lab.author)))

    assert report.outcome.action == "created" and report.outcome.status == "publish"
    record = load_record(tmp_path)
    assert record is not None and record.rest_root is not None and root_part in record.rest_root
    assert record.link is not None and link_part in record.link
    assert post.featured_image is not None
    featured = admin_rest.get(f"posts/{report.outcome.post_id}")["featured_media"]
    assert featured == record.media[post.featured_image.sha256]
    again = publish_post(post, tmp_path, Site(settings_for(wp_lab, wp_lab.author)))
    assert again.outcome.action == "unchanged" and again.requests == 1


def test_plain_permalinks_answer_wp_json_with_html_and_the_client_refuses_it(
    wp_lab: Lab, wp_permalinks: object, admin_rest: Rest, token: str
) -> None:
    wp_permalinks("plain")  # type: ignore[operator]
    client = WordPressClient(
        settings_for(wp_lab, wp_lab.admin), rest_root=wp_lab.url.rstrip("/") + "/wp-json/", rediscover=False
    )

    with pytest.raises(WordPressError, match="not JSON") as caught:
        client.post("wp/v2/posts", _body(f"html-{token}"))

    assert caught.value.status == 200
    assert admin_rest.get(f"posts?slug=html-{token}&status=any") == []


def test_a_remembered_rest_root_that_stopped_working_is_discovered_again(
    wp_lab: Lab, wp_permalinks: object, admin_rest: Rest, token: str, tmp_path: Path
) -> None:
    settings = settings_for(wp_lab, wp_lab.admin)
    first = publish_post(make_post(f"stale-{token}"), tmp_path, Site(settings))
    record = load_record(tmp_path)
    assert record is not None and record.rest_root is not None and "/wp-json/" in record.rest_root
    wp_permalinks("plain")  # type: ignore[operator]

    second = publish_post(make_post(f"stale-{token}", title="Changed after the switch"), tmp_path, Site(settings))

    assert second.outcome.action == "updated" and second.outcome.post_id == first.outcome.post_id
    record = load_record(tmp_path)
    assert record is not None and record.rest_root is not None and "rest_route=" in record.rest_root
    assert admin_rest.get(f"posts/{first.outcome.post_id}?context=edit")["title"]["raw"] == "Changed after the switch"
