"""What WordPress STORES for a published post: the previewed post byte for byte, and valid in the real editor.

* Every fixture post (tests/render/fixtures: both kinds and the nasty one, every block type the converter
  emits) is published through ``pipeline.publish`` as a user would, then the stored post is fetched with
  ``context=edit`` and opened in WordPress's block editor (headless Debian chromium): every block valid
  and current, no Classic (``core/freeform``) block, and ``serialize(parse(stored))`` gives back exactly
  what is stored. Nothing of ours besides the rendered blocks may be in the content.
* ``render`` (the preview) and ``publish`` go through one render path: the preview's featured card is the
  very file WordPress serves, and the preview's post object is what WordPress answers.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from digest_publisher import pipeline
from digest_publisher.records.record import load_record
from digest_publisher.wordpress.site import Site
from tests.paths import REPO_ROOT
from tests.publishing.pubhelpers import settings_for
from tests.render.block_editor import CHROMIUM, BlockEditor
from tests.render.conftest import BACKFILL, FIXTURE_SLUGS, FIXTURES
from tests.wp_lab import WordPressLab

pytestmark = pytest.mark.wordpress
TOPICS = REPO_ROOT / "topics.toml"
needs_chromium = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="needs Debian's chromium (apt-get install chromium)"
)


def _copy_fixtures(tmp_path: Path, token: str) -> dict[str, str]:
    """The fixture posts under tmp_path/posts with slugs of their own (the lab outlives one session)."""
    posts = tmp_path / "posts"
    slugs: dict[str, str] = {}
    for slug in FIXTURE_SLUGS:
        new = f"{slug}-{token}"
        shutil.copytree(FIXTURES / slug, posts / new)
        source = posts / new / "post.md"
        text = source.read_text(encoding="utf-8")
        source.write_text(re.sub(r"(?m)^slug: .*$", f"slug: {new}", text, count=1), encoding="utf-8")
        slugs[slug] = new
    return slugs


def _stored(lab: WordPressLab, session: requests.Session, post_id: int) -> dict[str, object]:
    response = session.get(f"{lab.url}/?rest_route=/wp/v2/posts/{post_id}&context=edit", timeout=60)
    assert response.status_code == 200, response.text[:300]
    data: dict[str, object] = response.json()
    return data


@pytest.fixture(scope="module")
def editor(wp_lab: WordPressLab) -> Iterator[BlockEditor]:
    with BlockEditor(wp_lab.url, wp_lab.admin.username, wp_lab.admin.password) as opened:
        yield opened


@pytest.mark.browser
@needs_chromium
def test_published_fixture_posts_open_valid_current_and_canonical_in_the_editor(
    wp_lab: WordPressLab, editor: BlockEditor, tmp_path: Path
) -> None:
    slugs = _copy_fixtures(tmp_path, uuid.uuid4().hex[:8])
    settings = settings_for(wp_lab, wp_lab.admin)
    session = wp_lab.session(wp_lab.admin)
    try:
        for fixture, slug in slugs.items():
            report = pipeline.publish(slug, posts_dir=tmp_path / "posts", site=Site(settings), topics_path=TOPICS)
            _, rendered = pipeline.render_for_site(
                tmp_path / "posts" / slug, topics_path=TOPICS, site_url=settings.site_url, wp_version=wp_lab.wp_version
            )
            post_id = report.outcome.post_id
            assert post_id is not None
            content = _stored(wp_lab, session, post_id)["content"]
            assert isinstance(content, dict)
            stored = str(content["raw"])
            assert stored == rendered.content, f"{fixture}: WordPress stores more (or less) than the rendered post"

            result = editor.check_post(post_id)

            assert result.raw == stored
            assert "core/freeform" not in result.names(), f"{fixture}: a Classic block in the published post"
            assert result.invalid == [], f"{fixture}: {result.invalid}"
            assert result.migrated == [], f"{fixture}: {result.migrated}"
            assert result.dom_warnings == []
            # The nasty post too: its shortcode-like text is sent as "[[gallery]]", which the editor keeps.
            assert result.serialized == stored, f"{fixture}: the editor would rewrite the stored post"
    finally:
        session.close()


def test_the_preview_is_what_is_uploaded(wp_lab: WordPressLab, tmp_path: Path) -> None:
    slug = _copy_fixtures(tmp_path, uuid.uuid4().hex[:8])[BACKFILL]
    posts = tmp_path / "posts"
    settings = settings_for(wp_lab, wp_lab.admin)

    # As an editor would: `check` (which remembers the site's WordPress version), then preview, then publish.
    assert pipeline.check(Site(settings, posts)).ok
    preview = pipeline.render(slug, posts_dir=posts, topics_path=TOPICS, site_url=settings.site_url)
    assert preview.wp_version == wp_lab.wp_version
    card = (posts / slug / "featured.png").read_bytes()
    previewed = json.loads((posts / slug / "render.json").read_text(encoding="utf-8"))
    report = pipeline.publish(slug, posts_dir=posts, site=Site(settings), topics_path=TOPICS)

    # The card names the topic as topics.toml labels it, in the preview and in the upload alike.
    assert preview.post.featured_image is not None and preview.post.featured_image.data == card
    session = wp_lab.session(wp_lab.admin)
    try:
        stored = _stored(wp_lab, session, report.outcome.post_id or 0)
        media = session.get(
            f"{wp_lab.url}/?rest_route=/wp/v2/media/{stored['featured_media']}&context=edit", timeout=60
        ).json()
        uploaded = session.get(str(media["source_url"]), timeout=60)
        assert uploaded.status_code == 200
    finally:
        session.close()
    assert hashlib.sha256(uploaded.content).hexdigest() == hashlib.sha256(card).hexdigest()

    record = load_record(posts / slug)
    assert record is not None and record.last_response is not None
    served = record.last_response  # the post as a reader's fetch returned it, right after publishing
    for key in ("slug", "status", "date_gmt"):
        assert served[key] == previewed[key], key
    for key in ("title", "content", "excerpt"):
        assert served[key]["rendered"] == previewed[key]["rendered"], key
