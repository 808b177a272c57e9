"""Publishing a rendered post exactly once: lock -> record -> transport.publish -> verification ->
residue check (always on) -> record.

The record (``records.record.PostRecord``) is what makes a WordPress post ours: its id is saved the moment
WordPress created it, with the slug and the hash of what was sent. Nothing of ours is added to the content
(see ``wordpress.fingerprints.holds_our_post`` for the case of a lost record).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..choices import TRANSPORTS
from ..errors import ConfigError, DigestError, WordPressError
from ..models import RenderedPost
from ..records.locks import post_lock, site_locks
from ..records.record import (
    PostRecord,
    kill_point,
    load_record,
    load_site_facts,
    remove_record,
    save_record,
    update_site_facts,
)
from ..wordpress.client import WordPressClient
from ..wordpress.connection_settings import WordPressSettings
from ..wordpress.publisher import (
    Journal,
    KnownState,
    PostTransport,
    PublishOutcome,
    create_intent,
    format_gmt,
    planned_notes,
)
from ..wordpress.rest import RestPublisher
from ..wordpress.transport import Session
from ..wordpress.users import UserClient
from .journal import RecordJournal
from .results import refuse_other_site
from .sent import ResidueCheck, check_residue, content_hash, publish_key_of
from .staging import Staging


@dataclass
class PublishReport:
    """What one ``publish`` did, for the CLI and the bench."""

    slug: str
    outcome: PublishOutcome
    requests: int
    seconds: float
    dry_run: bool
    planned: list[dict[str, Any]] = field(default_factory=list)  # dry run: every request, writes withheld

    def summary(self) -> dict[str, Any]:
        o = self.outcome
        return {
            "slug": self.slug,
            "action": o.action,
            "transport": o.transport,
            "id": o.post_id,
            "status": o.status,
            "link": o.link,
            "requests": self.requests,
            "seconds": round(self.seconds, 3),
            "notes": o.notes,
        }


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def make_transport(
    name: str,
    settings: WordPressSettings,
    *,
    rest_root: str | None = None,
    dry_run: bool = False,
    session: Session | None = None,
) -> PostTransport:
    if name == "rest":
        return RestPublisher(UserClient(settings, session=session, rest_root=rest_root, dry_run=dry_run))
    if name == "xmlrpc":
        from ..wordpress.xmlrpc import XmlRpcPublisher  # imports python-wordpress-xmlrpc only when used

        return XmlRpcPublisher(settings, dry_run=dry_run)
    raise DigestError(f"unknown transport {name!r}", f"Use one of: {', '.join(TRANSPORTS)}")


def apply_overrides(rendered: RenderedPost, status: str | None, date_gmt: str | None) -> RenderedPost:
    """A status and date asked for on the command line win over post.md's front matter."""
    new_status = status or rendered.status
    new_date = date_gmt or rendered.date_gmt
    if new_status == "future" and not new_date:
        raise ConfigError(
            f"post {rendered.slug!r}: status 'future' needs a date",
            "Pass --date 2026-12-01T09:00:00Z (UTC), or set 'date' in post.md",
        )
    return replace(rendered, status=new_status, date_gmt=new_date)


def publish_post(
    rendered: RenderedPost,
    folder: Path,
    settings: WordPressSettings,
    *,
    transport: str = "rest",
    dry_run: bool = False,
    force: bool = False,
    residue_check: ResidueCheck = check_residue,
    session: Session | None = None,
    posts_dir: Path | None = None,
    lock_wait: float = 0.0,
    locked: bool = False,
    adopt: bool = False,
) -> PublishReport:
    """Create or update ``rendered`` on the site, verify it, and record it in ``folder/record.json``.

    ``residue_check(html, where)`` (the renderer's ``check_residue``: always on; tests may wrap it to
    observe it) runs on ``content.rendered`` as a reader receives it. A dry run reads from the site but
    sends no write and writes no local file.
    ``posts_dir`` (the folder of all posts) lets posts share what one found out about the site (its
    REST root, the images uploaded) in ``.sites.json``; without it each post finds out for itself.
    ``lock_wait``: seconds to wait for another run that holds the post's lock; ``locked``: the caller
    already holds it (``republish``). Runs of other posts folders on this machine that publish the same slug
    or image take turns (``records.locks.site_locks``). A WordPress post belongs to one record: a post this
    record did not create (another posts folder's, or ours with record.json lost) is never taken over unless
    ``adopt``.
    """
    started = time.perf_counter()
    args = (rendered, folder, settings, transport, dry_run, force, residue_check, session, started, posts_dir)
    if dry_run:
        return _publish_locked(*args, adopt=adopt)
    with ExitStack() as stack:
        if not locked:
            stack.enter_context(post_lock(folder, wait=lock_wait))
        # Other posts folders publishing this slug or uploading this image wait for this run (and it for them).
        keys = [f"post {rendered.slug}"]
        if rendered.featured_image is not None:
            keys.append(f"image {rendered.featured_image.sha256}")
        stack.enter_context(site_locks(settings.site_url, keys))
        return _publish_locked(*args, adopt=adopt)


