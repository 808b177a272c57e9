"""Scheduled republish: bring WordPress up to date with the local post sources, safely, from cron.

    republish(posts_dir, settings, render=...)   run lock -> one listing of every post -> per post:
                                                 [redraft] -> render -> compare -> update / publish / refuse
    restore_revision(folder, settings, N)        an older WordPress revision becomes the newest one
    history(folder, settings)                    the local publish history beside WordPress's revisions
    measure_republish_pass(settings, posts_dir)  requests and seconds of a pass over unchanged posts

A pass costs one read per 100 posts (``GET /posts?include=...&per_page=100&context=edit``) when nothing
changed; a post whose source changed is updated through :func:`~digest_publisher.publishing.publish_post`
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

import difflib
import html
import time
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import requests

from .errors import DigestError, DraftError, LockError, PostSourceError, WordPressError
from .models import PostKind, RenderedPost
from .publishing import ResidueCheck, content_hash, publish_post
from .records import (
    PostRecord,
    PostSource,
    find_post,
    list_post_folders,
    load_post,
    load_record,
    load_site_facts,
    post_lock,
    run_lock,
    save_record,
    save_remote_copy,
    write_post,
)
from .render.residue import check_residue
from .wordpress.client import WordPressClient
from .wordpress.common import (
    KnownState,
    first_html_difference,
    parse_gmt,
    same_text,
    update_intent,
)
from .wordpress.rest import fetch_recorded_post, fields_fingerprint, is_remote_edit, rest_fingerprint
from .wordpress.settings import WordPressSettings

if TYPE_CHECKING:
    from .drafting.base import Drafter

EXIT_OK = 0
EXIT_FAILED = 1  # a post failed or was refused
EXIT_TEMPFAIL = 75  # EX_TEMPFAIL (sysexits.h): a lock is busy, try again later

RenderFolder = Callable[[Path], RenderedPost]
# Fields the pass reads for each post: what a human edit changes (raw, so nothing is rendered by the
# server), plus status and date for missed schedules.
LISTING_FIELDS = (
    "id,slug,status,date_gmt,modified_gmt,link,title.raw,content.raw,excerpt.raw,categories,tags,featured_media"
)
PAGE = 100  # WordPress's per_page maximum


# -- results -------------------------------------------------------------------------------------------


@dataclass
class PostResult:
    """What republish did with one post. ``action``: unchanged, updated, published (a missed schedule),
    restored, refused, failed, busy, skipped, or would-* in a dry run."""

    slug: str
    action: str
    message: str = ""
    wordpress_id: int | None = None
    status: str | None = None
    link: str | None = None
    notes: list[str] = field(default_factory=list)
    requests: int = 0

    @property
    def ok(self) -> bool:
        return self.action not in ("refused", "failed", "busy")

    def line(self) -> str:
        """One line for cron mail."""
        ident = f"post {self.wordpress_id}" if self.wordpress_id else "no post"
        state = f"{ident}, {self.status}" if self.status else ident
        text = f"{self.slug}: {self.action.upper() if not self.ok else self.action} ({state})"
        if self.message:
            text += f": {self.message}"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


@dataclass
class RepublishReport:
    posts: list[PostResult]
    requests: int
    seconds: float
    dry_run: bool = False

    @property
    def exit_code(self) -> int:
        if any(p.action in ("refused", "failed") for p in self.posts):
            return EXIT_FAILED
        if any(p.action == "busy" for p in self.posts):
            return EXIT_TEMPFAIL
        return EXIT_OK

    def summary(self) -> str:
        counts = Counter(p.action for p in self.posts)
        parts = ", ".join(f"{n} {action}" for action, n in sorted(counts.items())) or "no posts"
        return f"republish: {parts}; {self.requests} request(s) in {self.seconds:.2f} s"

    def to_dict(self) -> dict[str, Any]:
        return {
            "exit_code": self.exit_code,
            "dry_run": self.dry_run,
            "requests": self.requests,
            "seconds": round(self.seconds, 3),
            "posts": [p.to_dict() for p in self.posts],
        }


@dataclass(frozen=True)
class CorpusRefresh:
    """``--refresh-corpus``: redraft a post when its topic window gained papers in these files."""

    paths: tuple[Path, ...]
    topics_path: Path
    drafter: Drafter
    fmt: str | None = None


@dataclass
class _Run:
    """What every post of one run shares."""

    posts_dir: Path
    settings: WordPressSettings
    render: RenderFolder
    client: WordPressClient
    session: requests.Session
    force: bool
    dry_run: bool
    wait: float
    now: datetime
    refresh: CorpusRefresh | None
    residue_check: ResidueCheck
    requests: int = 0  # requests made by publish_post calls (the run's own client counts its own)


# -- republish -----------------------------------------------------------------------------------------


def republish(
    posts_dir: Path,
    settings: WordPressSettings,
    *,
    render: RenderFolder,
    slugs: Sequence[str] = (),
    force: bool = False,
    dry_run: bool = False,
    wait: float = 0.0,
    refresh: CorpusRefresh | None = None,
    residue_check: ResidueCheck = check_residue,
    session: requests.Session | None = None,
    now: datetime | None = None,
) -> RepublishReport:
    """Update the published posts of ``posts_dir`` (``slugs``, or all) whose source changed.

    ``render(folder)`` renders a post folder as ``publish`` sends it. Raises :class:`LockError` when
    another run holds the run lock for longer than ``wait`` seconds (exit code 75 for cron); any other
    problem is reported per post, and the other posts go on. A dry run writes nothing anywhere.
    """
    started = time.perf_counter()
    if not posts_dir.is_dir():
        raise PostSourceError(
            f"{posts_dir}: no such posts folder",
            "Pass --posts-dir, set DIGEST_POSTS_DIR, or run from the project folder",
        )
    session = session or requests.Session()
    with nullcontext() if dry_run else run_lock(posts_dir, wait):
        folders, results = _select(posts_dir, slugs)
        records: dict[Path, PostRecord] = {}
        for folder in folders:
            outcome = _published_record(folder, settings, bool(slugs))
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
        listing = list_remote_posts(client, rest_ids)
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
            folders.append(find_post(slug, posts_dir).parent)
        except PostSourceError as exc:
            failed[posts_dir / slug] = PostResult(slug, "failed", str(exc))
    return folders, failed


def _published_record(folder: Path, settings: WordPressSettings, explicit: bool) -> PostRecord | PostResult:
    """The record of a post republish may update, or the reason it will not."""
    slug = folder.name
    try:
        record = load_record(folder)
    except PostSourceError as exc:
        return PostResult(slug, "failed", str(exc))
    if record is None or record.wordpress_id is None:
        message = f"never published: run `digest-publisher publish {slug}` first"
        return PostResult(slug, "failed" if explicit else "skipped", message)
    if record.site_url and record.site_url != settings.site_url:
        return PostResult(slug, "skipped", f"published to {record.site_url}, not to WORDPRESS_URL {settings.site_url}")
    return record


def list_remote_posts(client: WordPressClient, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The posts with these ids, 100 per request, in edit context (raw fields, any status). Posts in the
    trash or deleted are missing from the answer."""
    out: dict[int, dict[str, Any]] = {}
    unique = sorted(set(ids))
    for start in range(0, len(unique), PAGE):
        chunk = unique[start : start + PAGE]
        response = client.get(
            "wp/v2/posts",
            {
                "include": chunk,
                "per_page": PAGE,
                "status": "any",
                "context": "edit",
                "_fields": LISTING_FIELDS,
            },
            label=f"{len(chunk)} post(s) by id",
        )
        for item in response.data if isinstance(response.data, list) else []:
            if isinstance(item, dict) and isinstance(item.get("id"), int):
                out[item["id"]] = item
    return out


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
        gained = _refresh_from_corpus(run, folder, notes)
        if gained and run.dry_run:
            return PostResult(slug, "would-redraft", notes[-1], post_id, record.status, record.link, notes)
    rendered = _with_published_status(run.render(folder), record, run.now)
    changed = content_hash(rendered) != record.content_hash

    if record.transport not in (None, "rest"):
        # XML-RPC sites have no listing: publish_post checks the post itself (one read when unchanged).
        return _update(run, folder, record, rendered, notes, force=False, transport=record.transport)

    if remote is None:
        remote = _fetch_remote(run.client, post_id, slug)
    known = _known(record)
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
        full = run.client.get(f"wp/v2/posts/{post_id}", {"context": "edit"}, label=f"post {post_id}").data
        copy = save_remote_copy(folder, full)
        save_record(
            folder, replace(record, history=(*record.history, f"{_now()} saved the WordPress version to {copy.name}"))
        )
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
    revisions = _revision_count(outcome.post_object)
    if outcome.action == "updated" and revisions:
        message = f"revision {revisions}: {message}"
    return PostResult(
        folder.name, outcome.action, message, outcome.post_id, outcome.status, outcome.link, notes, report.requests
    )


