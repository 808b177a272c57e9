"""A first publish whose site does not answer writes nothing, not even a record: the image upload that starts
before the reads (``media.EarlyUpload``) waits for the site to answer before its write intent is saved, so a
later run with the right WORDPRESS_URL is not told the post "belongs to" the address that was down. An upload
that did reach a server and failed there keeps its intent (the next run looks for the image by its hash)."""

from __future__ import annotations

import json
import socket
from collections.abc import Mapping
from pathlib import Path

import pytest

from digest_publisher.errors import SiteUnreachable, WordPressError
from digest_publisher.publishing.publish import publish_post
from digest_publisher.wordpress.connection_settings import WordPressSettings
from digest_publisher.wordpress.site import Site
from tests.publishing.listeners import Answer, Listener, as_json
from tests.publishing.pubhelpers import make_post


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def settings(url: str) -> WordPressSettings:
    return WordPressSettings(url=url, username="editor", app_password="abcd efgh ijkl mnop", attempts=1, max_wait=0.01)


def test_a_first_publish_to_a_site_that_is_down_leaves_no_record(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    post = make_post("down-site", image_seed="down")

    with pytest.raises(SiteUnreachable) as caught:
        publish_post(post, tmp_path, Site(settings(url)))

    assert "cannot connect" in caught.value.message
    assert not (tmp_path / "record.json").exists()


def test_an_upload_that_reached_the_server_keeps_its_intent_when_the_post_is_refused(tmp_path: Path) -> None:
    """The other direction: the upload got an answer (HTTP 500: it may have stored the file), and the post is
    then refused (the user may not write posts): the upload's intent stays, for the next run to settle."""

    def answer(method: str, path: str, headers: Mapping[str, str]) -> Answer:
        if method == "HEAD" or path == "/":
            return 200, {"Content-Type": "text/html", "Link": f'<{site.url}/wp-json/>; rel="https://api.w.org/"'}, b""
        if "users/me" in path:
            me = {"id": 5, "name": "Ed", "slug": "ed", "roles": ["subscriber"], "capabilities": {"read": True}}
            return as_json(200, me)
        if method == "POST" and "/media" in path:
            return as_json(500, {"code": "internal_server_error", "message": "the disk is full"})
        if method == "GET" and "/media" in path:  # the search for a copy already there, during the upload
            return as_json(200, [])
        return as_json(404, {"code": "rest_no_route", "message": "no route"})

    with Listener(answer) as site:
        with pytest.raises(WordPressError) as caught:
            publish_post(make_post("refused-post", image_seed="refused"), tmp_path, Site(settings(site.url)))
        uploads = [s for s in site.seen if s.method == "POST" and "/media" in s.path]

    assert "lacks the capability 'edit_posts'" in caught.value.message
    assert len(uploads) == 1
    record = json.loads((tmp_path / "record.json").read_text(encoding="utf-8"))
    assert [intent for intent in record["pending"] if intent.startswith("upload:")], record["pending"]