def _publish_locked(
    rendered: RenderedPost,
    folder: Path,
    settings: WordPressSettings,
    transport_name: str,
    dry_run: bool,
    force: bool,
    residue_check: ResidueCheck,
    session: Session | None,
    started: float,
    posts_dir: Path | None,
    *,
    adopt: bool,
) -> PublishReport:
    record = load_record(folder)
    refuse_other_site(folder, record, settings)
    existed = record is not None
    record = record or PostRecord(slug=rendered.slug)
    hash_ = content_hash(rendered)
    rest = transport_name == "rest"
    # What other posts of this site found out: the REST root (no discovery for a first publish) and
    # the images already uploaded (no search for a second post with the same image).
    site = load_site_facts(posts_dir, settings.site_url) if rest and posts_dir is not None else None
    known = KnownState(
        wordpress_id=record.wordpress_id,
        modified_gmt=record.modified_gmt,
        status=record.status,
        content_hash=publish_key_of(record.content_hash, record.sent_status, record.sent_date_gmt),
        remote_fingerprint=record.remote_fingerprint,
        media=dict(record.media),
        pending=frozenset(record.pending),
        site_media=dict(site.media) if site else {},
        site_terms=dict(site.terms) if site else {},
    )
    # The REST root is remembered per record (and per site) so a publish skips discovery.
    rest_root = record.rest_root if rest and record.transport in (None, "rest") else None
    if rest and rest_root is None and site is not None:
        rest_root = site.rest_root
    publisher = make_transport(
        transport_name, settings, rest_root=rest_root, dry_run=dry_run, session=session
    )
    entry = RecordJournal(folder, record, dry_run=dry_run)  # the record as this run changes it
    # The record owns a post when it knows its id, or announced a create that a crashed run may have made.
    owner = _Ownership(folder, rendered.slug, settings.site_url, adopt or record.wordpress_id is not None
                       or create_intent() in record.pending)

    def on_written(outcome: PublishOutcome) -> None:
        """Called right after WordPress stored the post, before verification: remember its id."""
        if outcome.action != "created":
            owner.require(outcome.post_id, outcome.status)
        kill_point("after-create" if outcome.action == "created" else "after-update")
        current = entry.record
        entry.save(
            site_url=settings.site_url,
            rest_root=_rest_root_of(publisher) or current.rest_root,
            transport=publisher.name,
            wordpress_id=outcome.post_id,
            link=outcome.link,
            status=outcome.status,
            modified_gmt=outcome.modified_gmt,
            remote_fingerprint=outcome.remote_fingerprint,
            content_hash=None,  # set only once verified
            media={**current.media, **outcome.media},
            # the post's id and state are recorded now: create and update intents are settled
            pending=tuple(p for p in current.pending if p != create_intent() and not p.startswith("update:")),
            history=(
                *current.history,
                f"{_now()} {outcome.action} post {outcome.post_id} ({outcome.status}) via {publisher.name}",
            ),
        )

    journal = _TransportJournal(entry, settings, publisher.name, posts_dir, owner) if rest else None
    # XML-RPC has no journal: the one-record rule is asked right before a post found by its slug is written.
    before_update = None if rest else owner.require
    publish_key = publish_key_of(hash_, rendered.status, rendered.date_gmt) or ""
    unchanged = bool(record.wordpress_id) and known.content_hash == publish_key and not force
    client = getattr(publisher, "client", None)
    staging = None
    if isinstance(client, UserClient) and not dry_run:  # REST: verified before it goes public
        staging = Staging.for_publish(client, rendered, record, will_write=not unchanged)
    try:
        sent = staging.draft if staging else rendered
        outcome = _call_publish(publisher, sent, known, force, on_written, publish_key, journal, before_update)
        if outcome.rendered_html is not None:
            residue_check(outcome.rendered_html, outcome.rendered_where or f"post {rendered.slug}")
        if staging and outcome.action != "unchanged":
            staging.go_public(outcome)
    except DigestError as exc:
        error = staging.explain(exc, entry.record.wordpress_id) if staging else exc
        failed = entry.record
        if failed is not record:  # something was written: keep the story in the record
            if not existed and failed.wordpress_id is None and not failed.media and not failed.pending:
                remove_record(folder)  # intents only, all undone: nothing of ours is on the site
            else:
                what = "NOT verified" if failed.wordpress_id is not None else "failed"
                save_record(
                    folder, replace(failed, history=(*failed.history, f"{_now()} {what}: {error}"[:500]))
                )
        if error is exc:
            raise
        raise error from exc

    elapsed = time.perf_counter() - started
    if dry_run:
        client = getattr(publisher, "client", None)
        planned = (
            client.planned_requests()
            if isinstance(client, WordPressClient)
            else getattr(publisher, "planned", [])
        )
        outcome.notes = planned_notes(rendered) + [
            n for n in outcome.notes if n not in planned_notes(rendered)
        ]
        return PublishReport(rendered.slug, outcome, publisher.request_count, elapsed, True, planned)

    if outcome.action == "unchanged":
        outcome.post_object = outcome.post_object or record.last_response  # what --json shows
        if (outcome.status, outcome.link) != (record.status, record.link):
            # e.g. a scheduled post went live: refresh what status shows, without a history line
            save_record(folder, replace(record, status=outcome.status, link=outcome.link))
        return PublishReport(rendered.slug, outcome, publisher.request_count, elapsed, False)

    final = replace(
        entry.record,
        pending=(),  # everything announced is now settled: the post id and the image are known
        link=outcome.link,
        status=outcome.status,
        modified_gmt=outcome.modified_gmt or entry.record.modified_gmt,
        remote_fingerprint=outcome.remote_fingerprint or entry.record.remote_fingerprint,
        content_hash=hash_,
        sent_status=rendered.status,
        sent_date_gmt=format_gmt(rendered.date_gmt) if rendered.date_gmt else None,
        media={**entry.record.media, **outcome.media},
        last_response=outcome.post_object,
        history=(
            *entry.record.history,
            f"{_now()} verified post {outcome.post_id} ({outcome.status}) {outcome.link} "
            f"[{publisher.request_count} requests]",
        ),
    )
    save_record(folder, final)
    if rest and posts_dir is not None:
        update_site_facts(
            posts_dir, settings.site_url, rest_root=_rest_root_of(publisher), media=outcome.media, terms=outcome.terms
        )
    return PublishReport(rendered.slug, outcome, publisher.request_count, elapsed, False)