def _revision_count(post_object: dict[str, Any] | None) -> int | None:
    try:
        count = (post_object or {})["_links"]["version-history"][0]["count"]
    except (KeyError, IndexError, TypeError):
        return None
    return int(count) if isinstance(count, int) else None


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


def _known(record: PostRecord) -> KnownState:
    return KnownState(
        wordpress_id=record.wordpress_id,
        modified_gmt=record.modified_gmt,
        status=record.status,
        remote_fingerprint=record.remote_fingerprint,
        media=dict(record.media),
        pending=frozenset(record.pending),
    )


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
    post_id = record.wordpress_id
    when = remote.get("date_gmt")
    if run.dry_run:
        return PostResult(
            slug, "would-publish", f"scheduled for {when} UTC but still 'future'", post_id, "future", record.link
        )
    intent = update_intent(fields_fingerprint(remote))
    save_record(folder, replace(record, pending=(*record.pending, intent)))
    written = run.client.post(
        f"wp/v2/posts/{post_id}", {"status": "publish"}, idempotent=True, label=f"publish post {post_id}"
    )
    data = written.data
    if data.get("status") != "publish":
        raise WordPressError(
            f"post {slug!r} (WordPress id {post_id}) was scheduled for {when} UTC and is still "
            f"{remote.get('status')!r}; publishing it answered status {data.get('status')!r}",
            "Publish it in wp-admin, and check the site's clock and timezone settings",
            url=written.url,
        )
    reader = run.client.get(f"wp/v2/posts/{post_id}", auth=False, label="post as a reader")
    link = reader.data.get("link") or data.get("link")
    notes.append(f"WordPress missed its schedule ({when} UTC): published it now")
    baseline: dict[str, Any] = {}
    if not edited:
        # Our own status change is not an edit; an earlier human edit must stay visible, so the old
        # baseline is kept when there was one.
        baseline = {"modified_gmt": data.get("modified_gmt"), "remote_fingerprint": rest_fingerprint(data)}
    save_record(
        folder,
        replace(
            record,
            status="publish",
            link=link,
            last_response=reader.data,
            pending=tuple(p for p in record.pending if p != intent),
            history=(*record.history, f"{_now()} published post {post_id} (missed schedule {when} UTC) {link}"),
            **baseline,
        ),
    )
    return PostResult(slug, "published", f"missed schedule {when} UTC: {link}", post_id, "publish", link, notes)


