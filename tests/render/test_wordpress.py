"""Against the real WordPress: what the dry run predicts is what the site returns.

Every fixture post (a backfill, a brief, the nasty-typography one) in both formats is published as the
administrator and as an author (no ``unfiltered_html``: kses runs on save) with plain ``requests``, read
back with ``context=edit``, compared, and deleted. Compared: ``content.raw`` (what was stored),
``content.rendered``, ``title.rendered`` and ``excerpt.rendered``, byte for byte, and the keys of the post
object. On every version the tests cover (``wp_lab`` runs on 6.1 and 6.8), rendered for that version.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from digest_publisher.render import excerpt_for, kses_normalize, render_post, wp_display
from digest_publisher.render import wpformat as W
from tests.wp_lab import WordPressLab, WPUser

from .conftest import FIXTURE_SLUGS, FORMATS, NOW, load_fixture

pytestmark = pytest.mark.wordpress


def _ws(html: str) -> str:
    return re.sub(r">\s+<", "><", html).strip()


class Poster:
    """Creates posts over REST as one user and deletes them all at the end."""

    def __init__(self, lab: WordPressLab, user: WPUser) -> None:
        self.lab = lab
        self.session = lab.session(user)
        self.created: list[int] = []

    def url(self, route: str) -> str:
        return f"{self.lab.url}/?rest_route=/wp/v2/{route}"

    def publish(self, title: str, content: str, excerpt: str) -> dict[str, Any]:
        payload = {"title": title, "content": content, "excerpt": excerpt, "status": "publish"}
        response = self.session.post(self.url("posts"), json=payload, timeout=60)
        assert response.status_code == 201, response.text[:500]
        post_id = int(response.json()["id"])
        self.created.append(post_id)
        back = self.session.get(self.url(f"posts/{post_id}") + "&context=edit", timeout=60)
        back.raise_for_status()
        data: dict[str, Any] = back.json()
        return data

    def close(self) -> None:
        for post_id in self.created:
            self.session.delete(self.url(f"posts/{post_id}") + "&force=true", timeout=60)
        self.session.close()


@pytest.fixture(scope="module")
def posters(wp_lab: WordPressLab) -> Iterator[dict[str, Poster]]:
    made = {"admin": Poster(wp_lab, wp_lab.admin), "author": Poster(wp_lab, wp_lab.author)}
    yield made
    for poster in made.values():
        poster.close()


@pytest.mark.parametrize("role", ["admin", "author"])
@pytest.mark.parametrize("content_format", FORMATS)
@pytest.mark.parametrize("slug", FIXTURE_SLUGS)
def test_site_returns_what_the_dry_run_predicts(
    posters: dict[str, Poster], wp_lab: WordPressLab, tmp_path: Path, slug: str, content_format: str, role: str
) -> None:
    import shutil

    from .conftest import FIXTURES

    shutil.copytree(FIXTURES, tmp_path / "posts")
    folder = load_fixture(tmp_path / "posts", slug)
    version = wp_lab.wp_version
    rendered = render_post(folder, content_format=content_format, now=NOW, site_url=wp_lab.url, wp_version=version)
    got = posters[role].publish(rendered.title, rendered.content, rendered.excerpt)

    if role == "admin":
        stored = rendered.content
        expected = rendered.post_object
    else:
        # kses (no unfiltered_html) rewrites "/>" as " />" and pads decimal entities (&#91; -> &#091;);
        # nothing else: the sanitiser's allowlist is inside kses's, so no element or attribute is lost.
        stored = kses_normalize(rendered.content)
        expected = {
            "content": {"rendered": wp_display(stored, site_url=wp_lab.url, wp_version=version)},
            "excerpt": {"rendered": excerpt_for(stored, rendered.excerpt, site_url=wp_lab.url, wp_version=version)},
            "title": {"rendered": W.the_title(rendered.title)},
        }
    assert got["content"]["raw"] == stored
    assert _ws(got["content"]["rendered"]) == _ws(expected["content"]["rendered"])
    assert _ws(got["excerpt"]["rendered"]) == _ws(expected["excerpt"]["rendered"])
    assert got["title"]["rendered"] == expected["title"]["rendered"]
    # The stronger statement: byte-identical.
    assert got["content"]["rendered"] == expected["content"]["rendered"]
    assert got["excerpt"]["rendered"] == expected["excerpt"]["rendered"]


def test_dry_run_object_has_the_keys_the_site_returns(
    posters: dict[str, Poster], wp_lab: WordPressLab, tmp_path: Path
) -> None:
    """The dry-run object's keys, in order, are those of an anonymous GET of the published post (6.8:
    seed 000's, with ``class_list``; 6.1: without it); ``meta`` has the version's shape."""
    import shutil

    import requests

    from .conftest import FIXTURES

    shutil.copytree(FIXTURES, tmp_path / "posts")
    folder = load_fixture(tmp_path / "posts", FIXTURE_SLUGS[0])
    rendered = render_post(folder, now=NOW, site_url=wp_lab.url, wp_version=wp_lab.wp_version)
    got = posters["admin"].publish(rendered.title, rendered.content, rendered.excerpt)
    public = requests.get(posters["admin"].url(f"posts/{got['id']}"), timeout=60).json()
    assert list(rendered.post_object) == list(public)
    assert rendered.post_object["meta"] == public["meta"]
    assert ("class_list" in public) is (wp_lab.wp_version == "6.8")


def test_kses_keeps_everything_the_sanitiser_allows(posters: dict[str, Poster]) -> None:
    """An author's save strips nothing from sanitised content (kses allowlist contains ours)."""
    from digest_publisher.render import markdown_to_classic

    md = (
        "<kbd>k</kbd> <sup>2</sup> <sub>i</sub> <mark>m</mark> <s>s</s> <del>d</del> <ins>i</ins> <small>s</small>"
        ' <abbr title="t">a</abbr> <q>q</q> <cite>c</cite> <dfn>d</dfn> <var>v</var> <samp>s</samp> <u>u</u>'
        ' <span class="c" id="x" lang="en" dir="ltr">s</span>\n\n<details><summary>S</summary>D</details>'
    )
    content = markdown_to_classic(md)
    got = posters["author"].publish("kses", content, "")
    assert got["content"]["raw"] == kses_normalize(content)


def test_requests_reach_only_the_local_site(wp_lab: WordPressLab) -> None:
    assert re.match(r"^http://127\.0\.0\.1:\d+$", wp_lab.url)
    assert urlsplit(wp_lab.url).hostname == "127.0.0.1"
