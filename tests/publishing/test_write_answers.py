"""The answers to a publish's writes ask WordPress for only what is read from them (``_fields`` on the POSTs:
WordPress then runs no content filter for ``content.rendered``), and still hold everything the verification,
the edit fingerprint and the record read, on every WordPress version tested (real lab, admin and author).

The media route is the trap: it builds ``caption`` and ``description`` whole and leaves them out for a nested
name (``caption.raw``), so the upload asks for the top-level names; the test reads what the verification reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from digest_publisher.publishing.publish import publish_post
from digest_publisher.wordpress.client import ApiResponse, WordPressClient
from digest_publisher.wordpress.media import MEDIA_MARKER
from digest_publisher.wordpress.posts import LISTING_FIELDS, rest_fingerprint
from digest_publisher.wordpress.site import Site
from tests.publishing.pubhelpers import Lab, LabUser, Rest, image_sha, make_post, settings_for

pytestmark = pytest.mark.wordpress


def _capture_writes(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, Mapping[str, Any], Any]]:
    """Every POST the client sends: (route, label, params, the answer's JSON)."""
    seen: list[tuple[str, str, Mapping[str, Any], Any]] = []
    original = WordPressClient.request

    def request(self: WordPressClient, method: str, route: str, **kwargs: Any) -> ApiResponse:
        answer = original(self, method, route, **kwargs)
        if method == "POST":
            seen.append((route, str(kwargs.get("label")), dict(kwargs.get("params") or {}), answer.data))
        return answer

    monkeypatch.setattr(WordPressClient, "request", request)
    return seen


def test_the_answers_to_a_publishs_writes_hold_what_is_read_and_no_rendered_content(
    wp_lab: Lab, user: LabUser, role: str, admin_rest: Rest, token: str, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    seen = _capture_writes(monkeypatch)
    slug = f"fields-{role}-{token}"
    post = make_post(slug, tags=(f"f-{token}",), image_seed=token)

    first = publish_post(post, tmp_path, Site(settings_for(wp_lab, user)))

    assert first.outcome.action == "created"
    post_id = first.outcome.post_id
    writes = {route: (params, data) for route, _, params, data in seen}
    params, created = writes["wp/v2/posts"]
    assert params == {"_fields": LISTING_FIELDS}
    assert sorted(created) == sorted({name.split(".")[0] for name in LISTING_FIELDS.split(",")})
    # WordPress honoured _fields on the POST: no rendered content (its content filters did not run for it) ...
    assert created["content"] == {"raw": post.content} and list(created["title"]) == ["raw"]
    # ... and the fingerprint the record keeps from this answer is the whole post's, read back in full.
    whole = admin_rest.get(f"posts/{post_id}?context=edit")
    assert "rendered" in whole["content"]
    assert rest_fingerprint(created) == rest_fingerprint(whole)

    upload_params, uploaded = writes["wp/v2/media"]
    assert "_fields" in upload_params
    assert uploaded["caption"]["raw"] == "Frontier AI Research Digest"
    assert f"{MEDIA_MARKER}{image_sha(post)}" in uploaded["description"]["raw"]
    assert uploaded["alt_text"] == f"Card for {slug}" and uploaded["media_type"] == "image"
    assert "media_details" not in uploaded  # only what was asked for
    assert writes[f"wp/v2/media/{uploaded['id']}"] == ({"_fields": "id,post"}, {"id": uploaded["id"], "post": post_id})

    # An update's answer is trimmed the same way, and the record's baseline still matches the whole post:
    # publishing it again unchanged finds no edit made in WordPress.
    seen.clear()
    second = publish_post(make_post(slug, title="Retitled", tags=(f"f-{token}",), image_seed=token), tmp_path,
                          Site(settings_for(wp_lab, user)))  # fmt: skip
    assert second.outcome.action == "updated"
    ((_, _, params, updated),) = [w for w in seen if w[0] == f"wp/v2/posts/{post_id}"]
    assert params == {"_fields": LISTING_FIELDS} and "rendered" not in updated["content"]
    assert rest_fingerprint(updated) == rest_fingerprint(admin_rest.get(f"posts/{post_id}?context=edit"))
    third = publish_post(make_post(slug, title="Retitled", tags=(f"f-{token}",), image_seed=token), tmp_path,
                         Site(settings_for(wp_lab, user)))  # fmt: skip
    assert third.outcome.action == "unchanged"