def _refresh_from_corpus(run: _Run, folder: Path, notes: list[str]) -> int:
    """Redraft the post when the corpus holds papers of its topic and window that it does not know;
    returns how many. Nothing is written unless the new draft passed every check (``draft_post``)."""
    from .drafting import draft_post  # the drafting stage: imported only when asked to redraft
    from .selection import select_corpus
    from .topics import load_topics

    assert run.refresh is not None
    post = load_post(str(folder), folder.parent)
    source = post.source
    if not (source.window_from and source.window_to):
        notes.append("no window in post.md: not refreshed from the corpus")
        return 0
    window = (date.fromisoformat(source.window_from[:10]), date.fromisoformat(source.window_to[:10]))
    topic = load_topics(run.refresh.topics_path).get(source.topic.split(" - ", 1)[0].strip())
    selection = select_corpus(list(run.refresh.paths), topic, window[0], window[1], run.refresh.fmt, allow_empty=True)
    new = [p for p in selection.papers if (p.arxiv_id or p.key) not in post.papers]
    if not new:
        return 0
    what = f"the corpus has {len(new)} new paper(s) in {source.window_from} .. {source.window_to}"
    if run.dry_run:
        notes.append(f"{what}: would redraft and update")
        return len(new)
    try:
        draft_post(
            topic,
            [*post.papers.values(), *new],
            kind=PostKind(source.kind),
            drafter=run.refresh.drafter,
            posts_dir=folder.parent,
            window=window,
            slug=source.slug,
        )
    except DigestError as exc:
        raise DraftError(f"{what}, but redrafting failed, so nothing was published: {exc.message}", exc.hint) from exc
    notes.append(f"{what}: redrafted with the {run.refresh.drafter.name} drafter")
    return len(new)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- restore an older revision -------------------------------------------------------------------------

