"""Publishing a rendered post exactly once, and reporting what is published.

    publish_post(rendered, folder, settings)   lock -> record -> transport.publish -> residue check -> record
    post_statuses(posts_dir, settings, render) one line per local post: id, status, link, local/remote drift
    check_site(settings)                       what is wrong with the connection, or who we are
    measure_publishing(rendered, settings)     request counts and wall time, for ``make bench``

The transports (REST by default, XML-RPC for sites without REST) live in :mod:`digest_publisher.wordpress`;
the local record in :mod:`digest_publisher.records`.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

from .errors import ConfigError, DigestError, WordPressError
from .models import RenderedPost
from .records import (
    PostRecord,
    kill_point,
    list_post_folders,
    load_record,
    load_site_facts,
    post_lock,
    remove_record,
    save_record,
    update_site_facts,
)
from .render.residue import check_residue
from .wordpress.check import CheckReport, check_site
from .wordpress.client import WordPressClient
from .wordpress.common import (
    Journal,
    KnownState,
    PostTransport,
    PublishOutcome,
    create_intent,
    format_gmt,
    planned_notes,
)
from .wordpress.rest import RestPublisher
from .wordpress.settings import WordPressSettings

TRANSPORTS = ("rest", "xmlrpc")
ResidueCheck = Callable[[str, str], None]

__all__ = [
    "TRANSPORTS",
    "CheckReport",
    "PostStatus",
    "PublishReport",
    "check_site",
    "content_hash",
    "measure_publishing",
    "post_statuses",
    "publish_post",
]


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
        "image": None
        if image is None
        else {
            "sha256": image.sha256,
            "filename": image.filename,
            "mime_type": image.mime_type,
            "alt_text": image.alt_text,
            "caption": image.caption,
        },
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _publish_key(hash_: str | None, status: str | None, date_gmt: str | None) -> str | None:
    if not hash_:
        return None
    return f"{hash_}|{status}|{format_gmt(date_gmt) if date_gmt else ''}"


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
    session: requests.Session | None = None,
) -> PostTransport:
    if name == "rest":
        return RestPublisher(WordPressClient(settings, session=session, rest_root=rest_root, dry_run=dry_run))
    if name == "xmlrpc":
        from .wordpress.xmlrpc import XmlRpcPublisher  # imports python-wordpress-xmlrpc only when used

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
    session: requests.Session | None = None,
    posts_dir: Path | None = None,
    lock_wait: float = 0.0,
    locked: bool = False,
) -> PublishReport:
    """Create or update ``rendered`` on the site, verify it, and record it in ``folder/record.json``.

    ``residue_check(html, where)`` (the renderer's ``check_residue``: always on; tests may wrap it to
    observe it) runs on ``content.rendered`` as a reader receives it. A dry run reads from the site but
    sends no write and writes no local file.
    ``posts_dir`` (the folder of all posts) lets posts share what one found out about the site (its
    REST root, the images uploaded) in ``.sites.json``; without it each post finds out for itself.
    ``lock_wait``: seconds to wait for another run that holds the post's lock; ``locked``: the caller
    already holds it (``republish``).
    """
    started = time.perf_counter()
    if dry_run or locked:
        return _publish_locked(
            rendered, folder, settings, transport, dry_run, force, residue_check, session, started, posts_dir
        )
    with post_lock(folder, wait=lock_wait):
        return _publish_locked(
            rendered, folder, settings, transport, False, force, residue_check, session, started, posts_dir
        )


def _publish_locked(
    rendered: RenderedPost,
    folder: Path,
    settings: WordPressSettings,
    transport_name: str,
    dry_run: bool,
    force: bool,
    residue_check: ResidueCheck,
    session: requests.Session | None,
    started: float,
    posts_dir: Path | None,
) -> PublishReport:
    record = load_record(folder)
    if record and record.site_url and record.site_url != settings.site_url:
        raise WordPressError(
            f"{folder / 'record.json'} belongs to {record.site_url}, but WORDPRESS_URL is "
            f"{settings.site_url}",
            "Publish to the site the record belongs to, or use a separate --posts-dir per site",
        )
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
        content_hash=_publish_key(record.content_hash, record.sent_status, record.sent_date_gmt),
        remote_fingerprint=record.remote_fingerprint,
        media=dict(record.media),
        pending=frozenset(record.pending),
        site_media=dict(site.media) if site else {},
    )
    # The REST root is remembered per record (and per site) so a publish skips discovery.
    rest_root = record.rest_root if rest and record.transport in (None, "rest") else None
    if rest and rest_root is None and site is not None:
        rest_root = site.rest_root
    publisher = make_transport(
        transport_name, settings, rest_root=rest_root, dry_run=dry_run, session=session
    )
    state: dict[str, PostRecord] = {"record": record}

    def on_written(outcome: PublishOutcome) -> None:
        """Called right after WordPress stored the post, before verification: remember its id."""
        kill_point("after-create" if outcome.action == "created" else "after-update")
        current = state["record"]
        state["record"] = replace(
            current,
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
        save_record(folder, state["record"])

    journal = _RecordJournal(folder, state, settings, publisher.name, dry_run, posts_dir) if rest else None
    publish_key = _publish_key(hash_, rendered.status, rendered.date_gmt) or ""
    try:
        outcome = _call_publish(publisher, rendered, known, force, on_written, publish_key, journal)
        if outcome.rendered_html is not None:
            residue_check(outcome.rendered_html, outcome.rendered_where or f"post {rendered.slug}")
    except DigestError as exc:
        failed = state["record"]
        if failed is not record:  # something was written: keep the story in the record
            if not existed and failed.wordpress_id is None and not failed.media and not failed.pending:
                remove_record(folder)  # intents only, all undone: nothing of ours is on the site
            else:
                what = "NOT verified" if failed.wordpress_id is not None else "failed"
                save_record(
                    folder, replace(failed, history=(*failed.history, f"{_now()} {what}: {exc}"[:500]))
                )
        raise

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
        state["record"],
        pending=(),  # everything announced is now settled: the post id and the image are known
        link=outcome.link,
        status=outcome.status,
        content_hash=hash_,
        sent_status=rendered.status,
        sent_date_gmt=format_gmt(rendered.date_gmt) if rendered.date_gmt else None,
        media={**state["record"].media, **outcome.media},
        last_response=outcome.post_object,
        history=(
            *state["record"].history,
            f"{_now()} verified post {outcome.post_id} ({outcome.status}) {outcome.link} "
            f"[{publisher.request_count} requests]",
        ),
    )
    save_record(folder, final)
    if rest and posts_dir is not None:
        update_site_facts(posts_dir, settings.site_url, rest_root=_rest_root_of(publisher), media=outcome.media)
    return PublishReport(rendered.slug, outcome, publisher.request_count, elapsed, False)


class _RecordJournal:
    """Saves the REST transport's write intents into the post's record (see ``PostRecord.pending``)."""

    def __init__(
        self,
        folder: Path,
        state: dict[str, PostRecord],
        settings: WordPressSettings,
        transport: str,
        dry_run: bool,
        posts_dir: Path | None,
    ) -> None:
        self.posts_dir = posts_dir
        self.folder = folder
        self.state = state
        self.settings = settings
        self.transport = transport
        self.dry_run = dry_run

    def intend(self, intent: str) -> None:
        current = self.state["record"]
        if self.dry_run or intent in current.pending:
            return
        self.state["record"] = replace(
            current,
            site_url=self.settings.site_url,
            transport=self.transport,
            pending=(*current.pending, intent),
        )
        save_record(self.folder, self.state["record"])

    def settle(self, intent: str, *, media: Mapping[str, int] | None = None) -> None:
        if self.dry_run:
            return
        if media:
            kill_point("after-media")
        current = self.state["record"]
        self.state["record"] = replace(
            current,
            media={**current.media, **dict(media or {})},
            pending=tuple(p for p in current.pending if p != intent),
        )
        save_record(self.folder, self.state["record"])
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
) -> PublishOutcome:
    # content_hash (both transports) and journal (REST) are passed by keyword, not part of the
    # Protocol's minimal surface, so test doubles of a transport stay small.
    method: Callable[..., PublishOutcome] = publisher.publish
    extra: dict[str, Any] = {"journal": journal} if journal is not None else {}
    return method(rendered, known, force=force, on_written=on_written, content_hash=publish_key, **extra)


def _rest_root_of(publisher: PostTransport) -> str | None:
    client = getattr(publisher, "client", None)
    if isinstance(client, WordPressClient):
        return client.cached_root
    return None


# -- status ------------------------------------------------------------------------------------------


@dataclass
class PostStatus:
    slug: str
    wordpress_id: int | None
    status: str | None
    link: str | None
    local: str  # "same", "changed", "not published", or "render error: ..."
    remote: str  # "same", "edited in WordPress", "missing", "not checked", ...
    last_publish: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def post_statuses(
    posts_dir: Path,
    settings: WordPressSettings | None,
    render: Callable[[Path], RenderedPost] | None,
    *,
    session: requests.Session | None = None,
) -> list[PostStatus]:
    """Each local post with its WordPress id, status and link, and whether local and remote differ.

    ``render(folder)`` re-renders a post to compare its content hash; ``settings`` None skips the remote
    comparison (one GET per published post otherwise).
    """
    client = WordPressClient(settings, session=session) if settings else None
    out: list[PostStatus] = []
    for folder in list_post_folders(posts_dir):
        record = load_record(folder)
        if record is None or record.wordpress_id is None:
            out.append(PostStatus(folder.name, None, None, None, "not published", "-"))
            continue
        local = "not checked"
        if render is not None:
            try:
                local = "same" if content_hash(render(folder)) == record.content_hash else "changed"
            except DigestError as exc:
                local = f"render error: {exc.message}"
        if record.content_hash is None:
            local = "last publish not verified"
        remote = "not checked (no WordPress settings)"
        status, link = record.status, record.link
        if client is not None and settings is not None:
            if record.site_url and record.site_url != settings.site_url:
                remote = f"not checked (published to {record.site_url})"
            else:
                if record.rest_root and client.cached_root is None:
                    client.use_root(record.rest_root)
                response = client.get(
                    f"wp/v2/posts/{record.wordpress_id}",
                    {"context": "edit"},
                    accept_codes=frozenset({"rest_post_invalid_id"}),
                )
                if response.status == 404:
                    remote = "missing on WordPress (deleted)"
                else:
                    data = response.data
                    status, link = data.get("status"), data.get("link")
                    if data.get("status") == "trash":
                        remote = "in the trash"
                    elif data.get("modified_gmt") != record.modified_gmt:
                        remote = f"edited in WordPress at {data.get('modified_gmt')} UTC"
                    else:
                        remote = "same"
        last = record.history[-1] if record.history else None
        out.append(PostStatus(folder.name, record.wordpress_id, status, link, local, remote, last))
    return out


# -- bench -------------------------------------------------------------------------------------------


def measure_publishing(
    rendered: RenderedPost,
    settings: WordPressSettings,
    work_dir: Path,
    *,
    residue_check: ResidueCheck = check_residue,
    suffix: str | None = None,
) -> list[dict[str, Any]]:
    """For ``make bench``: requests and wall time of a first REST publish, an unchanged re-publish, and
    a first publish via XML-RPC. Uses fresh slugs (``<slug>-<suffix>``) and folders under ``work_dir``
    so every "first" publish really is one."""
    token = suffix or datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    rows: list[dict[str, Any]] = []
    rest_post = replace(rendered, slug=f"{rendered.slug}-{token}")
    rest_dir = work_dir / rest_post.slug
    # A post's first publish on a site the posts folder already knows (its REST root is remembered in
    # .sites.json): the discovery a posts folder makes once is not part of every first publish.
    if load_site_facts(work_dir, settings.site_url).rest_root is None:
        update_site_facts(work_dir, settings.site_url, rest_root=WordPressClient(settings).discover_root())
    for case in ("first publish (REST)", "unchanged re-publish (REST)"):
        report = publish_post(rest_post, rest_dir, settings, residue_check=residue_check, posts_dir=work_dir)
        rows.append(
            {
                "case": case,
                "requests": report.requests,
                "seconds": round(report.seconds, 3),
                "action": report.outcome.action,
                "id": report.outcome.post_id,
            }
        )
    xml_post = replace(rendered, slug=f"{rendered.slug}-{token}-xmlrpc")
    report = publish_post(
        xml_post, work_dir / xml_post.slug, settings, transport="xmlrpc", residue_check=residue_check
    )
    rows.append(
        {
            "case": "first publish (XML-RPC)",
            "requests": report.requests,
            "seconds": round(report.seconds, 3),
            "action": report.outcome.action,
            "id": report.outcome.post_id,
        }
    )
    return rows
