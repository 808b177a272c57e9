"""The featured image (``wp/v2/media``): uploaded once per image, found again by the SHA-256 kept in its
description (and in its file name), whoever uploaded it first; attached to the post that uploaded it."""

from __future__ import annotations

import html
import mimetypes
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass, replace
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from ..errors import WordPressError
from ..models import FeaturedImage
from .client import ApiResponse, WordPressClient
from .fingerprints import same_text, verification_error
from .posts import LISTING_FIELDS, update_post
from .publisher import Journal, KnownState, upload_intent

MEDIA_MARKER = "digest-publisher featured image sha256:"
MEDIA_FIELDS = "id,description,source_url,post"
# What the upload's verification reads. The attachment route builds caption and description whole: a nested
# name (``caption.raw``) leaves them out of its answer (measured on 6.8), so the top-level names are asked for.
UPLOAD_FIELDS = "id,alt_text,caption,description,media_type,source_url,post"


def media_filename(image: FeaturedImage) -> str:
    """``card.png`` -> ``card-<sha256[:12]>.png``: the hash prefix makes the upload findable by name too."""
    name = PurePosixPath(image.filename).name or "featured"
    stem, suffix = PurePosixPath(name).stem, PurePosixPath(name).suffix
    if not suffix:
        suffix = mimetypes.guess_extension(image.mime_type) or ".bin"
    prefix = image.sha256[:12]
    return name if prefix in stem else f"{stem}-{prefix}{suffix}"


@dataclass(frozen=True)
class Attachment:
    """An attachment holding the image: its id and the post it is attached to (0: none); ``uploaded``: this
    run's upload created it (not an older copy found on the site); ``checked``: the site was searched for an
    older copy since (False: :func:`upload_image` was asked not to, the caller does it); ``file``: its stored file."""

    id: int
    post: int = 0
    uploaded: bool = False
    checked: bool = True
    file: str = ""


def find_media(
    client: WordPressClient, image: FeaturedImage, known: Mapping[str, int], *, search: bool
) -> Attachment | None:
    """The attachment already holding this image: a remembered id if it still holds it, else (when
    ``search``, or the remembered id went stale) the media library searched by the hash."""
    sha = image.sha256
    if sha in known:
        response = client.get(
            f"wp/v2/media/{known[sha]}",
            {"_fields": MEDIA_FIELDS},
            accept_codes=frozenset({"rest_post_invalid_id"}),
            label="featured image by id",
        )
        if response.status == 200 and holds_hash(response.data, sha):
            return _attachment(response.data)
        search = True
    if not search:
        return None
    holders = media_holding(client, sha)
    return _attachment(holders[0]) if holders else None


def media_holding(client: WordPressClient, sha: str) -> list[dict[str, Any]]:
    """Every attachment whose description holds this hash, oldest (lowest id) first."""
    response = client.get(
        "wp/v2/media",
        {"search": sha, "per_page": 20, "_fields": MEDIA_FIELDS},
        label="featured image by hash",
    )
    items = [item for item in response.data if isinstance(item, dict) and holds_hash(item, sha)]
    return sorted(items, key=lambda item: int(item["id"]))


def upload_image(
    client: WordPressClient,
    image: FeaturedImage,
    notes: list[str],
    *,
    post_id: int | None = None,
    check_copies: bool = True,
) -> Attachment:
    """Upload the image (attached to ``post_id`` when the post exists already), then make sure the site
    holds ONE attachment with these bytes: if another holds the hash (uploaded before, or by a run racing
    this one, from another posts folder or another machine), the oldest is kept and this copy deleted
    (:func:`oldest_copy`, :func:`give_way`).

    Every racing run keeps the oldest of the copies it sees, and the run whose copy WordPress stored last
    sees all of them (the hash is in the description from the moment WordPress stores the attachment), so
    the runs agree on one attachment. That holds whenever the search is made, as long as it is made after
    this copy was stored: with ``check_copies=False`` the caller makes it (a first publish, beside the post's
    create, ``rest.RestPublisher``: when an older copy wins, the post is moved to it before this copy goes).
    """
    filename = media_filename(image)
    form = {
        "alt_text": image.alt_text,
        "caption": image.caption,
        "description": f"{MEDIA_MARKER}{image.sha256}",
    }
    if post_id:
        form["post"] = str(post_id)
    response = client.post(
        "wp/v2/media",
        params={"_fields": UPLOAD_FIELDS},
        files={"file": (filename, image.data, image.mime_type)},
        form=form,
        label=f"featured image {filename}",
    )
    if client.dry_run:
        return Attachment(int(response.data["id"]), post_id or 0)
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
    ours = replace(_attachment(data), uploaded=True, checked=False)
    if not check_copies:
        return ours
    older = oldest_copy(client, image.sha256, ours)
    return give_way(client, ours, older, notes) if older is not None else replace(ours, checked=True)


def oldest_copy(client: WordPressClient, sha: str, ours: Attachment) -> Attachment | None:
    """The attachment holding this hash that is older than ``ours`` (this run's upload), or None when ours is
    the first copy on the site (a racing run then deletes its own)."""
    oldest = next((item for item in media_holding(client, sha) if int(item["id"]) != ours.id), None)
    return _attachment(oldest) if oldest is not None and int(oldest["id"]) < ours.id else None


