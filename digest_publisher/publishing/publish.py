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
from ..models import FeaturedImage, RenderedPost
from ..records.locks import post_lock, site_locks
from ..records.record import (
    PostRecord,
    kill_point,
    load_record,
    remove_record,
    save_record,
)
from ..wordpress.client import WordPressClient
from ..wordpress.media import EarlyUpload
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
from ..wordpress.site import Site
from ..wordpress.users import UserClient
from .journal import RecordJournal
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


@dataclass(frozen=True)
class PendingPost:
    """A post whose render has not run yet, with what is known without it: its slug and its featured image
    (a file of its folder). :func:`publish_post` renders it under the post's locks, after a first publish
    started the image's upload (``media.EarlyUpload``), so the upload goes on while the post renders."""

    slug: str
    featured_image: FeaturedImage
    render: Callable[[], RenderedPost]


def pending_post(folder: Path, render: Callable[[], RenderedPost]) -> PendingPost | RenderedPost:
    """The post of ``folder`` to publish: pending (rendered by :func:`publish_post`) when it may be a first
    publish (its record knows no WordPress post and no earlier attempt) and its featured image is a file that
    loads; else rendered now (an update, no image, the generated card, or an image the render refuses: its
    error is the render's). Deciding loads neither the render stage's Markdown side nor, for a known post, any of it."""
    image = _first_publish_image(folder)
    return render() if image is None else PendingPost(image[0], image[1], render)


def _first_publish_image(folder: Path) -> tuple[str, FeaturedImage] | None:
    from ..records import featured_image_file, load_folder

    try:
        record = load_record(folder)
        if record is not None and (record.wordpress_id is not None or record.pending):
            return None  # no early upload for it (media.EarlyUpload): nothing to overlap the render with
        post = load_folder(folder)
        if featured_image_file(post.source) is None:
            return None
        from ..render import featured_file_image  # not the Markdown side (loaded on first use): during the upload

        image = featured_file_image(post)
    except DigestError:
        return None  # the render meets the same problem and reports it
    return (post.source.slug, image) if image is not None else None


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def make_transport(
    name: str, site: Site, folder: Path, record: PostRecord | None, posts_dir: Path | None = None
) -> PostTransport:
    """The publisher of the post of ``folder`` over ``name``, from the command's Site: refused before any request
    when ``record`` is another site's (:meth:`Site.client_for`)."""
    if name == "rest":
        return RestPublisher(site.client_for(folder, record, posts_dir))
    if name == "xmlrpc":
        site.check_record(folder, record)
        return site.xmlrpc_publisher()  # imports python-wordpress-xmlrpc only when used
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
    rendered: RenderedPost | PendingPost,
    folder: Path,
    site: Site,
    *,
    transport: str = "rest",
    force: bool = False,
    residue_check: ResidueCheck = check_residue,
    posts_dir: Path | None = None,
    lock_wait: float = 0.0,
    locked: bool = False,
    adopt: bool = False,
) -> PublishReport:
    """Create or update ``rendered`` on the site, verify it, and record it in ``folder/record.json``.

    ``residue_check(html, where)`` (the renderer's ``check_residue``: always on; tests may wrap it to
    observe it) runs on ``content.rendered`` as a reader receives it. The requests go through ``site``, the
    command's one :class:`~digest_publisher.wordpress.site.Site` (its client, or its XML-RPC publisher, after its
    same-site rule); a dry run (``site.dry_run``) reads from the site but sends no write and writes no local file.
    ``posts_dir`` (the folder of all posts) lets posts share what one found out about the site (its
    REST root, the images uploaded) in ``.sites.json``; without it each post finds out for itself.
    ``lock_wait``: seconds to wait for another run that holds the post's lock; ``locked``: the caller
    already holds it (``republish``). Runs of other posts folders on this machine that publish the same slug
    or image take turns (``records.locks.site_locks``). A WordPress post belongs to one record: a post this
    record did not create (another posts folder's, or ours with record.json lost) is never taken over unless
    ``adopt``. A :class:`PendingPost` is rendered here, under the locks, once its image's upload is started.
    """
    started = time.perf_counter()
    args = (rendered, folder, site, transport, force, residue_check, started, posts_dir)
    if site.dry_run:
        return _publish_locked(*args, adopt=adopt)
    with ExitStack() as stack:
        if not locked:
            stack.enter_context(post_lock(folder, wait=lock_wait))
        # Other posts folders publishing this slug or uploading this image wait for this run (and it for them).
        keys = [f"post {rendered.slug}"]
        if rendered.featured_image is not None:
            keys.append(f"image {rendered.featured_image.sha256}")
        stack.enter_context(site_locks(site.site_url, keys))
        return _publish_locked(*args, adopt=adopt)


