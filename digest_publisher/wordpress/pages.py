"""The WordPress page routes (``wp/v2/pages``): what the series' index page needs.

    pages_by_slug(client, slug)            GET pages?slug=...&status=any&context=edit
    (the page a record points at: ``posts.fetch_recorded_post(..., kind="page")``)
    create_page(client, body, label)       POST pages
    update_page(client, id, body, label)   POST pages/<id> (idempotent: retried safely)
    fetch_page_as_reader(client, id, st)   the page as a visitor's browser gets it
    verify_page_response(body, got, url)   did WordPress keep what was sent?

A page is a post of another type: its stored fields, their fingerprint and THE rule for "edited in WordPress"
are the posts' (:func:`~digest_publisher.wordpress.posts.rest_fingerprint`,
:func:`~digest_publisher.wordpress.posts.is_remote_edit`); pages have no categories or tags, so those
compare as absent on both sides (their excerpt is stored: it is sent, empty).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .client import ApiResponse, WordPressClient
from .fingerprints import first_html_difference, same_text, verification_error
from .posts import raw_field


def pages_by_slug(client: WordPressClient, slug: str) -> list[dict[str, Any]]:
    """The pages (any status but the trash, edit context) whose slug is ``slug``."""
    response = client.get(
        "wp/v2/pages",
        {"slug": slug, "status": "any", "context": "edit", "per_page": 20},
        label=f"page by slug {slug!r}",
    )
    return [p for p in response.data if isinstance(p, dict) and p.get("slug") == slug]


def create_page(client: WordPressClient, body: Mapping[str, Any], label: str) -> ApiResponse:
    return client.post("wp/v2/pages", dict(body), label=label)


def update_page(client: WordPressClient, page_id: int, body: Mapping[str, Any], label: str) -> ApiResponse:
    """Update fields of an existing page; the same body twice leaves the same page, so it is retried."""
    return client.post(f"wp/v2/pages/{page_id}", dict(body), idempotent=True, label=label)


def fetch_page_as_reader(client: WordPressClient, page_id: int, status: str) -> ApiResponse:
    """A published page is fetched anonymously, as a visitor's browser would; a draft in the view context."""
    if status == "publish":
        return client.get(f"wp/v2/pages/{page_id}", auth=False, label="page as a reader")
    return client.get(f"wp/v2/pages/{page_id}", {"context": "view"}, label="page as a reader")


def verify_page_response(body: Mapping[str, Any], got: Mapping[str, Any], url: str) -> None:
    """Compare the page WordPress answered with (edit context) with the body sent; raise on any difference."""
    problems: list[str] = []
    if got.get("slug") != body["slug"]:
        problems.append(f"slug is {got.get('slug')!r}, sent {body['slug']!r} (another page or attachment holds it)")
    if got.get("status") != body["status"]:
        problems.append(f"status is {got.get('status')!r}, sent {body['status']!r}")
    title = str(raw_field(got, "title") or "")
    if not same_text(body["title"], title):
        problems.append(f"title is {title!r}, sent {body['title']!r}")
    difference = first_html_difference(body["content"], str(raw_field(got, "content") or ""))
    if difference:
        problems.append(f"content was changed by WordPress {difference}")
    if problems:
        raise verification_error(f"page {body['slug']!r} (WordPress id {got.get('id')})", url, problems, url)