_REVISION_MISSING = frozenset({"rest_post_invalid_id", "rest_revision_parent_id_mismatch", "rest_post_invalid_parent"})


def restore_revision(
    folder: Path,
    settings: WordPressSettings,
    revision_id: int,
    *,
    wait: float = 0.0,
    dry_run: bool = False,
    session: requests.Session | None = None,
) -> RepublishReport:
    """Make WordPress revision ``revision_id`` of the post the newest version again: its title, content
    and excerpt are sent as an update, so WordPress keeps it as a NEW revision and every version stays.

    The local source is not touched and the record's content hash stays, so a later ``republish``
    leaves the restored version alone until post.md changes.
    """
    started = time.perf_counter()
    slug = folder.name
    client = WordPressClient(settings, session=session, dry_run=dry_run)
    with nullcontext() if dry_run else run_lock(folder.parent, wait):
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
    record = _published_record(folder, settings, True)
    if isinstance(record, PostResult):
        return record
    post_id = record.wordpress_id
    if record.rest_root:
        client.use_root(record.rest_root)
    revision = client.get(
        f"wp/v2/posts/{post_id}/revisions/{revision_id}",
        {"context": "edit"},
        accept_codes=_REVISION_MISSING,
        label=f"revision {revision_id}",
    )
    if revision.status == 404:
        raise WordPressError(
            f"post {slug!r} (WordPress id {post_id}) has no revision {revision_id}",
            f"List its revisions with `digest-publisher history {slug}` and pass one of their ids",
            status=404,
            code=str(revision.data.get("code")) if isinstance(revision.data, dict) else None,
            url=revision.url,
        )
    current = _fetch_remote(client, post_id or 0, slug)
    body = {key: _raw(revision.data, key) for key in ("title", "content", "excerpt")}
    if all(_same_field(key, body[key], _raw(current, key)) for key in body):
        return PostResult(
            slug,
            "unchanged",
            f"revision {revision_id} is already the current version",
            post_id,
            current.get("status"),
            current.get("link"),
        )
    notes: list[str] = []
    if is_remote_edit(_known(record), current):
        notes.append(
            f"the version edited in WordPress at {current.get('modified_gmt')} UTC stays available as a revision"
        )
    if dry_run:
        client.post(f"wp/v2/posts/{post_id}", body, idempotent=True, label=f"restore revision {revision_id}")
        return PostResult(
            slug,
            "would-restore",
            f"revision {revision_id} ({revision.data.get('date_gmt')} UTC)",
            post_id,
            current.get("status"),
            current.get("link"),
            notes,
        )
    expected = {**current, **{key: {"raw": value} for key, value in body.items()}}
    intent = update_intent(fields_fingerprint(expected))
    save_record(folder, replace(record, pending=(*record.pending, intent)))
    written = client.post(f"wp/v2/posts/{post_id}", body, idempotent=True, label=f"restore revision {revision_id}")
    data = written.data
    problems = [key for key in body if not _same_field(key, body[key], _raw(data, key))]
    if problems:
        raise WordPressError(
            f"restoring revision {revision_id} of post {slug!r}: WordPress answered with success but "
            f"changed {', '.join(problems)} ({written.url})",
            "The user may lack unfiltered_html for this content; restore it in wp-admin (Revisions) instead",
            url=written.url,
        )
    newest = _newest_revision_id(data)
    link = data.get("link")
    save_record(
        folder,
        replace(
            record,
            status=data.get("status"),
            link=link,
            modified_gmt=data.get("modified_gmt"),
            remote_fingerprint=rest_fingerprint(data),
            pending=tuple(p for p in record.pending if p != intent),
            history=(
                *record.history,
                f"{_now()} restored revision {revision_id} of post {post_id}"
                + (f" as revision {newest}" if newest else ""),
            ),
        ),
    )
    message = f"revision {revision_id} is the current version again" + (f" (new revision {newest})" if newest else "")
    return PostResult(slug, "restored", message, post_id, data.get("status"), link, notes)