class _Ownership:
    """THE one-record rule: a WordPress post belongs to the record that created it. The transport finds a
    post by its slug when the record does not know it (a crashed run's create, a lost record.json, or
    another posts folder publishing the same post); it may update it only when this record owns it."""

    def __init__(self, folder: Path, slug: str, site_url: str, owned: bool) -> None:
        self.folder = folder
        self.slug = slug
        self.site_url = site_url
        self.owned = owned

    def require(self, post_id: int | None = None, status: str | None = None) -> None:
        if self.owned:
            return
        post = f"WordPress post {post_id} ({status})" if post_id else "a WordPress post"
        raise WordPressError(
            f"{post} on {self.site_url} has the slug {self.slug!r} and this post's content, but "
            f"{self.folder / 'record.json'} does not say this folder published it: it belongs to another "
            "record (another posts folder publishing the same post, or this folder's record.json was lost); "
            "nothing was written to it",
            "A post belongs to one record: publish it from the posts folder whose record.json holds its id, "
            "or change 'slug' in post.md to publish a separate post; if this folder's record.json was lost, "
            "restore it from version control, or make this folder the owner with "
            f"`digest-publisher publish {self.slug} --adopt`",
            status=409,
            code="post_of_another_record",
        )


class _TransportJournal:
    """The REST transport's write intents (its :class:`~digest_publisher.wordpress.publisher.Journal`), kept in
    the post's record by the one :class:`~digest_publisher.publishing.journal.RecordJournal`; an update of a
    post the record does not own is refused before it is sent (:class:`_Ownership`)."""

    def __init__(
        self,
        entry: RecordJournal,
        settings: WordPressSettings,
        transport: str,
        posts_dir: Path | None,
        owner: _Ownership,
    ) -> None:
        self.entry = entry
        self.owner = owner
        self.posts_dir = posts_dir
        self.settings = settings
        self.transport = transport

    def intend(self, intent: str) -> None:
        if intent.startswith("update:") and self.entry.record.wordpress_id is None:
            self.owner.require()  # a post found by its slug, not one this record created
        if self.entry.dry_run or intent in self.entry.record.pending:
            return
        self.entry.intend(intent, site_url=self.settings.site_url, transport=self.transport)

    def settle(self, intent: str, *, media: Mapping[str, int] | None = None) -> None:
        if self.entry.dry_run:
            return
        if media:
            kill_point("after-media")
        self.entry.settle(intent, media={**self.entry.record.media, **dict(media or {})})
        if media and self.posts_dir is not None:
            update_site_facts(self.posts_dir, self.settings.site_url, media=media)


def _call_publish(
    publisher: PostTransport,
    rendered: RenderedPost,
    known: KnownState,
    force: bool,
    on_written: Callable[[PublishOutcome], None],
    publish_key: str,
    journal: Journal | None = None,
    before_update: Callable[[int], None] | None = None,
) -> PublishOutcome:
    # content_hash (both transports), journal (REST) and before_update (XML-RPC) are passed by keyword, not
    # part of the Protocol's minimal surface, so test doubles of a transport stay small.
    method: Callable[..., PublishOutcome] = publisher.publish
    extra: dict[str, Any] = {"journal": journal} if journal is not None else {}
    if before_update is not None:
        extra["before_update"] = before_update
    return method(rendered, known, force=force, on_written=on_written, content_hash=publish_key, **extra)


def _rest_root_of(publisher: PostTransport) -> str | None:
    client = getattr(publisher, "client", None)
    if isinstance(client, WordPressClient):
        return client.cached_root
    return None
