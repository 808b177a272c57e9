"""The series' index page on WordPress (a page, not a post): created once, updated in place, never over a
person's edits.

Its record (``<posts_dir>/.series/<slug>/record.json``) is a :class:`~digest_publisher.records.record.PostRecord`
like a post's, kept through the same :class:`~digest_publisher.publishing.journal.RecordJournal`: a create or
update is announced in the record before it is sent (``create``, ``update:<fields>``) and settled once
WordPress answered, so a run killed between the write and the record finds the page it made (by its slug,
holding exactly this content) instead of making a second one, and takes a change that carries exactly the
fields it announced for its own, not for an edit. The same-site rule, the "edited in WordPress" rule and the
fingerprints are the posts' (:func:`~digest_publisher.publishing.results.refuse_other_site`,
:func:`~digest_publisher.wordpress.posts.is_remote_edit`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from ..errors import WordPressError
from ..models import RenderedPost
from ..records.locks import post_lock, site_locks
from ..records.record import PostRecord, kill_point, load_record, load_site_facts, save_record, save_remote_copy
from ..wordpress.connection_settings import WordPressSettings
from ..wordpress.fingerprints import holds_our_post
from ..wordpress.pages import (
    create_page,
    fetch_page_as_reader,
    pages_by_slug,
    update_page,
    verify_page_response,
)
from ..wordpress.posts import (
    body_fingerprint,
    fetch_recorded_post,
    is_remote_edit,
    raw_field,
    remote_holds,
    rest_fingerprint,
)
from ..wordpress.publisher import create_intent, update_intent
from ..wordpress.transport import Session
from ..wordpress.users import UserClient
from .journal import RecordJournal
from .results import known_state, now_stamp, refuse_other_site
from .sent import ResidueCheck, check_residue, content_hash, publish_key_of

#: What :func:`publish_page` may answer (besides raising): the page was written, found already written by an
#: earlier run ("verified"), left as it was ("unchanged"), or left alone because a person edited it.
EDITED = "edited-in-wordpress"


@dataclass
class PageResult:
    """What happened to the series' index page. ``action``: created, updated, verified, unchanged,
    edited-in-wordpress (left alone), failed, other-site (its record is another site's)."""

    slug: str
    action: str
    wordpress_id: int | None = None
    status: str | None = None
    link: str | None = None
    message: str = ""
    requests: int = 0
    notes: list[str] | None = None

    @property
    def wrote(self) -> bool:
        return self.action in ("created", "updated")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def line(self) -> str:
        """The page in one line, for a terminal or cron mail (the series table's last line)."""
        state = f"page {self.wordpress_id}, {self.status}" if self.wordpress_id else "no page"
        return (f"index page {self.slug}: {self.action} ({state}) {self.link or ''}".rstrip()
                + (f": {self.message}" if self.message else ""))  # fmt: skip


def publish_page(
    page: RenderedPost,
    folder: Path,
    settings: WordPressSettings,
    *,
    posts_dir: Path | None = None,
    session: Session | None = None,
    force: bool = False,
    residue_check: ResidueCheck = check_residue,
) -> PageResult:
    """Create or update the page ``page`` (its slug, title, block content and status) and record it in
    ``folder/record.json``. Nothing is written when WordPress already holds this version; a page changed in
    WordPress since our last write is left alone (``force``: overwritten, its version saved first as
    ``remote-<time>.json`` beside the record). Raises :class:`~digest_publisher.errors.DigestError` with the
    reason when the page cannot be written (another site's record, a slug held by another page, a user who
    may not edit pages, WordPress not keeping what was sent)."""
    with post_lock(folder), site_locks(settings.site_url, [f"page {page.slug}"]):
        return _publish_locked(page, folder, settings, posts_dir, session, force, residue_check)


def _publish_locked(
    page: RenderedPost,
    folder: Path,
    settings: WordPressSettings,
    posts_dir: Path | None,
    session: Session | None,
    force: bool,
    residue_check: ResidueCheck,
) -> PageResult:
    record = load_record(folder)
    refuse_other_site(folder, record, settings)
    record = record or PostRecord(slug=page.slug)
    hash_ = content_hash(page)
    site = load_site_facts(posts_dir, settings.site_url) if posts_dir is not None else None
    client = UserClient(settings, session=session, rest_root=record.rest_root or (site.rest_root if site else None))
    journal = RecordJournal(folder, record)
    # The excerpt is sent (empty) because WordPress stores one for pages too: the fingerprints compare it.
    body = {"title": page.title, "content": page.content, "excerpt": page.excerpt, "status": page.status,
            "slug": page.slug}  # fmt: skip
    notes: list[str] = []

    target: dict[str, Any] | None = None
    if record.wordpress_id is not None:
        again = f"remove {folder / 'record.json'} to create it again with the next run of the series"
        target = fetch_recorded_post(client, record.wordpress_id, page.slug, kind="page", again=again)
        if is_remote_edit(known_state(record), target):
            edited = (
                f"page {page.slug!r} (WordPress id {target.get('id')}) was changed in WordPress at "
                f"{target.get('modified_gmt')} UTC, after digest-publisher last wrote it ({record.modified_gmt} UTC)"
            )
            if not force:
                return PageResult(
                    page.slug, EDITED, record.wordpress_id, target.get("status"), target.get("link"),
                    f"{edited}: left alone, the edits are kept (to replace them with the generated page, publish "
                    "the series with force_page; the edited version is saved beside the page's record first)",
                    client.request_count,
                )  # fmt: skip
            copy = save_remote_copy(folder, target)
            notes.append(f"{edited}: overwritten as asked, its version saved in {copy.name}")
        elif publish_key_of(record.content_hash, record.sent_status, None) == publish_key_of(hash_, page.status, None):
            if (target.get("status"), target.get("link")) != (record.status, record.link):
                save_record(folder, replace(record, status=target.get("status"), link=target.get("link")))
            return PageResult(page.slug, "unchanged", record.wordpress_id, target.get("status"), target.get("link"),
                              "unchanged since the last publish: nothing was sent", client.request_count)  # fmt: skip
    else:
        _require_page_capabilities(client, page)  # before the lookup, which needs them too (status=any)
        target = _page_of_ours_by_slug(client, page, record, settings, notes)

    if target is not None and remote_holds(target, body, page.status):
        # An earlier run wrote exactly this and died before recording it: nothing to send.
        data: dict[str, Any] = target
        url = client.api_url(f"wp/v2/pages/{target['id']}")
        action = "verified"
        notes.append("WordPress already holds this version (written by an earlier run): nothing sent")
    else:
        _require_page_capabilities(client, page)
        if target is None:
            journal.intend(create_intent(), site_url=settings.site_url, transport="rest")
            written = create_page(client, body, f"page {page.slug!r}")
            kill_point("after-page-create")
            action = "created"
        else:
            journal.intend(update_intent(body_fingerprint(body)), site_url=settings.site_url, transport="rest")
            written = update_page(client, int(target["id"]), body, f"page {page.slug!r}")
            kill_point("after-page-update")
            action = "updated"
        data, url = written.data, written.url
        # The page's id and state are recorded at once: a rerun updates this page, never makes another.
        journal.save(
            site_url=settings.site_url, rest_root=client.cached_root, transport="rest", wordpress_id=int(data["id"]),
            link=data.get("link"), status=data.get("status"), modified_gmt=data.get("modified_gmt"),
            remote_fingerprint=rest_fingerprint(data), content_hash=None,
            pending=tuple(p for p in journal.record.pending if p != create_intent() and not p.startswith("update:")),
            history=(*journal.record.history, f"{now_stamp()} {action} page {data['id']} ({data.get('status')})"),
        )  # fmt: skip
    verify_page_response(body, data, url)
    reader = fetch_page_as_reader(client, int(data["id"]), str(data.get("status")))
    residue_check(str((reader.data.get("content") or {}).get("rendered") or ""), reader.url)
    link = reader.data.get("link") or data.get("link")
    final = replace(
        journal.record,
        site_url=settings.site_url,
        rest_root=client.cached_root or journal.record.rest_root,
        transport="rest",
        wordpress_id=int(data["id"]),
        link=link,
        status=data.get("status"),
        modified_gmt=data.get("modified_gmt"),
        remote_fingerprint=rest_fingerprint(data),
        content_hash=hash_,
        sent_status=page.status,
        pending=(),
        last_response=reader.data,
        history=(*journal.record.history, f"{now_stamp()} verified page {data['id']} ({data.get('status')}) {link} "
                 f"[{client.request_count} requests]"),
    )  # fmt: skip
    save_record(folder, final)
    return PageResult(page.slug, action, final.wordpress_id, final.status, link, "", client.request_count, notes)


def _page_of_ours_by_slug(
    client: UserClient, page: RenderedPost, record: PostRecord, settings: WordPressSettings, notes: list[str]
) -> dict[str, Any] | None:
    """The page to update when the record knows no id: one with this slug that holds exactly this content (a
    create a killed run never recorded, or a lost record.json), else None (create it). Any other holder of the
    slug is refused: the tool never overwrites a page it did not make."""
    for item in pages_by_slug(client, page.slug):
        if holds_our_post(str(raw_field(item, "content") or ""), page):
            crashed = create_intent() in record.pending
            why = "created by a run that stopped before recording it" if crashed else "its record was lost"
            notes.append(f"found WordPress page {item['id']} by its slug, holding this page's content ({why}): kept")
            return item
        raise WordPressError(
            f"a page with the slug {page.slug!r} already exists on {settings.site_url} (id {item.get('id')}, status "
            f"{item.get('status')}, {item.get('link')}); no local record says digest-publisher created it and it "
            "holds other content, so nothing was written",
            "digest-publisher never overwrites pages it did not create: give the series' index page another slug, "
            "or rename or delete the existing page in WordPress (Pages > Quick Edit > Slug) and run again",
            status=409,
            code="slug_taken",
        )
    return None


def _require_page_capabilities(client: UserClient, page: RenderedPost) -> None:
    needed = ["edit_pages"] + (["publish_pages"] if page.status in ("publish", "future", "private") else [])
    missing = [cap for cap in needed if not client.can(cap)]
    if missing:
        raise WordPressError(
            f"the user {client.who()} lacks the capability {', '.join(map(repr, missing))} needed to write the "
            f"series' index page {page.slug!r} (a WordPress page); nothing was written",
            "Publish the series as an editor or administrator (authors may write posts but not pages); the posts "
            "were published all the same",
            status=403,
            code="capability_missing",
        )
