"""The featured image over XML-RPC: found again by the SHA-256 in its description (as over REST, see
``media.py``), uploaded, attached to its post. XML-RPC cannot set the image's alt text (protected meta)."""

from __future__ import annotations

import html
from typing import Any

from wordpress_xmlrpc import WordPressPost
from wordpress_xmlrpc.compat import xmlrpc_client
from wordpress_xmlrpc.methods import media as media_methods
from wordpress_xmlrpc.methods import posts as post_methods

from ..errors import WordPressError
from ..models import FeaturedImage
from .fingerprints import same_text, verification_error
from .media import MEDIA_MARKER, media_filename
from .xmlrpc_connection import XmlRpcConnection


def find_media(connection: XmlRpcConnection, image: FeaturedImage, known: dict[str, int]) -> tuple[int, int] | None:
    """The attachment holding the image, as (its id, the post it is attached to or 0), or None."""
    sha = image.sha256
    if sha in known:
        try:
            item = connection.call(media_methods.GetMediaItem(known[sha]), "wp.getMediaItem")
            if media_holds(item, sha):
                return int(item.id), parent_of(item)
        except WordPressError as exc:
            if exc.status != 404:
                raise
    library = connection.call(
        media_methods.GetMediaLibrary({"number": 100, "mime_type": image.mime_type}), "wp.getMediaLibrary"
    )
    for item in library:
        if media_holds(item, sha):
            return int(item.id), parent_of(item)
    return None


def upload_image(connection: XmlRpcConnection, image: FeaturedImage, post_id: int) -> int:
    """Upload the image (attached to ``post_id`` when the post exists: 0 when not yet)."""
    filename = media_filename(image)
    struct: dict[str, Any] = {"name": filename, "type": image.mime_type, "overwrite": False}
    if post_id:
        struct["post_id"] = post_id
    uploaded = connection.write(
        media_methods.UploadFile({**struct, "bits": xmlrpc_client.Binary(image.data)}),
        "wp.uploadFile",
        {**struct, "bits": f"<{len(image.data)} bytes>"},
    )
    attachment_id = uploaded if isinstance(uploaded, int) else int(uploaded["id"])
    details = attachment_details(image)
    connection.write(
        post_methods.EditPost(attachment_id, details),
        "wp.editPost attachment",
        {"post_excerpt": image.caption, "post_content": details.content},
    )
    if not connection.dry_run:
        item = connection.call(media_methods.GetMediaItem(attachment_id), "wp.getMediaItem")
        if not media_holds(item, image.sha256) or not same_text(image.caption, str(item.caption or "")):
            raise verification_error(
                f"featured image {filename} (attachment {attachment_id})",
                connection.url,
                ["caption or hash marker not stored"],
                connection.url,
            )
    return attachment_id


def attach_image(connection: XmlRpcConnection, image: FeaturedImage, media_id: int, post_id: int) -> None:
    """Attach the image to its post (its parent), the fields the upload set sent again."""
    details = attachment_details(image)
    details.parent_id = post_id
    connection.write(post_methods.EditPost(media_id, details), "wp.editPost attachment", {"post_parent": post_id})
    if connection.dry_run:
        return
    item = connection.call(media_methods.GetMediaItem(media_id), "wp.getMediaItem")
    if parent_of(item) != post_id:
        raise verification_error(
            f"featured image {media_filename(image)} (attachment {media_id})",
            connection.url,
            [f"it is attached to post {parent_of(item)}, sent {post_id}"],
            connection.url,
        )


def attachment_details(image: FeaturedImage) -> WordPressPost:
    """What wp.editPost sets on the uploaded image: the caption and the hash marker. The title is sent
    as well: python-wordpress-xmlrpc would otherwise send its default "Untitled"."""
    details = WordPressPost()
    details.post_type = "attachment"
    details.title = media_filename(image).rsplit(".", 1)[0]
    details.excerpt = image.caption
    details.content = f"{MEDIA_MARKER}{image.sha256}"
    return details


def parent_of(item: Any) -> int:
    """The post an attachment read over XML-RPC is attached to (0: none)."""
    parent = str(getattr(item, "parent", "") or "")
    return int(parent) if parent.isdigit() else 0


def media_holds(item: Any, sha: str) -> bool:
    description = html.unescape(str(getattr(item, "description", "") or ""))
    return f"{MEDIA_MARKER}{sha}" in description
