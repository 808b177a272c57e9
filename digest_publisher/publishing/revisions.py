"""``republish SLUG --to-revision N``: an older WordPress revision becomes the current version again.

Its title, content and excerpt are sent as an update, so WordPress keeps it as a NEW revision and every
version stays. The local source is not touched and the record's content hash stays, so a later
``republish`` leaves the restored version alone until post.md changes.
"""

from __future__ import annotations

import time
from contextlib import nullcontext
from pathlib import Path

from ..errors import DigestError, LockError, WordPressError
from ..records import posts_dir_of
from ..records.locks import post_lock, run_lock
from ..wordpress.client import WordPressClient
from ..wordpress.connection_settings import WordPressSettings
from ..wordpress.fingerprints import first_html_difference, same_text
from ..wordpress.posts import (
    fetch_recorded_post,
    fetch_revision,
    fields_fingerprint,
    is_remote_edit,
    newest_revision_id,
    raw_field,
    rest_fingerprint,
    update_post,
)
from ..wordpress.publisher import update_intent
from ..wordpress.transport import Session
from .journal import RecordJournal
from .results import PostResult, RepublishReport, known_state, now_stamp, published_record


def restore_revision(
    folder: Path,
    settings: WordPressSettings,
    revision_id: int,
    *,
    wait: float = 0.0,
    dry_run: bool = False,
    session: Session | None = None,
) -> RepublishReport:
    """Make WordPress revision ``revision_id`` of the post the newest version again: its title, content
    and excerpt are sent as an update, so WordPress keeps it as a NEW revision and every version stays.

    The local source is not touched and the record's content hash stays, so a later ``republish``
    leaves the restored version alone until post.md changes.
    """
    started = time.perf_counter()
    slug = folder.name
    client = WordPressClient(settings, session=session, dry_run=dry_run)
    with nullcontext() if dry_run else run_lock(posts_dir_of(folder), wait):
        try:
            with nullcontext() if dry_run else post_lock(folder, wait=wait):
                result = _restore_locked(client, folder, settings, revision_id, dry_run)
        except LockError as exc:
            result = PostResult(slug, "busy", str(exc))
        except DigestError as exc:
            result = PostResult(slug, "failed", str(exc))
    result.requests = client.request_count
    return RepublishReport([result], client.request_count, time.perf_counter() - started, dry_run)


def _restore_locked(
    client: WordPressClient, folder: Path, settings: WordPressSettings, revision_id: int, dry_run: bool
) -> PostResult:
    slug = folder.name
    record = published_record(folder, settings, True)
    if isinstance(record, PostResult):
        return record
    post_id = record.wordpress_id
    if record.rest_root:
        client.use_root(record.rest_root)
    found, revision = fetch_revision(client, post_id or 0, revision_id)
    if found is None:
        raise WordPressError(
            f"post {slug!r} (WordPress id {post_id}) has no revision {revision_id}",
            f"List its revisions with `digest-publisher history {slug}` and pass one of their ids",
            status=404,
            code=str(revision.data.get("code")) if isinstance(revision.data, dict) else None,
            url=revision.url,
        )
    parent = found.get("parent")
    if parent != post_id:
        # WordPress 6.1 serves any revision under any post's route: the parent is the only proof.
        raise WordPressError(
            f"revision {revision_id} belongs to WordPress post {parent}, not to post {slug!r} (WordPress id "
            f"{post_id}); nothing was sent",
            f"List the revisions of {slug!r} with `digest-publisher history {slug}` and pass one of their ids",
            status=409,
            code="revision_of_another_post",
            url=revision.url,
        )
    current = fetch_recorded_post(client, post_id or 0, slug)
    body = {key: _text(found, key) for key in ("title", "content", "excerpt")}
    if all(_same_field(key, body[key], _text(current, key)) for key in body):
        return PostResult(
            slug,
            "unchanged",
            f"revision {revision_id} is already the current version",
            post_id,
            current.get("status"),
            current.get("link"),
        )
    notes: list[str] = []
    if is_remote_edit(known_state(record), current):
        notes.append(
            f"the version edited in WordPress at {current.get('modified_gmt')} UTC stays available as a revision"
        )
    if dry_run:
        update_post(client, post_id or 0, body, f"restore revision {revision_id}")
        return PostResult(
            slug,
            "would-restore",
            f"revision {revision_id} ({found.get('date_gmt')} UTC)",
            post_id,
            current.get("status"),
            current.get("link"),
            notes,
        )
    expected = {**current, **{key: {"raw": value} for key, value in body.items()}}
    intent = update_intent(fields_fingerprint(expected))
    journal = RecordJournal(folder, record)
    journal.intend(intent)
    written = update_post(client, post_id or 0, body, f"restore revision {revision_id}")
    data = written.data
    problems = [key for key in body if not _same_field(key, body[key], _text(data, key))]
    if problems:
        raise WordPressError(
            f"restoring revision {revision_id} of post {slug!r}: WordPress answered with success but "
            f"changed {', '.join(problems)} ({written.url})",
            "The user may lack unfiltered_html for this content; restore it in wp-admin (Revisions) instead",
            url=written.url,
        )
    newest = newest_revision_id(data)
    link = data.get("link")
    journal.settle(
        intent,
        status=data.get("status"),
        link=link,
        modified_gmt=data.get("modified_gmt"),
        remote_fingerprint=rest_fingerprint(data),
        history=(
            *record.history,
            f"{now_stamp()} restored revision {revision_id} of post {post_id}"
            + (f" as revision {newest}" if newest else ""),
        ),
    )
    message = f"revision {revision_id} is the current version again" + (f" (new revision {newest})" if newest else "")
    return PostResult(slug, "restored", message, post_id, data.get("status"), link, notes)


def _same_field(key: str, sent: str, got: str) -> bool:
    if key == "title":
        return same_text(sent, got)
    return first_html_difference(sent, got) is None


def _text(post: object, key: str) -> str:
    """A field as stored (``raw``; ``rendered`` when WordPress gave only that), as text."""
    if not isinstance(post, dict):
        return ""
    value = raw_field(post, key)
    if value is None and isinstance(post.get(key), dict):
        value = post[key].get("rendered")
    return str(value or "")