def _raw(post: Any, key: str) -> str:
    value = post.get(key) if isinstance(post, dict) else None
    if isinstance(value, dict):
        value = value.get("raw", value.get("rendered"))
    return str(value or "")


def _same_field(key: str, sent: str, got: str) -> bool:
    if key == "title":
        return same_text(sent, got)
    return first_html_difference(sent, got) is None


def _newest_revision_id(post: dict[str, Any]) -> int | None:
    try:
        ident = post["_links"]["predecessor-version"][0]["id"]
    except (KeyError, IndexError, TypeError):
        return None
    return int(ident) if isinstance(ident, int) else None


# -- history -------------------------------------------------------------------------------------------


@dataclass
class RevisionInfo:
    """One WordPress revision and what changed from the one before it."""

    id: int
    date_gmt: str | None
    author: int | None
    changed: list[str]  # e.g. ["title", "content (3 lines)"]; ["first kept version"] for the oldest
    title: str


@dataclass
class PostHistory:
    slug: str
    wordpress_id: int | None
    status: str | None
    link: str | None
    local: list[str]
    revisions: list[RevisionInfo]  # newest first
    remote_copies: list[str]  # remote-<time>.json files saved by --force
    requests: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def history(
    folder: Path, settings: WordPressSettings | None, *, session: requests.Session | None = None
) -> PostHistory:
    """The local publish history of a post beside WordPress's revisions of it (``settings`` None: local
    only). WordPress keeps a revision per update of title, content or excerpt; a post's first version,
    as created, is not a revision."""
    slug = folder.name
    record = load_record(folder)
    copies = sorted(p.name for p in folder.glob("remote-*.json"))
    if record is None or record.wordpress_id is None:
        return PostHistory(slug, None, None, None, list(record.history) if record else [], [], copies)
    out = PostHistory(slug, record.wordpress_id, record.status, record.link, list(record.history), [], copies)
    if settings is None:
        return out
    client = WordPressClient(settings, session=session, rest_root=record.rest_root)
    raw: list[dict[str, Any]] = []
    page = 1
    while True:
        response = client.get(
            f"wp/v2/posts/{record.wordpress_id}/revisions",
            {"context": "edit", "per_page": PAGE, "page": page},
            label="revisions",
        )
        raw += [r for r in response.data if isinstance(r, dict)] if isinstance(response.data, list) else []
        if page >= response.total_pages:
            break
        page += 1
    raw.sort(key=lambda r: (str(r.get("date_gmt") or ""), int(r.get("id") or 0)), reverse=True)
    for index, item in enumerate(raw):
        older = raw[index + 1] if index + 1 < len(raw) else None
        out.revisions.append(
            RevisionInfo(
                id=int(item["id"]),
                date_gmt=item.get("date_gmt"),
                author=item.get("author") if isinstance(item.get("author"), int) else None,
                changed=_what_changed(older, item),
                title=html.unescape(_raw(item, "title")),  # stored escaped; shown as text
            )
        )
    out.requests = client.request_count
    return out