def give_way(client: WordPressClient, ours: Attachment, oldest: Attachment, notes: list[str]) -> Attachment:
    """Keep the older copy ``oldest`` and delete ``ours`` (no post may show ours any more); the older copy is
    returned."""
    if oldest.file == ours.file:
        # Two uploads raced to the same file name: deleting this copy would delete the file both show.
        notes.append(
            f"the image was uploaded at the same moment by another run (attachment {oldest.id}, the same "
            f"file): used that one; attachment {ours.id} is a second entry for the file, delete it in the "
            "media library without deleting the file"
        )
        return oldest
    client.request(
        "DELETE",
        f"wp/v2/media/{ours.id}",
        params={"force": "true"},
        accept_codes=frozenset({"rest_post_invalid_id"}),
        label=f"undo featured image {ours.id}",
    )
    notes.append(f"the image was uploaded before (attachment {oldest.id}): used it, deleted the new copy")
    return oldest


def create_keeping_one_image(
    client: WordPressClient,
    create: Callable[[], ApiResponse],
    ours: Attachment,
    sha: str,
    body: dict[str, Any],
    journal: Journal,
    notes: list[str],
) -> tuple[ApiResponse, Attachment]:
    """Create the post (showing ``ours``, this run's upload) while the site is searched for an older copy of
    the image stored during the upload (a racing run's: see :func:`upload_image`; one stored before was
    found by the search that went with the upload): the common case costs no round of its own. When an older
    copy wins, the new post is moved to it (one more write, so one revision WordPress keeps), then ours is
    deleted. Returns the answer describing the post and the attachment it shows."""
    found: list[Attachment | None] = []

    def search() -> None:
        with suppress(WordPressError):  # the create goes on; the search is made again below
            found.append(oldest_copy(client, sha, ours))

    try:
        written, _ = client.together(create, search)
    except WordPressError:
        if found and found[0] is not None:  # the create failed: no post of this run shows our copy
            with suppress(WordPressError):  # the create's failure is the one to report
                give_way(client, ours, found[0], notes)
        raise
    oldest = found[0] if found else oldest_copy(client, sha, ours)
    if oldest is None:
        return written, replace(ours, checked=True)
    body["featured_media"] = oldest.id
    # The whole body: an update without categories gets the default one again (WordPress's wp_insert_post).
    # The create's intent is still pending (the record learns the id after this): a crash here is found again.
    moved = update_post(client, int(written.data["id"]), body, f"featured image of post {body['slug']!r}",
                        LISTING_FIELDS)  # fmt: skip
    kept = give_way(client, ours, oldest, notes)
    journal.settle(upload_intent(sha), media={sha: kept.id})
    return moved, kept


class EarlyUpload:
    """A first publish's upload, started before the publish's reads (it is the longest request by far) and
    going on while they are made: only when the record shows no earlier attempt (``trusted``, nothing
    pending) and the site facts know no copy of the image. When a check then refuses the post, :meth:`undo`
    deletes what the upload created (never an older copy it found on the site), so "nothing was written"
    stays true; a crash in between leaves the upload's write intent for the next run."""

    def __init__(self, client: WordPressClient, image: FeaturedImage, journal: Journal) -> None:
        self.client, self.sha, self.notes = client, image.sha256, list[str]()
        client.root  # noqa: B018 - the site answers first: a site that is down leaves no intent (and no record)
        journal.intend(upload_intent(self.sha))
        # The search for an older copy is the caller's, beside the post's create (see upload_image).
        self.result = client.in_background(lambda: upload_image(client, image, self.notes, check_copies=False))

    @classmethod
    def start(
        cls, client: WordPressClient, image: FeaturedImage | None, known: KnownState, journal: Journal, trusted: bool
    ) -> EarlyUpload | None:
        if image is None or not trusted or client.dry_run or known.wordpress_id or known.pending:
            return None
        if image.sha256 in known.site_media or image.sha256 in known.media:
            return None
        return cls(client, image, journal)

    def undo(self, journal: Journal) -> None:
        """Delete the attachment the upload created and settle its intent. An upload WordPress refused (4xx)
        stored nothing: settled too. One that failed otherwise, or a delete that did not go through, leaves
        the intent (the next run finds the image by its hash). The refusal being raised stays the one shown."""
        try:
            attachment = self.result()
        except WordPressError as exc:
            if exc.status is not None and 400 <= exc.status < 500:
                journal.settle(upload_intent(self.sha))
            return
        if attachment.uploaded:
            try:
                self.client.request(
                    "DELETE", f"wp/v2/media/{attachment.id}", params={"force": "true"},
                    accept_codes=frozenset({"rest_post_invalid_id"}), label=f"undo featured image {attachment.id}",
                )  # fmt: skip
            except WordPressError:
                return
        journal.settle(upload_intent(self.sha), media={} if attachment.uploaded else {self.sha: attachment.id})


def attach_media(client: WordPressClient, media_id: int, post_id: int) -> None:
    """Attach the image to its post (``post`` of the attachment: the media library lists it under the post)."""
    response = client.post(
        f"wp/v2/media/{media_id}",
        {"post": post_id},
        params={"_fields": "id,post"},
        idempotent=True,
        label=f"attach featured image {media_id} to post {post_id}",
    )
    if client.dry_run:
        return
    if int(response.data.get("post") or 0) != post_id:
        raise verification_error(
            f"featured image {media_id}",
            response.url,
            [f"it is attached to post {response.data.get('post')}, sent {post_id}"],
            response.url,
        )


def _attachment(item: Mapping[str, Any]) -> Attachment:
    return Attachment(int(item["id"]), int(item.get("post") or 0), file=_stored_file(item))


def _stored_file(item: Mapping[str, Any]) -> str:
    return urlsplit(str(item.get("source_url") or "")).path


def holds_hash(media: Mapping[str, Any], sha: str) -> bool:
    description = media.get("description")
    text = ""
    if isinstance(description, dict):
        text = str(description.get("raw") or description.get("rendered") or "")
    return f"{MEDIA_MARKER}{sha}" in html.unescape(text)
