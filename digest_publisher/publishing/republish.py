"""Scheduled republish: bring WordPress up to date with the local post sources, safely, from cron.

    republish(posts_dir, settings, render=...)   run lock -> one listing of every post -> per post:
                                                 [redraft] -> render -> compare -> update / publish / refuse

A pass costs one read per 100 posts (``GET /posts?include=...&per_page=100&context=edit``) when nothing
changed; a post whose source changed is updated through :func:`~digest_publisher.publishing.publish.publish_post`
(one new revision per change: WordPress keeps a revision per update of title, content or excerpt).

Decisions per post, in order:

* its source changed (content hash against the record) and nobody edited it in WordPress since our
  last write (``modified_gmt`` + a hash of the stored fields): update it;
* it changed locally AND in WordPress: refuse it (the other posts go on); ``force`` saves the WordPress
  version into ``remote-<time>.json`` beside the record, then overwrites it;
* it is still ``future`` although its date has passed (WP-Cron runs only on page loads and missed it):
  publish it;
* otherwise leave it alone: no write.

Status and date are the ones of the last publish (``publish --status publish`` on a post.md that says
``draft`` stays published); change them with ``publish --status/--date``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import DigestError, LockError, PostSourceError, WordPressError
from ..models import RenderedPost
from ..records import find_post_folder, list_post_folders
from ..records.locks import post_lock, run_lock
from ..records.record import PostRecord, load_record, load_site_facts, save_record, save_remote_copy
from ..wordpress.client import WordPressClient
from ..wordpress.connection_settings import WordPressSettings
from ..wordpress.fingerprints import holds_our_post
from ..wordpress.posts import (
    LISTING_FIELDS,
    fetch_as_reader,
    fetch_edit,
    fetch_recorded_post,
    fields_fingerprint,
    find_post,
    is_remote_edit,
    list_posts_by_id,
    raw_field,
    rest_fingerprint,
    revision_count,
    update_post,
)
from ..wordpress.publisher import parse_gmt, update_intent
from ..wordpress.transport import Session
from .journal import RecordJournal
from .publish import publish_post
from .results import PostResult, RepublishReport, known_state, now_stamp, published_record
from .sent import ResidueCheck, check_residue, content_hash

RenderFolder = Callable[[Path], RenderedPost]
# ``--refresh-corpus``: (post folder, dry run) -> (papers the corpus adds to the post's window, a note).
# Built by the pipeline, which redrafts through the same function as ``draft``.
Redraft = Callable[[Path, bool], tuple[int, str | None]]

@dataclass
class _Run:
    """What every post of one run shares."""

    posts_dir: Path
    settings: WordPressSettings
    render: RenderFolder
    client: WordPressClient
    session: Session
    force: bool
    dry_run: bool
    wait: float
    now: datetime
    refresh: Redraft | None
    residue_check: ResidueCheck
    requests: int = 0  # requests made by publish_post calls (the run's own client counts its own)


def republish(
    posts_dir: Path,
    settings: WordPressSettings,
    *,
    render: RenderFolder,
    slugs: Sequence[str] = (),
    force: bool = False,
    dry_run: bool = False,
    wait: float = 0.0,
    refresh: Redraft | None = None,
    residue_check: ResidueCheck = check_residue,
    session: Session | None = None,
    now: datetime | None = None,
    rebind_from: str | None = None,
) -> RepublishReport:
    """Update the published posts of ``posts_dir`` (``slugs``, or all) whose source changed.

    ``render(folder)`` renders a post folder as ``publish`` sends it; ``refresh`` redrafts a post first
    when the corpus gained papers in its window. ``rebind_from``: the site URL the records were bound to
    before the site moved to ``settings.site_url``; those records are bound to it first. Raises :class:`LockError` when
    another run holds the run lock for longer than ``wait`` seconds (exit code 75 for cron); any other
    problem is reported per post, and the other posts go on. A dry run writes nothing anywhere.
    """
    started = time.perf_counter()
    if not posts_dir.is_dir():
        raise PostSourceError(
            f"{posts_dir}: no such posts folder",
            "Pass --posts-dir, set DIGEST_POSTS_DIR, or run from the project folder",
        )
    session = session or Session()
    with nullcontext() if dry_run else run_lock(posts_dir, wait):
        folders, results = _select(posts_dir, slugs)
        if rebind_from is not None and not dry_run:
            results.update(_rebind(folders, rebind_from, WordPressClient(settings, session=session), render))
        records: dict[Path, PostRecord] = {}
        for folder in folders:
            if folder in results:
                continue  # a record the rebind refused
            outcome = published_record(folder, settings, bool(slugs))
            if isinstance(outcome, PostResult):
                results[folder] = outcome
            else:
                records[folder] = outcome
        rest_root = load_site_facts(posts_dir, settings.site_url).rest_root or next(
            (r.rest_root for r in records.values() if r.rest_root), None
        )
        client = WordPressClient(settings, session=session, rest_root=rest_root, dry_run=dry_run)
        run = _Run(
            posts_dir=posts_dir,
            settings=settings,
            render=render,
            client=client,
            session=session,
            force=force,
            dry_run=dry_run,
            wait=wait,
            now=now or datetime.now(UTC),
            refresh=refresh,
            residue_check=residue_check,
        )
        rest_ids = [r.wordpress_id for r in records.values() if r.transport in (None, "rest") and r.wordpress_id]
        try:
            listing = list_posts_by_id(client, rest_ids)
        except WordPressError as exc:
            # The site did not answer the one listing: every REST post failed, with the reason.
            for folder, record in list(records.items()):
                if record.transport in (None, "rest"):
                    results[folder] = PostResult(
                        folder.name, "failed", str(exc), record.wordpress_id, record.status, record.link
                    )
                    del records[folder]
            listing = {}
        for folder, record in records.items():
            results[folder] = _republish_one(run, folder, record, listing.get(record.wordpress_id or 0))
    ordered = [results[f] for f in sorted(results, key=lambda f: f.name)]
    return RepublishReport(ordered, client.request_count + run.requests, time.perf_counter() - started, dry_run)


def _select(posts_dir: Path, slugs: Sequence[str]) -> tuple[list[Path], dict[Path, PostResult]]:
    """The post folders to look at; a named slug that does not exist is a failed post."""
    if not slugs:
        return list_post_folders(posts_dir), {}
    folders: list[Path] = []
    failed: dict[Path, PostResult] = {}
    for slug in dict.fromkeys(slugs):
        try:
            folders.append(find_post_folder(slug, posts_dir))
        except PostSourceError as exc:
            failed[posts_dir / slug] = PostResult(slug, "failed", str(exc))
    return folders, failed


def _rebind(
    folders: Sequence[Path], old_site: str, client: WordPressClient, render: RenderFolder
) -> dict[Path, PostResult]:
    """Bind the records of ``old_site`` (and those naming no site) to WORDPRESS_URL (the same WordPress, moved):
    the post ids stay, the REST root is found again. A record is bound only when the post its id names at
    WORDPRESS_URL is its own (:func:`_not_its_post`), so that a later ``--force`` cannot overwrite another
    post; the refused ones are returned. The usual checks then apply: a post changed at the new address since
    our last write is refused, as any edit made in WordPress is."""
    old_site, new_site = old_site.rstrip("/"), client.settings.site_url
    refused: dict[Path, PostResult] = {}
    for folder in folders:
        with post_lock(folder):
            try:
                record = load_record(folder)
            except PostSourceError:
                continue  # reported by the run itself
            if record is None or record.wordpress_id is None or record.site_url not in (old_site, None):
                continue
            reason = _not_its_post(client, folder, record, render)
            if reason is not None:
                refused[folder] = PostResult(
                    folder.name, "refused", reason, record.wordpress_id, record.status, record.link
                )
                continue
            save_record(
                folder,
                replace(
                    record,
                    site_url=new_site,
                    rest_root=None,
                    history=(
                        *record.history,
                        f"{now_stamp()} rebound from {record.site_url or 'no recorded site'} to {new_site}",
                    ),
                ),
            )
    return refused


def _not_its_post(client: WordPressClient, folder: Path, record: PostRecord, render: RenderFolder) -> str | None:
    """Why the post ``record`` points at on the client's site is not the record's own (None when it is): it
    must hold what the record last published, by the stored fields' hash or by the content of the unchanged
    source (the content hash says it is what was sent)."""
    post_id = record.wordpress_id or 0
    site = client.settings.site_url
    try:
        remote = find_post(client, post_id)
    except WordPressError as exc:
        return f"not rebound: reading post {post_id} on {site} failed: {exc}"
    if remote is None:
        return (
            f"not rebound: {site} has no post {post_id}, the id in {folder / 'record.json'}; nothing was sent. "
            f"If the post is there under another id, move record.json aside and publish it with --adopt"
        )
    if record.remote_fingerprint and rest_fingerprint(remote) == record.remote_fingerprint:
        return None
    try:
        rendered = render(folder)
    except DigestError:
        rendered = None
    unchanged = rendered is not None and content_hash(rendered) == record.content_hash
    if unchanged and rendered is not None and holds_our_post(str(raw_field(remote, "content") or ""), rendered):
        return None
    return (
        f"not rebound: post {post_id} on {site} ({remote.get('slug')!r}, {remote.get('link')}) does not hold what "
        f"{folder / 'record.json'} last published, so it may be another post; nothing was sent and --force will "
        "not touch it. If it is this post edited after the move, copy the edits into post.md, move record.json "
        "aside and run `digest-publisher publish --adopt` for it; otherwise check WORDPRESS_URL"
    )


def _republish_one(run: _Run, folder: Path, listed: PostRecord, remote: dict[str, Any] | None) -> PostResult:
    slug = folder.name
    try:
        with nullcontext() if run.dry_run else post_lock(folder, wait=run.wait):
            record = load_record(folder)
            if record is None or record.wordpress_id is None:
                return PostResult(slug, "skipped", "its record went away during the run")
            if record != listed:
                remote = None  # another run wrote it since the listing: read it again
            return _decide(run, folder, record, remote)
    except LockError as exc:
        return PostResult(slug, "busy", str(exc), listed.wordpress_id, listed.status, listed.link)
    except WordPressError as exc:
        action = "refused" if exc.code == "remote_modified" else "failed"
        return PostResult(slug, action, str(exc), listed.wordpress_id, listed.status, listed.link)
    except DigestError as exc:
        return PostResult(slug, "failed", str(exc), listed.wordpress_id, listed.status, listed.link)


def _decide(run: _Run, folder: Path, record: PostRecord, remote: dict[str, Any] | None) -> PostResult:
    slug = folder.name
    post_id = record.wordpress_id
    assert post_id is not None
    notes: list[str] = []
    if run.refresh is not None:
        gained, note = run.refresh(folder, run.dry_run)
        if note:
            notes.append(note)
        if gained and run.dry_run:
            return PostResult(slug, "would-redraft", note or "", post_id, record.status, record.link, notes)
    rendered = _with_published_status(run.render(folder), record, run.now)
    changed = content_hash(rendered) != record.content_hash

    if record.transport not in (None, "rest"):
        # XML-RPC sites have no listing: publish_post checks the post itself (one read when unchanged).
        return _update(run, folder, record, rendered, notes, force=False, transport=record.transport)

    if remote is None:
        remote = _fetch_remote(run.client, post_id, slug)
    known = known_state(record)
    edited = is_remote_edit(known, remote)
    missed = remote.get("status") == "future" and _is_past(remote.get("date_gmt"), run.now)
    if not changed:
        if missed:
            return _publish_missed(run, folder, record, remote, edited, notes)
        if edited:
            notes.append(
                f"edited in WordPress at {remote.get('modified_gmt')} UTC since the last publish; kept "
                "(post.md is unchanged)"
            )
        return PostResult(slug, "unchanged", "; ".join(notes), post_id, remote.get("status"), remote.get("link"), notes)
    if edited and not run.force:
        return PostResult(
            slug,
            "refused",
            f"changed locally AND edited in WordPress at {remote.get('modified_gmt')} UTC since the last "
            f"publish ({record.modified_gmt} UTC): nothing was sent. Copy the WordPress edits into "
            f"{folder / 'post.md'}, then run `digest-publisher republish {slug} --force` (it saves the "
            "WordPress version to remote-<time>.json beside the record before overwriting it)",
            post_id,
            remote.get("status"),
            remote.get("link"),
            notes,
        )
    if edited and not run.dry_run:
        copy = save_remote_copy(folder, fetch_edit(run.client, post_id))
        saved = f"{now_stamp()} saved the WordPress version to {copy.name}"
        save_record(folder, replace(record, history=(*record.history, saved)))
        notes.append(f"the version edited in WordPress was saved to {copy}")
    return _update(run, folder, record, rendered, notes, force=edited, transport="rest")


def _update(
    run: _Run,
    folder: Path,
    record: PostRecord,
    rendered: RenderedPost,
    notes: list[str],
    *,
    force: bool,
    transport: str,
) -> PostResult:
    report = publish_post(
        rendered,
        folder,
        run.settings,
        transport=transport,
        dry_run=run.dry_run,
        force=force,
        residue_check=run.residue_check,
        session=run.session if transport == "rest" else None,
        posts_dir=run.posts_dir,
        locked=True,
    )
    run.requests += report.requests
    outcome = report.outcome
    notes += [n for n in outcome.notes if n not in notes]
    if run.dry_run:
        writes = sum(1 for r in report.planned if not r["sent"])
        return PostResult(
            folder.name,
            "would-update" if writes else "unchanged",
            f"{writes} write(s) planned, none sent" if writes else "",
            record.wordpress_id,
            record.status,
            record.link,
            notes,
            report.requests,
        )
    message = (outcome.link or "") if outcome.action != "unchanged" else ""
    revisions = revision_count(outcome.post_object)
    if outcome.action == "updated" and revisions:
        message = f"revision {revisions}: {message}"
    return PostResult(
        folder.name, outcome.action, message, outcome.post_id, outcome.status, outcome.link, notes, report.requests
    )


def _with_published_status(rendered: RenderedPost, record: PostRecord, now: datetime) -> RenderedPost:
    """Keep the status and date of the last publish (the editor may have overridden post.md's with
    ``publish --status``); a scheduled post whose date has passed is published."""
    if not record.sent_status:
        return rendered
    status, date_gmt = record.sent_status, record.sent_date_gmt
    if status == "future" and _is_past(date_gmt, now):
        status = "publish"
    return replace(rendered, status=status, date_gmt=date_gmt)


def _is_past(date_gmt: Any, now: datetime) -> bool:
    if not date_gmt:
        return False
    try:
        return parse_gmt(str(date_gmt)) <= now
    except ValueError:
        return False


def _fetch_remote(client: WordPressClient, post_id: int, slug: str) -> dict[str, Any]:
    """One post the listing did not return: in the trash, deleted, or just not listed."""
    return fetch_recorded_post(client, post_id, slug, LISTING_FIELDS)


def _publish_missed(
    run: _Run, folder: Path, record: PostRecord, remote: dict[str, Any], edited: bool, notes: list[str]
) -> PostResult:
    """WordPress left a scheduled post unpublished past its date (WP-Cron runs only when someone loads a
    page): publish it now. Only the status is sent: content and edits stay as they are (WordPress may save
    an identical first revision: it does on a post's first update, whatever changed)."""
    slug = folder.name
    post_id = record.wordpress_id or 0
    when = remote.get("date_gmt")
    if run.dry_run:
        return PostResult(
            slug, "would-publish", f"scheduled for {when} UTC but still 'future'", post_id, "future", record.link
        )
    intent = update_intent(fields_fingerprint(remote))
    journal = RecordJournal(folder, record)
    journal.intend(intent)
    written = update_post(run.client, post_id, {"status": "publish"}, f"publish post {post_id}")
    data = written.data
    if data.get("status") != "publish":
        raise WordPressError(
            f"post {slug!r} (WordPress id {post_id}) was scheduled for {when} UTC and is still "
            f"{remote.get('status')!r}; publishing it answered status {data.get('status')!r}",
            "Publish it in wp-admin, and check the site's clock and timezone settings",
            url=written.url,
        )
    reader = fetch_as_reader(run.client, post_id, "publish")
    link = reader.data.get("link") or data.get("link")
    notes.append(f"WordPress missed its schedule ({when} UTC): published it now")
    baseline: dict[str, Any] = {}
    if not edited:
        # Our own status change is not an edit; an earlier human edit must stay visible, so the old
        # baseline is kept when there was one.
        baseline = {"modified_gmt": data.get("modified_gmt"), "remote_fingerprint": rest_fingerprint(data)}
    journal.settle(
        intent,
        status="publish",
        link=link,
        last_response=reader.data,
        history=(*record.history, f"{now_stamp()} published post {post_id} (missed schedule {when} UTC) {link}"),
        **baseline,
    )
    return PostResult(slug, "published", f"missed schedule {when} UTC: {link}", post_id, "publish", link, notes)
