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
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

from .errors import DigestError, WordPressError
from .models import RenderedPost
from .records import PostRecord, list_post_folders, load_record, post_lock, save_record
from .wordpress.check import CheckReport, check_site
from .wordpress.client import WordPressClient
from .wordpress.common import KnownState, PostTransport, PublishOutcome, format_gmt, planned_notes
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


def publish_post(
    rendered: RenderedPost,
    folder: Path,
    settings: WordPressSettings,
    *,
    transport: str = "rest",
    dry_run: bool = False,
    force: bool = False,
    residue_check: ResidueCheck | None = None,
    session: requests.Session | None = None,
) -> PublishReport:
    """Create or update ``rendered`` on the site, verify it, and record it in ``folder/record.json``.

    ``residue_check(html, where)`` (the renderer's ``check_residue``) runs on ``content.rendered`` as a
    reader receives it. A dry run reads from the site but sends no write and writes no local file.
    """
    started = time.perf_counter()
    if dry_run:
        return _publish_locked(
            rendered, folder, settings, transport, True, force, residue_check, session, started
        )
    with post_lock(folder):
        return _publish_locked(
            rendered, folder, settings, transport, False, force, residue_check, session, started
        )


def _publish_locked(
    rendered: RenderedPost,
    folder: Path,
    settings: WordPressSettings,
    transport_name: str,
    dry_run: bool,
    force: bool,
    residue_check: ResidueCheck | None,
    session: requests.Session | None,
    started: float,
) -> PublishReport:
    record = load_record(folder)
    if record and record.site_url and record.site_url != settings.site_url:
        raise WordPressError(
            f"{folder / 'record.json'} belongs to {record.site_url}, but WORDPRESS_URL is "
            f"{settings.site_url}",
            "Publish to the site the record belongs to, or use a separate --posts-dir per site",
        )
    record = record or PostRecord(slug=rendered.slug)
    hash_ = content_hash(rendered)
    known = KnownState(
        wordpress_id=record.wordpress_id,
        modified_gmt=record.modified_gmt,
        status=record.status,
        content_hash=_publish_key(record.content_hash, record.sent_status, record.sent_date_gmt),
        remote_fingerprint=record.remote_fingerprint,
        media=dict(record.media),
    )
    # The REST root is remembered per record so a re-publish skips discovery.
    rest_root = record.rest_root if transport_name == "rest" and record.transport in (None, "rest") else None
    publisher = make_transport(
        transport_name, settings, rest_root=rest_root, dry_run=dry_run, session=session
    )
    state: dict[str, PostRecord] = {"record": record}

    def on_written(outcome: PublishOutcome) -> None:
        """Called right after WordPress stored the post, before verification: remember its id."""
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
            history=(
                *current.history,
                f"{_now()} {outcome.action} post {outcome.post_id} ({outcome.status}) via {publisher.name}",
            ),
        )
        save_record(folder, state["record"])

    publish_key = _publish_key(hash_, rendered.status, rendered.date_gmt) or ""
    try:
        outcome = _call_publish(publisher, rendered, known, force, on_written, publish_key)
        if outcome.rendered_html is not None and residue_check is not None:
            residue_check(outcome.rendered_html, outcome.rendered_where or f"post {rendered.slug}")
    except DigestError as exc:
        if state["record"] is not record:  # something was written: keep the story in the record
            failed = state["record"]
            save_record(
                folder, replace(failed, history=(*failed.history, f"{_now()} NOT verified: {exc}"[:500]))
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
        if (outcome.status, outcome.link) != (record.status, record.link):
            # e.g. a scheduled post went live: refresh what status shows, without a history line
            save_record(folder, replace(record, status=outcome.status, link=outcome.link))
        return PublishReport(rendered.slug, outcome, publisher.request_count, elapsed, False)

    final = replace(
        state["record"],
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
    return PublishReport(rendered.slug, outcome, publisher.request_count, elapsed, False)


def _call_publish(
    publisher: PostTransport,
    rendered: RenderedPost,
    known: KnownState,
    force: bool,
    on_written: Callable[[PublishOutcome], None],
    publish_key: str,
) -> PublishOutcome:
    # content_hash is passed by keyword to both concrete transports (not part of the Protocol's
    # minimal surface, so test doubles of a transport stay small).
    method: Callable[..., PublishOutcome] = publisher.publish
    return method(rendered, known, force=force, on_written=on_written, content_hash=publish_key)


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
    residue_check: ResidueCheck | None = None,
    suffix: str | None = None,
) -> list[dict[str, Any]]:
    """For ``make bench``: requests and wall time of a first REST publish, an unchanged re-publish, and
    a first publish via XML-RPC. Uses fresh slugs (``<slug>-<suffix>``) and folders under ``work_dir``
    so every "first" publish really is one."""
    token = suffix or datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    rows: list[dict[str, Any]] = []
    rest_post = replace(rendered, slug=f"{rendered.slug}-{token}")
    rest_dir = work_dir / rest_post.slug
    for case in ("first publish (REST)", "unchanged re-publish (REST)"):
        report = publish_post(rest_post, rest_dir, settings, residue_check=residue_check)
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
