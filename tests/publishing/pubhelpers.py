"""Helpers for the publishing tests: settings per WordPress user, posts to publish, direct REST access.

Imported as ``pubhelpers``; the fixtures are in conftest.py.

Every test runs against the real WordPress of the session fixture ``wp_lab`` (tests/conftest.py) and
uses its own slugs, term names and image bytes (a per-test token), so tests never see each other's data.
"""

from __future__ import annotations

import html
import io
import uuid
from pathlib import Path
from typing import Any, Protocol

import requests
from PIL import Image

from digest_publisher.models import FeaturedImage, RenderedPost
from digest_publisher.wordpress.connection_settings import WordPressSettings


class LabUser(Protocol):
    """What the tests read of a lab user (tests.wp_lab.WPUser, a frozen dataclass)."""

    @property
    def username(self) -> str: ...
    @property
    def password(self) -> str: ...
    @property
    def app_password(self) -> str: ...
    @property
    def id(self) -> int: ...


class Lab(Protocol):
    """What the tests read of the lab (tests.wp_lab.WordPressLab)."""

    @property
    def url(self) -> str: ...
    @property
    def admin(self) -> LabUser: ...
    @property
    def author(self) -> LabUser: ...
    @property
    def wp_version(self) -> str: ...
    @property
    def lab_dir(self) -> Path: ...


def settings_for(
    lab: Lab | str,
    user: LabUser,
    *,
    app_password: str | None = None,
    timeout: float = 20.0,
    attempts: int = 3,
    max_wait: float = 2.0,
) -> WordPressSettings:
    """The tests' one settings builder: the lab (or a URL in front of it, e.g. the fault proxy) as ``user``."""
    url = lab if isinstance(lab, str) else lab.url
    return WordPressSettings(
        url=url.rstrip("/"),
        username=user.username,
        app_password=user.app_password if app_password is None else app_password,
        timeout=timeout,
        attempts=attempts,
        max_wait=max_wait,
    )


def png_bytes(seed: str, size: int = 16) -> bytes:
    """A real PNG whose pixels (so whose SHA-256) depend on ``seed``."""
    digest = uuid.uuid5(uuid.NAMESPACE_URL, seed).bytes
    image = Image.new("RGB", (size, size), (digest[0], digest[1], digest[2]))
    image.putpixel((0, 0), (digest[3], digest[4], digest[5]))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def make_post(
    slug: str,
    *,
    title: str = "Post-Training & RL: what's new",
    body: str = "Reinforcement learning after pre-training",
    categories: tuple[str, ...] = (),
    tags: tuple[str, ...] = (),
    image_seed: str | None = None,
    status: str = "draft",
    date_gmt: str | None = None,
    content_format: str = "blocks",
) -> RenderedPost:
    """A RenderedPost as the renderer hands it over (block markup, an excerpt, an optional image)."""
    content = (
        '<!-- wp:heading -->\n<h2 class="wp-block-heading" id="intro">Intro</h2>\n'
        "<!-- /wp:heading -->\n\n"
        f"<!-- wp:paragraph -->\n<p>{body}: it&#8217;s <em>fast</em> &amp; cheap.</p>\n<!-- /wp:paragraph -->"
    )
    if content_format == "classic":
        content = f'<h2 id="intro">Intro</h2>\n<p>{body}: it\'s <em>fast</em> &amp; cheap.</p>'
    image = None
    if image_seed is not None:
        image = FeaturedImage(
            data=png_bytes(image_seed),
            filename="digest-card.png",
            mime_type="image/png",
            alt_text=f"Card for {slug}",
            caption="Frontier AI Research Digest",
        )
    return RenderedPost(
        slug=slug,
        title=title,
        content=content,
        excerpt="Fifty papers on post-training & RL.",
        content_format=content_format,
        status=status,
        date_gmt=date_gmt,
        categories=categories,
        tags=tags,
        featured_image=image,
        post_object={},
    )


def image_sha(post: RenderedPost) -> str:
    assert post.featured_image is not None
    return post.featured_image.sha256


class Rest:
    """Direct REST access for arranging and inspecting the site (not through the code under test)."""

    def __init__(self, lab: Lab, user: LabUser) -> None:
        self.base = lab.url.rstrip("/") + "/?rest_route=/wp/v2/"
        self.auth = (user.username, user.app_password)

    def url(self, route: str) -> str:
        route, _, query = route.partition("?")
        return self.base + route + ("&" + query if query else "")

    def site_name(self) -> str:
        """The site's title, from the API index (to compare with what `check` reports)."""
        response = requests.get(self.base.replace("/wp/v2/", "/"), timeout=20)
        response.raise_for_status()
        return html.unescape(str(response.json()["name"]))

    def get(self, route: str) -> Any:
        response = requests.get(self.url(route), auth=self.auth, timeout=20)
        response.raise_for_status()
        return response.json()

    def post(self, route: str, body: dict[str, Any]) -> Any:
        response = requests.post(self.url(route), json=body, auth=self.auth, timeout=20)
        response.raise_for_status()
        return response.json()

    def delete(self, route: str) -> None:
        requests.delete(self.url(route + "?force=true"), auth=self.auth, timeout=20)


def secrets_of(lab: Lab) -> list[str]:
    """Every spelling of every credential that must never appear in output or files."""
    import base64

    out: list[str] = []
    for user in (lab.admin, lab.author):
        out += [user.app_password, user.app_password.replace(" ", "")]
        out.append(base64.b64encode(f"{user.username}:{user.app_password}".encode()).decode())
    return out
