"""SIGKILL a real `publish` process at each step (the test-only hook ``DIGEST_TEST_KILL_AT``), then run it
again: the site converges to one post and one image, and record.json is never half-written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import render_as_published
from tests.republish.rephelpers import Site, record_of, run_main, write_source

pytestmark = [pytest.mark.wordpress, pytest.mark.slow]

# A first publish with an image writes record.json five times: the upload intent, the upload's
# result, the create intent, the new post's id, the verified publish.
KILL_POINTS = ["after-media", "after-create", *(f"during-record-write#{n}" for n in range(1, 6))]


@pytest.mark.parametrize("point", KILL_POINTS)
def test_a_publish_killed_at_each_step_converges_when_run_again(
    point: str, site: Site, posts: Path, env: dict[str, str], token: str
) -> None:
    slug = f"kill-{point.replace('#', '-')}-{token}"
    folder = write_source(posts, slug)
    image = render_as_published(folder).featured_image
    assert image is not None

    killed = run_main({**env, "DIGEST_TEST_KILL_AT": point}, "publish", slug, "--status", "publish")

    assert killed.returncode == -9, killed.stderr
    if (folder / "record.json").exists():
        record_of(folder)  # complete JSON, whatever the moment of death
    if point.startswith("during-record-write"):
        # Killed with the new record complete in its temporary file, before it replaced record.json.
        assert list(folder.glob(".record.json.*.tmp"))
    rerun = run_main(env, "publish", slug, "--status", "publish")
    assert rerun.returncode == 0, rerun.stderr

    (post,) = site.posts_by_slug(slug)
    assert post["slug"] == slug and post["status"] == "publish"
    (media,) = site.media_with_hash(image.sha256)
    assert post["featured_media"] == media["id"]
    assert site.revisions(post["id"]) == []  # the rerun re-sent nothing WordPress already held
    record = record_of(folder)
    assert record["wordpress_id"] == post["id"] and record["pending"] == [] and record["content_hash"]
    assert record["media"] == {image.sha256: media["id"]}
    assert json.loads((posts / ".sites.json").read_text(encoding="utf-8"))["sites"]
