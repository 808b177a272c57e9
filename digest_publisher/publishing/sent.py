"""What publishing sends, as hashes and checks: the content hash that tells a changed post, the publish key
that adds status and date to it, and the residue check of the post as WordPress returns it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from ..models import RenderedPost
from ..wordpress.publisher import format_gmt

ResidueCheck = Callable[[str, str], None]


def check_residue(html: str, where: str) -> None:
    """The renderer's residue check, loaded only when a post is read back (never for an unchanged post)."""
    from ..render import check_residue as render_check

    render_check(html, where)


def content_hash(post: RenderedPost) -> str:
    """SHA-256 of everything publishing sends except status and date (those are compared separately, so
    ``status`` can tell "content changed" from "asked for another status")."""
    image = post.featured_image
    payload = {
        "slug": post.slug,
        "title": post.title,
        "content": post.content,
        "excerpt": post.excerpt,
        "content_format": post.content_format,
        "categories": list(post.categories),
        "tags": list(post.tags),
        "image": None if image is None else image.metadata(),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def publish_key_of(hash_: str | None, status: str | None, date_gmt: str | None) -> str | None:
    if not hash_:
        return None
    return f"{hash_}|{status}|{format_gmt(date_gmt) if date_gmt else ''}"
