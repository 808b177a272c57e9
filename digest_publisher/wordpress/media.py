"""The featured image (``wp/v2/media``): uploaded once per image, found again by the SHA-256 kept in its
description (and in its file name), whoever uploaded it first."""

from __future__ import annotations

import html
import mimetypes
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from ..models import FeaturedImage
from .client import WordPressClient
from .common import same_text, verification_error, wp_slug

MEDIA_MARKER = "digest-publisher featured image sha256:"


def media_filename(image: FeaturedImage) -> str:
    """``card.png`` -> ``card-<sha256[:12]>.png``: the hash prefix makes the upload findable by name too."""
    name = PurePosixPath(image.filename).name or "featured"
    stem, suffix = PurePosixPath(name).stem, PurePosixPath(name).suffix
    if not suffix:
        suffix = mimetypes.guess_extension(image.mime_type) or ".bin"
    prefix = image.sha256[:12]
    return name if prefix in stem else f"{stem}-{prefix}{suffix}"


def find_media(client: WordPressClient, image: FeaturedImage, known: Mapping[str, int], *, search: bool) -> int | None:
    """The attachment already holding this image: a remembered id if it still holds it, else (when
    ``search``, or the remembered id went stale) the media library searched by the hash."""
    sha = image.sha256
    if sha in known:
        response = client.get(
            f"wp/v2/media/{known[sha]}",
            {"_fields": "id,description,source_url"},
            accept_codes=frozenset({"rest_post_invalid_id"}),
            label="featured image by id",
        )
        if response.status == 200 and holds_hash(response.data, sha):
            return int(response.data["id"])
        search = True
    if not search:
        return None
    return search_media(client, sha)


def search_media(client: WordPressClient, sha: str, *, besides: int | None = None) -> int | None:
    """The oldest attachment whose description holds this hash (other than ``besides``)."""
    response = client.get(
        "wp/v2/media",
        {"search": sha, "per_page": 20, "_fields": "id,description,source_url"},
        label="featured image by hash",
    )
    ids = sorted(
        int(item["id"])
        for item in response.data
        if isinstance(item, dict) and holds_hash(item, sha) and item.get("id") != besides
    )
    return ids[0] if ids else None


def upload_image(client: WordPressClient, image: FeaturedImage, notes: list[str]) -> int:
    """Upload the image; if WordPress renamed it (the name, which holds the hash, was taken), look
    for an earlier upload of the same bytes and, if there is one, delete this copy and use that."""
    filename = media_filename(image)
    form = {
        "alt_text": image.alt_text,
        "caption": image.caption,
        "description": f"{MEDIA_MARKER}{image.sha256}",
    }
    response = client.post(
        "wp/v2/media",
        files={"file": (filename, image.data, image.mime_type)},
        form=form,
        label=f"featured image {filename}",
    )
    if client.dry_run:
        return int(response.data["id"])
    data = response.data
    problems = []
    if str(data.get("alt_text") or "") != image.alt_text:
        problems.append(f"alt_text is {data.get('alt_text')!r}, sent {image.alt_text!r}")
    caption = (data.get("caption") or {}).get("raw", "")
    if not same_text(image.caption, str(caption)):
        problems.append(f"caption is {caption!r}, sent {image.caption!r}")
    if not holds_hash(data, image.sha256):
        problems.append("the hash marker is missing from the description")
    if data.get("media_type") != "image":
        problems.append(f"media_type is {data.get('media_type')!r}, not image")
    if problems:
        raise verification_error(
            f"featured image {filename} (attachment {data.get('id')})",
            response.url,
            problems,
            response.url,
        )
    new_id = int(data["id"])
    # Renamed: the file (WordPress suffixes a taken name, "-1") or the slug. Both are needed: WordPress 6.8
    # gives an XML-RPC upload the slug "card-<hash>-png", so a later REST upload of the same file keeps
    # the slug "card-<hash>" while its file becomes "card-<hash>-1.png".
    stored_file = PurePosixPath(urlsplit(str(data.get("source_url") or "")).path).name
    if str(data.get("slug") or "") == wp_slug(PurePosixPath(filename).stem) and stored_file in ("", filename):
        return new_id
    earlier = search_media(client, image.sha256, besides=new_id)
    if earlier is None:
        return new_id  # renamed for another reason (a file of that name, not this image)
    client.request(
        "DELETE",
        f"wp/v2/media/{new_id}",
        params={"force": "true"},
        accept_codes=frozenset({"rest_post_invalid_id"}),
        label=f"undo featured image {new_id}",
    )
    notes.append(f"the image was uploaded before (attachment {earlier}): used it, deleted the new copy")
    return earlier


def holds_hash(media: Mapping[str, Any], sha: str) -> bool:
    description = media.get("description")
    text = ""
    if isinstance(description, dict):
        text = str(description.get("raw") or description.get("rendered") or "")
    return f"{MEDIA_MARKER}{sha}" in html.unescape(text)