def _publish_locked(
    pending: RenderedPost | PendingPost,
    folder: Path,
    site: Site,
    transport_name: str,
    force: bool,
    residue_check: ResidueCheck,
    started: float,
    posts_dir: Path | None,
    *,
    adopt: bool,
) -> PublishReport:
    record = load_record(folder)
    dry_run = site.dry_run
    rest = transport_name == "rest"
    publisher = make_transport(transport_name, site, folder, record, posts_dir)  # the same-site rule, first
    existed = record is not None
    slug = pending.slug
    record = record or PostRecord(slug=slug)
    # What other posts of this site found out: the REST root (no discovery for a first publish, see
    # Site.client_for) and the images already uploaded (no search for a second post with the same image).
    facts = site.facts(posts_dir) if rest and posts_dir is not None else None
    known = KnownState(
        wordpress_id=record.wordpress_id,
        modified_gmt=record.modified_gmt,
        status=record.status,
        content_hash=publish_key_of(record.content_hash, record.sent_status, record.sent_date_gmt),
        remote_fingerprint=record.remote_fingerprint,
        media=dict(record.media),
        pending=frozenset(record.pending),
        site_media=dict(facts.media) if facts else {},
        site_terms=dict(facts.terms) if facts else {},
    )
    log_start = len(publisher.client.log) if isinstance(publisher, RestPublisher) else 0
    entry = RecordJournal(folder, record, dry_run=dry_run)  # the record as this run changes it
    # The record owns a post when it knows its id, or announced a create that a crashed run may have made.
    owner = _Ownership(folder, slug, site.site_url, adopt or record.wordpress_id is not None
                       or create_intent() in record.pending)

    def on_written(outcome: PublishOutcome) -> None:
        """Called right after WordPress stored the post, before verification: remember its id."""
        if outcome.action != "created":
            owner.require(outcome.post_id, outcome.status)
        kill_point("after-create" if outcome.action == "created" else "after-update")
        current = entry.record
        entry.save(
            site_url=site.site_url,
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

    journal = _TransportJournal(entry, site, publisher.name, posts_dir, owner) if rest else None
    # XML-RPC has no journal: the one-record rule is asked right before a post found by its slug is written.
    before_update = None if rest else owner.require
    client = getattr(publisher, "client", None)
    early = None
    if isinstance(pending, PendingPost) and isinstance(client, WordPressClient) and journal is not None:
        early = EarlyUpload.start(client, pending.featured_image, known, journal, trusted=True)
    staging = None
    try:
        try:
            rendered = _rendered(pending)
            hash_ = content_hash(rendered)
            publish_key = publish_key_of(hash_, rendered.status, rendered.date_gmt) or ""
            unchanged = bool(record.wordpress_id) and known.content_hash == publish_key and not force
            if isinstance(client, UserClient) and not dry_run:  # REST: verified before it goes public
                staging = Staging.for_publish(client, rendered, record, will_write=not unchanged)
        except DigestError:
            if early is not None and journal is not None:  # refused before the transport took the upload over
                early.undo(journal)
            raise
        sent = staging.draft if staging else rendered
        outcome = _call_publish(
            publisher, sent, known, force, on_written, publish_key, journal, before_update, early=early
        )
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
            client.planned_requests()[log_start:]  # this post's: the command's client may have sent others
            if isinstance(client, WordPressClient)
            else getattr(publisher, "planned", [])
        )
        outcome.notes = planned_notes(rendered) + [
            n for n in outcome.notes if n not in planned_notes(rendered)
        ]
        return PublishReport(slug, outcome, publisher.request_count, elapsed, True, planned)

    if outcome.action == "unchanged":
        outcome.post_object = outcome.post_object or record.last_response  # what --json shows
        if (outcome.status, outcome.link) != (record.status, record.link):
            # e.g. a scheduled post went live: refresh what status shows, without a history line
            save_record(folder, replace(record, status=outcome.status, link=outcome.link))
        return PublishReport(slug, outcome, publisher.request_count, elapsed, False)

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
        site.remember(posts_dir, rest_root=_rest_root_of(publisher), media=outcome.media, terms=outcome.terms)
    return PublishReport(slug, outcome, publisher.request_count, elapsed, False)


def _rendered(pending: RenderedPost | PendingPost) -> RenderedPost:
    """The post, rendered now when pending; it must be the post whose slug and image the run locked and uploaded."""
    if not isinstance(pending, PendingPost):
        return pending
    rendered = pending.render()
    if rendered.slug != pending.slug or rendered.featured_image != pending.featured_image:
        raise ConfigError(
            f"post {pending.slug!r}: its post.md or featured image changed while it was being published "
            "(the render differs from what was read before it); nothing was written to its post",
            "Publish it again once the files stay unchanged",
        )
    return rendered


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
        site: Site,
        transport: str,
        posts_dir: Path | None,
        owner: _Ownership,
    ) -> None:
        self.entry = entry
        self.owner = owner
        self.posts_dir = posts_dir
        self.site = site
        self.transport = transport

    def intend(self, intent: str) -> None:
        if intent.startswith("update:") and self.entry.record.wordpress_id is None:
            self.owner.require()  # a post found by its slug, not one this record created
        if self.entry.dry_run or intent in self.entry.record.pending:
            return
        self.entry.intend(intent, site_url=self.site.site_url, transport=self.transport)

    def settle(self, intent: str, *, media: Mapping[str, int] | None = None) -> None:
        if self.entry.dry_run:
            return
        if media:
            kill_point("after-media")
        self.entry.settle(intent, media={**self.entry.record.media, **dict(media or {})})
        if media and self.posts_dir is not None:
            self.site.remember(self.posts_dir, media=dict(media))


def _call_publish(
    publisher: PostTransport,
    rendered: RenderedPost,
    known: KnownState,
    force: bool,
    on_written: Callable[[PublishOutcome], None],
    publish_key: str,
    journal: Journal | None = None,
    before_update: Callable[[int], None] | None = None,
    *,
    early: EarlyUpload | None = None,
) -> PublishOutcome:
    # content_hash (both transports), journal (REST) and before_update (XML-RPC) are passed by keyword, not
    # part of the Protocol's minimal surface, so test doubles of a transport stay small.
    method: Callable[..., PublishOutcome] = publisher.publish
    extra: dict[str, Any] = {"journal": journal} if journal is not None else {}
    if before_update is not None:
        extra["before_update"] = before_update
    if early is not None:
        extra["early"] = early
    return method(rendered, known, force=force, on_written=on_written, content_hash=publish_key, **extra)


def _rest_root_of(publisher: PostTransport) -> str | None:
    client = getattr(publisher, "client", None)
    if isinstance(client, WordPressClient):
        return client.cached_root
    return None
