"""Publishing over REST against the real WordPress: exactly once, verified, as admin and as author."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from digest_publisher.errors import LockError, WordPressError
from digest_publisher.publishing.publish import publish_post
from digest_publisher.records.locks import post_lock
from digest_publisher.records.record import load_record
from digest_publisher.wordpress.site import Site
from tests.publishing.pubhelpers import Lab, LabUser, Rest, image_sha, make_post, settings_for

pytestmark = pytest.mark.wordpress


def test_first_publish_then_unchanged_republish_sends_no_write(
    wp_lab: Lab, user: LabUser, role: str, admin_rest: Rest, token: str, tmp_path: Path
) -> None:
    category = f"Digest {token}"
    admin_rest.post("categories", {"name": category})  # the author may not create it: it must exist
    post = make_post(
        f"first-{role}-{token}",
        categories=(category,),
        tags=(f"rl-{token}", "post-training"),
        image_seed=token,
    )
    settings = settings_for(wp_lab, user)
    seen: list[tuple[str, str]] = []

    first = publish_post(post, tmp_path, Site(settings), residue_check=lambda html, where: seen.append((html, where)))

    assert first.outcome.action == "created"
    remote = admin_rest.get(f"posts/{first.outcome.post_id}?context=edit")
    assert remote["slug"] == post.slug and remote["status"] == "draft"
    assert remote["author"] == user.id
    assert [c["name"] for c in admin_rest.get(f"categories?post={remote['id']}")] == [category]
    assert sorted(t["name"] for t in admin_rest.get(f"tags?post={remote['id']}")) == sorted(post.tags)
    media = admin_rest.get(f"media/{remote['featured_media']}?context=edit")
    assert media["alt_text"] == f"Card for {post.slug}"
    assert media["caption"]["raw"] == "Frontier AI Research Digest"
    # Nothing but the rendered blocks is stored: no ownership comment that the editor would turn into a
    # Classic block (the record's id is what says the post is ours).
    assert remote["content"]["raw"] == post.content
    # The residue check ran on content.rendered as the reader's fetch returned it.
    assert len(seen) == 1 and "<h2" in seen[0][0] and seen[0][0] == remote["content"]["rendered"]

    record = load_record(tmp_path)
    assert record is not None
    assert record.wordpress_id == remote["id"] and record.status == "draft"
    assert record.media == {image_sha(post): remote["featured_media"]}
    assert record.last_response is not None and record.last_response["id"] == remote["id"]
    assert "raw" not in record.last_response["content"]  # the reader's view, same shape as seed 000
    assert record.content_hash and len(record.history) == 2
    before = (tmp_path / "record.json").read_bytes()

    again = publish_post(post, tmp_path, Site(settings))

    assert again.outcome.action == "unchanged"
    assert again.requests == 1  # one read: is the remote still what we wrote?
    assert admin_rest.get(f"posts/{remote['id']}?context=edit")["modified_gmt"] == remote["modified_gmt"]
    assert (tmp_path / "record.json").read_bytes() == before


def test_changed_post_is_updated_in_place_never_duplicated(
    wp_lab: Lab, user: LabUser, role: str, admin_rest: Rest, token: str, tmp_path: Path
) -> None:
    settings = settings_for(wp_lab, user)
    slug = f"update-{role}-{token}"
    first = publish_post(make_post(slug, tags=(f"t-{token}",)), tmp_path, Site(settings))

    retitled = make_post(slug, title="A better title", tags=(f"t-{token}", "second"))
    second = publish_post(retitled, tmp_path, Site(settings))

    assert second.outcome.action == "updated"
    assert second.outcome.post_id == first.outcome.post_id
    matches = admin_rest.get(f"posts?slug={slug}&status=any")
    assert [p["id"] for p in matches] == [first.outcome.post_id]
    assert matches[0]["title"]["rendered"] == "A better title"
    tags = {t["name"] for t in admin_rest.get(f"tags?post={first.outcome.post_id}")}
    assert tags == {f"t-{token}", "second"}


def test_lost_record_adopts_our_post_by_slug(wp_lab: Lab, admin_rest: Rest, token: str, tmp_path: Path) -> None:
    settings = settings_for(wp_lab, wp_lab.admin)
    slug = f"adopt-{token}"
    first = publish_post(make_post(slug), tmp_path, Site(settings))
    (tmp_path / "record.json").unlink()
    with pytest.raises(WordPressError) as refused:  # a post belongs to one record: taken over only on request
        publish_post(make_post(slug, title="After losing the record"), tmp_path, Site(settings))
    assert refused.value.code == "post_of_another_record" and "--adopt" in str(refused.value)

    again = publish_post(make_post(slug, title="After losing the record"), tmp_path, Site(settings), adopt=True)

    assert again.outcome.action == "updated" and again.outcome.post_id == first.outcome.post_id
    assert any("found WordPress post" in note for note in again.outcome.notes)
    assert len(admin_rest.get(f"posts?slug={slug}&status=any")) == 1


def test_lost_record_and_changed_content_is_refused_not_adopted(
    wp_lab: Lab, admin_rest: Rest, token: str, tmp_path: Path
) -> None:
    """Without its record, the post is recognised only by holding exactly the content sent: a changed
    post.md could as well be another post that wants the same slug, so nothing is overwritten."""
    settings = settings_for(wp_lab, wp_lab.admin)
    slug = f"adopt-changed-{token}"
    first = publish_post(make_post(slug), tmp_path, Site(settings))
    (tmp_path / "record.json").unlink()

    with pytest.raises(WordPressError) as caught:
        publish_post(make_post(slug, body="Rewritten since"), tmp_path, Site(settings))

    assert caught.value.code == "slug_taken"
    assert "restore its record.json" in str(caught.value)
    assert [p["id"] for p in admin_rest.get(f"posts?slug={slug}&status=any")] == [first.outcome.post_id]


def test_refuses_a_post_with_the_same_slug_that_it_did_not_create(
    wp_lab: Lab, user: LabUser, role: str, admin_rest: Rest, token: str, tmp_path: Path
) -> None:
    slug = f"foreign-{token}"
    foreign = admin_rest.post(
        "posts",
        {"title": "Hand written", "slug": slug, "status": "draft", "content": "<p>Someone else's post</p>"},
    )

    with pytest.raises(WordPressError) as caught:
        publish_post(make_post(slug), tmp_path, Site(settings_for(wp_lab, user)))

    assert caught.value.code == "slug_taken"
    assert "change 'slug' in post.md" in str(caught.value).lower()
    if role == "admin":
        assert "did not create it" in str(caught.value)
    else:  # the author cannot see the admin's draft: WordPress suffixed the slug, the new post was undone
        assert "cannot see" in str(caught.value) and "deleted again" in str(caught.value)
    assert admin_rest.get(f"posts?slug={slug}-2&status=any") == []
    raw = admin_rest.get(f"posts/{foreign['id']}?context=edit")["content"]["raw"]
    assert raw == "<p>Someone else's post</p>"
    assert load_record(tmp_path) is None


def test_author_who_cannot_create_a_category_fails_before_anything_is_written(
    wp_lab: Lab, admin_rest: Rest, token: str, tmp_path: Path
) -> None:
    missing = f"Brand new {token}"
    post = make_post(f"nocat-{token}", categories=(missing,), tags=(f"fresh-{token}",), image_seed=token)

    with pytest.raises(WordPressError) as caught:
        publish_post(post, tmp_path, Site(settings_for(wp_lab, wp_lab.author)))

    message = str(caught.value)
    assert repr(missing) in message and "may not create categories" in message
    assert "nothing was written" in message
    assert admin_rest.get(f"categories?search={token}") == []
    assert admin_rest.get(f"tags?search={token}") == []  # the tag was not created either
    assert admin_rest.get(f"media?search={image_sha(post)}") == []
    assert admin_rest.get(f"posts?slug=nocat-{token}&status=any") == []
    assert not (tmp_path / "record.json").exists()


def test_admin_creates_missing_category_and_reuses_existing_term(
    wp_lab: Lab, admin_rest: Rest, token: str, tmp_path: Path
) -> None:
    existing = admin_rest.post("tags", {"name": f"Known & Used {token}"})
    post = make_post(f"terms-{token}", categories=(f"RL & Post-Training {token}",), tags=(f"Known & Used {token}",))

    report = publish_post(post, tmp_path, Site(settings_for(wp_lab, wp_lab.admin)))

    remote = admin_rest.get(f"posts/{report.outcome.post_id}?context=edit")
    assert remote["tags"] == [existing["id"]]
    (category,) = admin_rest.get(f"categories?post={remote['id']}")
    assert category["name"] == f"RL &amp; Post-Training {token}"  # WordPress escapes & in term names
    assert any("created category" in note for note in report.outcome.notes)


def test_featured_image_is_uploaded_once_for_two_posts(
    wp_lab: Lab, user: LabUser, role: str, admin_rest: Rest, token: str, tmp_path: Path
) -> None:
    settings = settings_for(wp_lab, user)
    one = publish_post(make_post(f"img-a-{role}-{token}", image_seed=token), tmp_path / "a", Site(settings))
    # Another post folder, no record knows the image: it is found on the server by its hash.
    two = publish_post(make_post(f"img-b-{role}-{token}", image_seed=token), tmp_path / "b", Site(settings))

    media_a = admin_rest.get(f"posts/{one.outcome.post_id}")["featured_media"]
    media_b = admin_rest.get(f"posts/{two.outcome.post_id}")["featured_media"]
    assert media_a == media_b != 0
    sha = image_sha(make_post("x", image_seed=token))
    assert [m["id"] for m in admin_rest.get(f"media?search={sha}")] == [media_a]
    assert sha[:12] in admin_rest.get(f"media/{media_a}")["source_url"]


def test_future_date_schedules_and_near_date_publishes_with_a_note(
    wp_lab: Lab, admin_rest: Rest, token: str, tmp_path: Path
) -> None:
    settings = settings_for(wp_lab, wp_lab.author)
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
    scheduled = publish_post(
        make_post(f"sched-{token}", status="future", date_gmt=tomorrow.strftime("%Y-%m-%dT%H:%M:%SZ")),
        tmp_path / "a",
        Site(settings),
    )
    soon = datetime.now(UTC) + timedelta(seconds=20)
    immediate = publish_post(
        make_post(f"soon-{token}", status="future", date_gmt=soon.strftime("%Y-%m-%dT%H:%M:%SZ")),
        tmp_path / "b",
        Site(settings),
    )

    remote = admin_rest.get(f"posts/{scheduled.outcome.post_id}?context=edit")
    assert remote["status"] == "future" and remote["date_gmt"] == tomorrow.strftime("%Y-%m-%dT%H:%M:%S")
    assert immediate.outcome.status == "publish"
    assert any("less than 60 s ahead" in note for note in immediate.outcome.notes)
    # Published: the reader's fetch was anonymous and its object is what the record keeps.
    record = load_record(tmp_path / "b")
    assert record is not None and record.last_response is not None
    assert record.last_response["status"] == "publish"


def test_edits_made_in_wordpress_are_not_overwritten_without_force(
    wp_lab: Lab, admin_rest: Rest, token: str, tmp_path: Path
) -> None:
    settings = settings_for(wp_lab, wp_lab.admin)
    slug = f"edited-{token}"
    first = publish_post(make_post(slug), tmp_path, Site(settings))
    admin_rest.post(f"posts/{first.outcome.post_id}", {"title": "Edited by a human"})

    with pytest.raises(WordPressError) as caught:
        publish_post(make_post(slug, title="New local title"), tmp_path, Site(settings))
    assert caught.value.code == "remote_modified" and "--force" in str(caught.value)
    title = admin_rest.get(f"posts/{first.outcome.post_id}?context=edit")["title"]["raw"]
    assert title == "Edited by a human"

    forced = publish_post(make_post(slug, title="New local title"), tmp_path, Site(settings), force=True)
    assert forced.outcome.action == "updated"
    assert admin_rest.get(f"posts/{first.outcome.post_id}?context=edit")["title"]["raw"] == "New local title"


def test_author_content_filtered_by_wordpress_fails_loudly_and_keeps_the_id(
    wp_lab: Lab, admin_rest: Rest, token: str, tmp_path: Path
) -> None:
    """kses strips <script> for a role without unfiltered_html while answering 201: caught."""
    post = make_post(f"kses-{token}")
    post = type(post)(**{**post.__dict__, "content": post.content + "\n\n<script>alert(1)</script>"})

    with pytest.raises(WordPressError) as caught:
        publish_post(post, tmp_path, Site(settings_for(wp_lab, wp_lab.author)))

    assert "did not keep what was sent" in str(caught.value) and "content was changed" in str(caught.value)
    record = load_record(tmp_path)
    assert record is not None and record.wordpress_id is not None  # a rerun updates, never duplicates
    assert record.content_hash is None and "NOT verified" in record.history[-1]


def test_second_run_on_the_same_post_is_locked_out(wp_lab: Lab, token: str, tmp_path: Path) -> None:
    with post_lock(tmp_path), pytest.raises(LockError) as caught:
        publish_post(make_post(f"lock-{token}"), tmp_path, Site(settings_for(wp_lab, wp_lab.admin)))
    assert str(tmp_path / ".lock") in str(caught.value)
    assert not (tmp_path / "record.json").exists()


def test_dry_run_lists_every_request_and_writes_nothing(
    wp_lab: Lab, admin_rest: Rest, token: str, tmp_path: Path
) -> None:
    post = make_post(f"dry-{token}", categories=(f"Dry {token}",), tags=(f"dry-{token}",), image_seed=token)
    folder = tmp_path / "post"

    report = publish_post(post, folder, Site(settings_for(wp_lab, wp_lab.admin), dry_run=True))

    assert report.outcome.action == "planned"
    writes = [r for r in report.planned if not r["sent"]]
    assert [w["method"] for w in writes] == ["POST"] * 4  # category, tag, image, post
    assert all(r["method"] in ("GET", "HEAD") for r in report.planned if r["sent"])
    post_body = writes[-1]["body"]
    assert post_body["slug"] == post.slug
    assert post_body["categories"] == [f"<id of new category 'Dry {token}'>"]
    assert post_body["featured_media"].startswith("<id of featured image digest-card-")
    assert not folder.exists()
    assert admin_rest.get(f"posts?slug={post.slug}&status=any") == []
    assert admin_rest.get(f"categories?search={token}") == []
    text = json.dumps(report.planned)
    assert wp_lab.admin.app_password not in text and wp_lab.admin.app_password.replace(" ", "") not in text


def test_term_ids_are_remembered_per_site_and_a_stale_one_is_replaced(
    wp_lab: Lab, admin_rest: Rest, token: str, tmp_path: Path
) -> None:
    settings = settings_for(wp_lab, wp_lab.admin)
    posts = tmp_path / "posts"
    category, tag = f"Cached {token}", f"cached-{token}"
    first = publish_post(
        make_post(f"terms-a-{token}", categories=(category,), tags=(tag,)), posts / "a", Site(settings), posts_dir=posts
    )
    sites = json.loads((posts / ".sites.json").read_text(encoding="utf-8"))
    remembered = sites["sites"][settings.site_url]["terms"]
    assert set(remembered["categories"]) == {category} and set(remembered["tags"]) == {tag}

    second = publish_post(
        make_post(f"terms-b-{token}", categories=(category,), tags=(tag,)), posts / "b", Site(settings), posts_dir=posts
    )
    # users/me, the create, the reader's fetch: no lookup of either taxonomy, the ids were known
    assert second.requests == 3 < first.requests

    stale_id = remembered["categories"][category]
    admin_rest.delete(f"categories/{stale_id}")
    third = publish_post(
        make_post(f"terms-c-{token}", categories=(category,), tags=(tag,)), posts / "c", Site(settings), posts_dir=posts
    )

    stored = admin_rest.get(f"posts/{third.outcome.post_id}?context=edit")
    assert [c["name"] for c in admin_rest.get(f"categories?post={stored['id']}")] == [category]
    assert stale_id not in stored["categories"]
    assert any("were stale" in note for note in third.outcome.notes)
    sites = json.loads((posts / ".sites.json").read_text(encoding="utf-8"))
    assert sites["sites"][settings.site_url]["terms"]["categories"][category] == stored["categories"][0]
