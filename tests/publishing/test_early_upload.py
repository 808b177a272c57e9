"""A first publish's image upload starts before the reads (``media.EarlyUpload``), and before the post is rendered
when its image is a file (``publishing.publish.PendingPost``): when a check or the render then refuses the post,
nothing stays written (the upload deleted again, or refused by WordPress), and no record is left.

The case of a user who may not create the post's category (the upload then went through and is deleted) is
``test_publish_rest.test_author_who_cannot_create_a_category_fails_before_anything_is_written``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from digest_publisher.errors import DigestError, ResidueError, WordPressError
from digest_publisher.models import RenderedPost
from digest_publisher.publishing.publish import PendingPost, pending_post, publish_post
from digest_publisher.records.record import PostRecord, load_record, save_record
from digest_publisher.wordpress.media import MEDIA_MARKER
from digest_publisher.wordpress.site import Site
from tests.publishing.pubhelpers import Lab, Rest, image_sha, make_post, png_bytes, settings_for

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


# -- the render of a first publish goes on while its image uploads (publishing.publish.PendingPost) ----------


def _pending(post: RenderedPost, render: Callable[[], RenderedPost]) -> PendingPost:
    assert post.featured_image is not None
    return PendingPost(post.slug, post.featured_image, render)


def test_a_first_publish_renders_while_its_image_uploads(
    wp_lab: Lab, admin_rest: Rest, token: str, tmp_path: Path
) -> None:
    post = make_post(f"overlap-{token}", image_seed=token)
    site = Site(settings_for(wp_lab, wp_lab.admin))
    sent_before_render: list[str] = []

    def render() -> RenderedPost:
        api = [entry for entry in site.client.log if "/wp-json/" in entry.url]  # not the discovery of the root
        sent_before_render.extend(f"{entry.method} {entry.url.split('/wp-json/')[-1]}" for entry in api)
        return post

    report = publish_post(_pending(post, render), tmp_path, site)

    assert [s.split("?")[0] for s in sent_before_render] == ["POST wp/v2/media"]  # the upload, and nothing else
    assert report.outcome.action == "created"
    (held,) = admin_rest.get(f"media?search={image_sha(post)}")
    assert admin_rest.get(f"posts/{report.outcome.post_id}")["featured_media"] == held["id"]
    record = load_record(tmp_path)
    assert record is not None and record.media == {image_sha(post): held["id"]} and record.pending == ()


@pytest.mark.parametrize("failure", ["render refuses", "render differs"])
def test_a_render_that_fails_after_the_upload_started_leaves_nothing(
    wp_lab: Lab, admin_rest: Rest, token: str, tmp_path: Path, failure: str
) -> None:
    post = make_post(f"overlap-fail-{token}", image_seed=token)
    other = make_post(post.slug, image_seed=f"{token}-changed")  # the image file changed in between

    def render() -> RenderedPost:
        if failure == "render refuses":
            raise ResidueError(["literal Markdown: '## '"], "post.md")
        return other

    with pytest.raises(DigestError) as caught:
        publish_post(_pending(post, render), tmp_path, Site(settings_for(wp_lab, wp_lab.admin)))

    if failure == "render refuses":
        assert isinstance(caught.value, ResidueError)  # the render's own error, unchanged
    else:
        assert "changed while it was being published" in caught.value.message
    assert admin_rest.get(f"media?search={image_sha(post)}") == []  # the early upload was deleted again
    assert admin_rest.get(f"posts?slug={post.slug}&status=any") == []
    assert not (tmp_path / "record.json").exists()


def test_which_posts_render_while_their_image_uploads(tmp_path: Path) -> None:
    """Only a possible first publish with an image file is pending; the rest is rendered at once (an update
    of a known post never loads the render stage for it: the render cache may hold it)."""
    rendered = make_post("x")
    calls: list[str] = []

    def render() -> RenderedPost:
        calls.append("rendered")
        return rendered

    folder = tmp_path / "with-file"
    folder.mkdir()
    (folder / "card.png").write_bytes(png_bytes("seed"))
    head = '{"title": "T", "slug": "with-file", "featured_image": "card.png", "featured_image_alt": "Alt"}'
    (folder / "post.md").write_text(f"---\n{head}\n---\n\nBody.\n", encoding="utf-8")
    pending = pending_post(folder, render)
    assert isinstance(pending, PendingPost) and calls == []
    assert pending.slug == "with-file" and pending.featured_image.data == png_bytes("seed")
    assert pending.featured_image.alt_text == "Alt"

    save_record(folder, PostRecord(slug="with-file", wordpress_id=7))  # known: an update
    assert pending_post(folder, render) is rendered and calls == ["rendered"]
    save_record(folder, PostRecord(slug="with-file", pending=("create",)))  # an earlier attempt to settle
    assert pending_post(folder, render) is rendered

    generated = tmp_path / "generated"
    generated.mkdir()
    (generated / "post.md").write_text('---\n{"title": "T", "featured_image": "generated"}\n---\n\nBody.\n', "utf-8")
    assert pending_post(generated, render) is rendered
    (folder / "card.png").write_bytes(b"not an image")  # refused: the render reports it, in its place
    (folder / "record.json").unlink()
    assert pending_post(folder, render) is rendered


def _racing_copy(sha: str, flag: Path) -> str:
    """PHP of a mu-plugin: right before WordPress stores this run's upload of the image, "another machine's" copy
    (the same bytes, another file) is stored, so it is older, and it appears after this run's search that went
    with its upload. The copy waits until that search has been answered (the folder ``flag``-searched, made when
    a search for the hash is dispatched), so the race is the same on a loaded machine as on a quiet one."""
    searched = f"{flag}-searched"
    return (
        "add_filter('rest_post_dispatch', function ($response, $server, $request) {\n"
        "    if ($request->get_route() === '/wp/v2/media' && $request->get_method() === 'GET'\n"
        f"        && (string) $request->get_param('search') === '{sha}') {{\n"
        f"        @mkdir('{searched}');\n"
        "    }\n"
        "    return $response;\n"
        "}, 10, 3);\n"
        "add_filter('wp_insert_attachment_data', function ($data) {\n"
        f"    if (strpos((string) $data['post_title'], '{sha[:12]}') !== false && @mkdir('{flag}')) {{\n"
        "        $deadline = microtime(true) + 30;  // the search that went with this upload is answered first\n"
        f"        while (!is_dir('{searched}') && microtime(true) < $deadline) {{\n"
        "            usleep(20000);\n"
        "        }\n"
        "        $uploads = wp_upload_dir();\n"
        "        $file = $uploads['basedir'] . substr($data['guid'], strlen($uploads['baseurl']));\n"
        "        $copy = preg_replace('/[.]png$/', '-racing.png', $file);\n"
        "        copy($file, $copy);\n"
        "        wp_insert_attachment(['post_title' => 'racing', 'post_mime_type' => 'image/png',\n"
        f"            'post_status' => 'inherit', 'post_content' => '{MEDIA_MARKER}{sha}'], $copy);\n"
        "    }\n"
        "    return $data;\n"
        "});"
    )


@pytest.mark.parametrize("older", ["none", "a copy already there", "a racing copy"])
def test_the_image_is_kept_once_when_a_first_publish_uploads_it_early(
    wp_lab: Lab, admin_rest: Rest, token: str, tmp_path: Path, older: str, mu_plugin: Callable[[str, str], None]
) -> None:
    """A first publish's early upload is compared with the site's copies of the image twice, neither on the way
    of the post: a search during the upload finds a copy already there (here uploaded by "another machine"
    before, which this folder's site facts do not know): it wins before the post is written; a search beside
    the post's create finds one stored during the upload (a racing run's): the new post is moved to it. Either
    way the new copy is deleted and one attachment holds the image (``media.upload_image``)."""
    post = make_post(f"oldest-{older.split()[-1]}-{token}", image_seed=token)
    sha = image_sha(post)
    assert post.featured_image is not None
    before = None
    if older == "a copy already there":
        answer = requests.post(
            admin_rest.url("media"), auth=admin_rest.auth, timeout=20,
            files={"file": ("elsewhere.png", post.featured_image.data, "image/png")},
            data={"description": f"{MEDIA_MARKER}{sha}", "alt_text": "x"},
        )  # fmt: skip
        answer.raise_for_status()
        before = int(answer.json()["id"])
    elif older == "a racing copy":
        mu_plugin(f"racing-{token}", _racing_copy(sha, tmp_path / "raced"))
    site = Site(settings_for(wp_lab, wp_lab.admin))

    report = publish_post(post, tmp_path, site)

    assert report.outcome.action == "created"
    (held,) = admin_rest.get(f"media?search={sha}")  # one attachment holds the image
    remote = admin_rest.get(f"posts/{report.outcome.post_id}?context=edit")
    assert remote["featured_media"] == held["id"]
    record = load_record(tmp_path)
    assert record is not None and record.media == {sha: held["id"]} and record.pending == ()
    labels = [entry.label for entry in site.client.log]
    moved = any(label.startswith("featured image of post") for label in labels)
    # searched with the upload, and (unless a copy already there won) with the create
    assert labels.count("featured image by hash") == (1 if older == "a copy already there" else 2)
    revisions = admin_rest.get(f"posts/{remote['id']}/revisions")
    if older == "none":
        assert not moved and revisions == []
        assert held["post"] == remote["id"]  # this run's copy, attached to its post
    elif older == "a copy already there":
        assert held["id"] == before and not moved and revisions == []  # it won before the post was written
        assert any("uploaded before" in note for note in report.outcome.notes)
    else:
        assert (tmp_path / "raced").is_dir() and (tmp_path / "raced-searched").is_dir()
        assert held["title"]["rendered"] == "racing"
        assert moved and len(revisions) == 1  # the rare race costs the post's move to the older copy
        assert any("uploaded before" in note for note in report.outcome.notes)
