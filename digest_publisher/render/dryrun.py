"""The dry-run object: a post as WordPress's REST API will return it, from what rendering will send."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ..errors import RenderError
from ..wordpress.markup_versions import CURRENT_WP_VERSION, markup_version

# The keys (and their order) of a WordPress 6.8 post object, as in the seed post (seeds/000_*.txt) and as
# 6.8 answers an anonymous GET; 6.1 has no ``class_list`` (added in 6.5).
POST_KEYS: tuple[str, ...] = (
    "id", "date", "date_gmt", "guid", "modified", "modified_gmt", "slug", "status", "type", "link", "title",
    "content", "excerpt", "author", "featured_media", "comment_status", "ping_status", "sticky", "template",
    "format", "meta", "categories", "tags", "class_list", "_links",
)  # fmt: skip
POST_KEYS_BY_VERSION: dict[str, tuple[str, ...]] = {
    "6.1": tuple(key for key in POST_KEYS if key != "class_list"),
    "6.8": POST_KEYS,
}

# WordPress publishes a "publish" post with a date at least this far ahead as "future" (and vice versa).
FUTURE_THRESHOLD = timedelta(seconds=60)


def parse_post_date(value: str | None, where: str) -> datetime | None:
    """Front-matter date -> aware UTC datetime. Naive values are taken as UTC (the site's zone is unknown)."""
    if not value:
        return None
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise RenderError(
            f"{where}: front matter date {value!r} is not an ISO 8601 date",
            "Write it like 2026-05-25T09:00:00Z",
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def wp_date(value: datetime) -> str:
    """WordPress's REST date format: ``2026-05-25T09:00:00`` (no zone, no fraction)."""
    return value.strftime("%Y-%m-%dT%H:%M:%S")


def effective_status(status: str, date_gmt: datetime | None, now: datetime) -> str:
    """The status WordPress will store: publish/future swap around the 60-second threshold."""
    if date_gmt is None:
        return status
    if status == "publish" and date_gmt - now >= FUTURE_THRESHOLD:
        return "future"
    if status == "future" and date_gmt - now < FUTURE_THRESHOLD:
        return "publish"
    return status


def post_object(
    *,
    slug: str,
    status: str,
    date_gmt: datetime | None,
    title_rendered: str,
    content_rendered: str,
    excerpt_rendered: str,
    wp_version: str | None = CURRENT_WP_VERSION,
) -> dict[str, Any]:
    """A WordPress-shaped post with the keys ``wp_version`` answers (6.8: seed 000's); values only the server
    knows are None."""
    version = markup_version(wp_version)
    values: dict[str, Any] = {
        "id": None,
        "date": None,  # site-local time: depends on the site's timezone setting
        "date_gmt": wp_date(date_gmt) if date_gmt is not None else None,
        "guid": None,
        "modified": None,
        "modified_gmt": None,
        "slug": slug,
        "status": status,
        "type": "post",
        "link": None,
        "title": {"rendered": title_rendered},
        "content": {"rendered": content_rendered, "protected": False},
        "excerpt": {"rendered": excerpt_rendered, "protected": False},
        "author": None,
        "featured_media": None,
        "comment_status": None,
        "ping_status": None,
        "sticky": False,
        "template": "",
        "format": "standard",
        # 6.1 answers an empty list; 6.3 and later register the block editor's footnotes meta.
        "meta": [] if version == "6.1" else {"footnotes": ""},
        "categories": None,  # term ids, known once the terms exist on the site
        "tags": None,
        "class_list": None,
        "_links": None,
    }
    return {key: values[key] for key in POST_KEYS_BY_VERSION[version]}