def _what_changed(older: dict[str, Any] | None, newer: dict[str, Any]) -> list[str]:
    if older is None:
        return ["first kept version"]
    changed: list[str] = []
    for key in ("title", "content", "excerpt"):
        before, after = _raw(older, key), _raw(newer, key)
        if before == after:
            continue
        if key == "content":
            diff = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
            lines = sum(1 for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---"))
            changed.append(f"content ({lines} line(s))")
        else:
            changed.append(key)
    return changed or ["nothing in title, content or excerpt"]


# -- bench ---------------------------------------------------------------------------------------------

BENCH_SLUG = "bench-republish-{:03d}"
_BENCH_BODY = """## What changed this week

Reinforcement learning after pre-training keeps improving reasoning, and {n} careful studies agree.

## Why it matters

Reward models drift; careful data beats more data.
"""


def measure_republish_pass(
    settings: WordPressSettings,
    posts_dir: Path,
    n: int = 100,
    *,
    render: RenderFolder | None = None,
) -> dict[str, Any]:
    """For ``make bench``: requests and seconds of one ``republish`` pass over ``n`` unchanged posts.

    The posts (``bench-republish-000`` ...) are created and published under ``posts_dir`` first, once:
    keep ``posts_dir`` between runs to skip that. The pass itself only reads (one listing per 100 posts).
    """
    if render is None:
        from .render import render_folder  # the rendering stage, only for the bench

        render = render_folder
    _ensure_bench_posts(settings, posts_dir, n, render)
    report = republish(posts_dir, settings, render=render, slugs=[BENCH_SLUG.format(i) for i in range(n)])
    actions = Counter(p.action for p in report.posts)
    return {
        "case": f"republish pass, {n} unchanged posts",
        "posts": n,
        "requests": report.requests,
        "seconds": round(report.seconds, 3),
        "actions": dict(actions),
        "exit_code": report.exit_code,
    }


def _ensure_bench_posts(settings: WordPressSettings, posts_dir: Path, n: int, render: RenderFolder) -> None:
    slugs = [BENCH_SLUG.format(i) for i in range(n)]
    records = {slug: load_record(posts_dir / slug) if (posts_dir / slug).is_dir() else None for slug in slugs}
    known = [r.wordpress_id for r in records.values() if r is not None and r.wordpress_id]
    client = WordPressClient(settings, rest_root=load_site_facts(posts_dir, settings.site_url).rest_root)
    alive = list_remote_posts(client, known) if known else {}
    for index, slug in enumerate(slugs):
        record = records[slug]
        if record is not None and record.wordpress_id in alive and record.site_url == settings.site_url:
            continue
        folder = posts_dir / slug
        (folder / "record.json").unlink(missing_ok=True)  # a record of a site that was reset
        source = PostSource(
            title=f"Bench post {index}: post-training notes",
            slug=slug,
            topic="07",
            kind=PostKind.BRIEF,
            body=_BENCH_BODY.format(n=index + 2),
            excerpt="A post of the republish benchmark.",
            tags=("benchmark",),
            featured_image="generated",
            papers_covered=False,
        )
        write_post(folder, source, [])
        publish_post(render(folder), folder, settings, posts_dir=posts_dir)
