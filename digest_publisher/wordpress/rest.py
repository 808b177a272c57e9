"""Publishing one post through the REST API: terms by name, featured image once, create-or-update, verify.

The order is chosen so that the refusals we can foresee happen BEFORE the first write: credentials
and capabilities (``users/me``), terms, and (for a post the record knows) the target post are read
first; only then are missing terms created, the image uploaded and the post written. Every write is
compared with what was sent, because WordPress answers 200/201 while silently dropping unknown term ids
and bad ``featured_media``.

A first publish makes at most nine requests (users/me, categories, tags, upload, the hash checks during it and
beside the create, create, attaching the image to the post, the reader's fetch) when the posts folder already
knows the site's REST root: the slug lookup is skipped when the record shows no earlier attempt (write intents,
see ``Journal``). WordPress suffixes a taken slug instead of refusing it, so the answer tells: a suffixed create
is deleted again and the slug's holder adopted (ours) or refused (not ours). After an upload the library is
searched for the image's hash: an older copy (uploaded before, or by a racing run) wins and the new one is
deleted. A first publish's early upload searches during the upload (a copy already there wins before the post is
written) and beside the post's create (for a copy stored during the upload: the post, created showing the new
copy, is moved to the older one before the new copy is deleted).

Requests that do not depend on each other go out together (``WordPressClient.together``): the reads (users/me,
the terms, the image, the post the record knows); the missing terms' creates with the image upload; a first
publish's create with the image's hash check; after the post, the image's attaching with the reader's fetch.
No write is sent before every read and check is done, but a first publish's upload (``media.EarlyUpload``:
started first, even before the post is rendered when its image is a file; deleted again if a check or the
render refuses the post).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from ..errors import WordPressError
from ..models import RenderedPost
from .client import ApiResponse, WordPressClient
from .fingerprints import holds_our_post
from .media import Attachment, EarlyUpload, attach_media, create_keeping_one_image, find_media, give_way, upload_image
from .posts import (
    LISTING_FIELDS,
    body_fingerprint,
    fetch_as_reader,
    fetch_recorded_post,
    is_remote_edit,
    raw_field,
    remote_holds,
    rest_fingerprint,
    update_post,
    verify_post_response,
)
from .publisher import (
    Journal,
    KnownState,
    NoJournal,
    PublishOutcome,
    create_intent,
    expected_status,
    format_gmt,
    undo_intent,
    update_intent,
    upload_intent,
)
from .terms import create_term, existing_names, resend_terms, resolve_terms
from .users import describe_user, require_capability

# A write's answer holds only what the verification, the edit fingerprint and the record read (no content
# filters run on the server for it: ``content.rendered`` is what the reader's fetch checks).
WRITTEN = {"_fields": LISTING_FIELDS}


class RestPublisher:
    """Publishes RenderedPosts through one :class:`WordPressClient` (the command's, shared by its posts)."""

    name = "rest"

    def __init__(self, client: WordPressClient) -> None:
        self.client, self._count_before = client, client.request_count
        self._from_cache: set[str] = set()  # taxonomies whose ids came from the site cache, this publish

    @property
    def request_count(self) -> int:  # this post's requests, not the command's (one client per command)
        return self.client.request_count - self._count_before

    # -- the flow ---------------------------------------------------------------------------------

    def publish(
        self,
        post: RenderedPost,
        known: KnownState,
        *,
        force: bool,
        on_written: Callable[[PublishOutcome], None],
        content_hash: str = "",
        journal: Journal | None = None,
        early: EarlyUpload | None = None,
    ) -> PublishOutcome:
        """Create or update ``post``; see the module docstring for the order of reads and writes.

        ``journal`` records write intents (see :class:`~digest_publisher.wordpress.publisher.Journal`).
        With it, a post that no earlier run tried to create is created without a slug lookup and an
        image no earlier run tried to upload is uploaded without a search: WordPress's answer tells
        whether the slug or the file name was taken (it suffixes both), and only then is the site searched
        and the write undone. Without a journal every lookup is made first.

        ``early``: the upload of ``post``'s image, started by the caller before it rendered the post (it is undone
        here like one started here when a check refuses the post).
        """
        client = self.client
        notes: list[str] = []
        site = client.settings.site_url
        trusted = journal is not None  # the record's intents are known: a missing intent means no write
        journal = journal or NoJournal()

        # An unchanged post costs one read of the fields the edit check needs (no content rendered for it).
        if known.wordpress_id and content_hash and known.content_hash == content_hash and not force:
            remote = fetch_recorded_post(self.client, known.wordpress_id, post.slug, LISTING_FIELDS)
            self._refuse_remote_edits(remote, known, post.slug)
            return PublishOutcome(
                action="unchanged",
                transport=self.name,
                post_id=known.wordpress_id,
                link=remote.get("link"),
                status=remote.get("status"),
                modified_gmt=remote.get("modified_gmt"),
                media=dict(known.media),
                notes=["unchanged since the last publish: nothing was sent"],
            )

        if any(intent.startswith("undo:") for intent in known.pending):
            client.me()
            self._finish_undos(known, journal)  # before the slug lookup, which must not find them
        image = post.featured_image
        media = dict(known.media)
        if early is None:
            early = EarlyUpload.start(client, image, known, journal, trusted)  # goes on during the reads
        checked = False
        try:
            # Every read the writes depend on goes out at once: who we are, the terms, the image, the target.
            term_notes: list[str] = []
            target_notes: list[str] = []
            self._from_cache.clear()
            me, (categories, missing_categories), (tags, missing_tags), attachment, target = client.together(
                client.me,
                lambda: resolve_terms(
                    client, "categories", post.categories, search_misses=False, slugs=post.category_slugs,
                    cached=known.site_terms.get("categories"), from_cache=self._from_cache, notes=term_notes,
                ),
                lambda: resolve_terms(client, "tags", post.tags, search_misses=False,
                                      cached=known.site_terms.get("tags"), from_cache=self._from_cache),
                # The image by its remembered id; searched by its hash when an earlier run may have uploaded it,
                # and during an early upload (a copy already on the site then wins before the post is written).
                lambda: find_media(client, image, {**known.site_media, **media}, search=not trusted or early is not None
                                   or upload_intent(image.sha256) in known.pending)
                if image else None,
                # By the record's id (a read); a lookup by slug may delete a crashed run's copy: after the checks.
                lambda: self._find_target(post, known, target_notes, lookup=False),
            )  # fmt: skip
            caps: Mapping[str, Any] = me.get("capabilities") or {}
            who = describe_user(me, client.settings.username)
            status, status_note = expected_status(post.status, post.date_gmt)
            if status_note:
                notes.append(status_note)
            notes += term_notes
            require_capability(caps, "edit_posts", who, "write posts")
            if post.status in ("publish", "future"):
                require_capability(caps, "publish_posts", who, f"publish (status {post.status!r})")

            can_create_categories = bool(caps.get("manage_categories"))
            searchable = [name for name in missing_categories if name not in post.category_slugs]
            if searchable and not can_create_categories:
                # A user who may not create a category: a name whose slug we guessed wrong is searched by name.
                more, still = resolve_terms(client, "categories", tuple(searchable), search_misses=True, notes=notes)
                categories.update(more)
                missing_categories = [n for n in missing_categories if n not in searchable] + still
            if missing_categories and not can_create_categories:
                existing = existing_names(self.client, "categories")
                raise WordPressError(
                    f"post {post.slug!r} needs the categories {', '.join(map(repr, missing_categories))}, which do "
                    f"not exist on {site}, and the user {who} may not create categories; nothing was written",
                    "Ask an editor or administrator to create them (Posts > Categories), or use existing ones in "
                    "post.md" + (f": {', '.join(existing)}" if existing else ""),
                    status=403,
                    code="rest_cannot_create",
                    url=client.api_url("wp/v2/categories"),
                )
            if image is not None and (attachment is None or early is not None):
                require_capability(caps, "upload_files", who, "upload the featured image")
            notes += target_notes
            if target is None and not known.wordpress_id and (not trusted or create_intent() in known.pending):
                target = self._find_target(post, known, notes, lookup=True)
            if target is not None and known.wordpress_id == target.get("id") and not force:
                self._refuse_remote_edits(target, known, post.slug)
            checked = True
        finally:
            if early is not None and not checked:  # refused before the writes: the upload is undone
                early.undo(journal)

        # ---- writes start here: the missing terms and the image at once ----
        jobs: list[Callable[[], Any]] = []
        job_notes: list[list[str]] = []
        for taxonomy, names in (("categories", missing_categories), ("tags", missing_tags)):
            for name in names:
                job_notes.append([])
                slug = post.category_slugs.get(name) if taxonomy == "categories" else None
                jobs.append(partial(create_term, client, taxonomy, name, job_notes[-1], slug))
        if image is not None and attachment is None and early is None:
            journal.intend(upload_intent(image.sha256))
            job_notes.append([])
            post_id = target.get("id") if target else None
            jobs.append(partial(upload_image, client, image, job_notes[-1], post_id=post_id))
        done = client.together(*jobs)
        if early is not None:
            done.append(early.result())
            job_notes.append(early.notes)
        notes += [note for said in job_notes for note in said]
        for name, term_id in zip(missing_categories, done, strict=False):
            categories[name] = term_id
        for name, term_id in zip(missing_tags, done[len(missing_categories) :], strict=False):
            tags[name] = term_id
        terms = {"categories": categories, "tags": tags}
        if image is not None and (attachment is None or early is not None):
            uploaded = done[-1]
            assert isinstance(uploaded, Attachment)
            if attachment is not None and attachment.id < uploaded.id:
                # A copy was on the site before this run's early upload (its search went with the upload): it wins.
                uploaded = give_way(client, uploaded, attachment, notes)
            attachment = uploaded
            journal.settle(upload_intent(image.sha256), media={image.sha256: attachment.id})
        media_id = attachment.id if attachment is not None else 0
        if image is not None:
            media[image.sha256] = media_id

        body: dict[str, Any] = {
            "title": post.title,
            "content": post.content,
            "excerpt": post.excerpt,
            "status": post.status,
            "slug": post.slug,
            "categories": list(categories.values()),
            "tags": list(tags.values()),
            "featured_media": media_id,
        }
        if post.date_gmt:
            body["date_gmt"] = format_gmt(post.date_gmt)
        written: ApiResponse | None = None
        if target is None:
            journal.intend(create_intent())
            create = partial(client.post, "wp/v2/posts", body, params=WRITTEN, label=f"post {post.slug!r}")
            if image is not None and attachment is not None and not attachment.checked:
                written, attachment = create_keeping_one_image(client, create, attachment, image.sha256, body,
                                                               journal, notes)  # fmt: skip
                media[image.sha256] = attachment.id
            else:
                written = create()
            action = "created"
            if not client.dry_run and written.data.get("slug") != post.slug:
                # The slug is taken (WordPress suffixed ours): undo, then see whose post holds it.
                target = self._undo_suffixed_create(written.data, post, journal, notes)
                written = None
        if target is not None and written is None:
            action = "updated"
            if not client.dry_run and remote_holds(target, body, status):
                # An earlier run wrote exactly this and died before recording it: sending it again would
                # only add a revision (WordPress saves one on the first update even when nothing changed).
                notes.append("WordPress already holds this version (written by an earlier run): nothing sent")
                action = "verified"
            else:
                journal.intend(update_intent(body_fingerprint(body)))
                written = update_post(client, int(target["id"]), body, f"post {post.slug!r}", LISTING_FIELDS)
        if client.dry_run:
            return PublishOutcome(
                action="planned",
                transport=self.name,
                notes=notes,
                media=media,
                post_id=target.get("id") if target else None,
            )

        data: Mapping[str, Any] = written.data if written is not None else (target or {})
        written_url = written.url if written is not None else client.api_url(f"wp/v2/posts/{data.get('id')}")
        outcome = PublishOutcome(
            action=action,
            transport=self.name,
            post_id=int(data["id"]),
            link=data.get("link"),
            status=data.get("status"),
            modified_gmt=data.get("modified_gmt"),
            media=media,
            notes=notes,
            remote_fingerprint=rest_fingerprint(data),
        )
        # Remember the id BEFORE verifying: if verification fails, a rerun updates this post.
        on_written(outcome)
        stale = sorted(t for t in self._from_cache if sorted(data.get(t) or []) != sorted(body[t]))
        if stale:
            # WordPress drops unknown term ids without an error: ids remembered for this site were stale.
            data, written_url = resend_terms(
                client, outcome.post_id or 0, post, body, terms, stale, can_create_categories, journal, notes
            )
            outcome.modified_gmt = data.get("modified_gmt")
            outcome.remote_fingerprint = rest_fingerprint(data)
            on_written(outcome)
        verify_post_response(body, data, status, written_url, who)
        outcome.terms = terms
        post_id = outcome.post_id or 0
        read = partial(fetch_as_reader, client, post_id, str(data.get("status")))
        if attachment is not None and not attachment.post:  # an image of another post stays its
            _, reader = client.together(partial(attach_media, client, attachment.id, post_id), read)
        else:
            reader = read()
        outcome.post_object = reader.data
        outcome.rendered_html = str((reader.data.get("content") or {}).get("rendered") or "")
        outcome.rendered_where = reader.url
        outcome.link = reader.data.get("link") or outcome.link
        return outcome

    # -- reads ------------------------------------------------------------------------------------

    def _find_target(
        self, post: RenderedPost, known: KnownState, notes: list[str], *, lookup: bool = True
    ) -> dict[str, Any] | None:
        """The post to update: the record's id wins; else (when ``lookup``) a post with this slug that we
        created. A lookup also finds copies of ours under a suffixed slug that a crashed run left
        behind (``slug-2`` ...) and deletes them."""
        if known.wordpress_id:
            return fetch_recorded_post(self.client, known.wordpress_id, post.slug)
        if not lookup:
            return None
        suffixed = [f"{post.slug}-{n}" for n in range(2, 5)]
        response = self.client.get(
            "wp/v2/posts",
            {"slug": [post.slug, *suffixed], "status": "any", "context": "edit", "per_page": 20},
            label=f"post by slug {post.slug!r}",
        )
        found: dict[str, Any] | None = None
        for item in response.data:
            if not isinstance(item, dict):
                continue
            if item.get("slug") in suffixed and _holds(item, post):
                # Created by a run that died before it could undo its suffixed create: remove the copy.
                self._delete_post(int(item["id"]))
                notes.append(f"deleted post {item['id']} ({item.get('slug')}), a copy left by a crashed run")
            elif item.get("slug") == post.slug:
                found = item
        if found is None:
            return None
        if _holds(found, post):
            notes.append(
                f"found WordPress post {found['id']} by its slug, holding this post's content: updating it"
            )
            return found
        raise self._foreign_slug_error(found, post.slug, response.url, "nothing was written")

    def _foreign_slug_error(self, item: Mapping[str, Any], slug: str, url: str, what: str) -> WordPressError:
        return WordPressError(
            f"a post with the slug {slug!r} already exists on {self.client.settings.site_url} "
            f"(id {item.get('id')}, status {item.get('status')}, {item.get('link')}); no local record says "
            f"digest-publisher created it and it holds other content, so it did not create it "
            f"(or its record.json was lost); {what}",
            "digest-publisher never overwrites posts it did not create: change 'slug' in post.md, or "
            "rename or delete the existing post in WordPress (Posts > Quick Edit > Slug) and publish again; "
            "if it is this post published before, restore its record.json from version control",
            status=409,
            code="slug_taken",
            url=url,
        )

    def _refuse_remote_edits(self, remote: Mapping[str, Any], known: KnownState, slug: str) -> None:
        if is_remote_edit(known, remote):
            raise WordPressError(
                f"post {slug!r} (WordPress id {remote.get('id')}) was changed in WordPress at "
                f"{remote['modified_gmt']} UTC, after digest-publisher last wrote it ({known.modified_gmt} "
                "UTC)",
                "Publishing would overwrite those edits: copy them into post.md and run publish --force, or "
                "pass --force to overwrite them",
                code="remote_modified",
            )

    # -- writes -----------------------------------------------------------------------------------

    def _delete_post(self, post_id: int) -> None:
        self.client.request(
            "DELETE",
            f"wp/v2/posts/{post_id}",
            params={"force": "true"},
            accept_codes=frozenset({"rest_post_invalid_id"}),
            label=f"undo post {post_id}",
        )

    def _finish_undos(self, known: KnownState, journal: Journal) -> None:
        """Delete the suffixed posts an earlier run created and died before deleting."""
        for intent in sorted(known.pending):
            kind, _, ident = intent.partition(":")
            if kind == "undo" and ident.isdigit():
                self._delete_post(int(ident))
                journal.settle(intent)

    def _undo_suffixed_create(
        self, data: Mapping[str, Any], post: RenderedPost, journal: Journal, notes: list[str]
    ) -> dict[str, Any]:
        """WordPress gave our new post a suffixed slug: the slug is taken. Delete the post just created,
        then return the holder of the slug if it is a post of ours (a record was lost), else refuse."""
        slug = post.slug
        created = int(data["id"])
        intent = undo_intent(created)
        journal.intend(intent)
        self._delete_post(created)
        journal.settle(intent)
        journal.settle(create_intent())  # the create is undone: a rerun need not look for it
        response = self.client.get(
            "wp/v2/posts",
            {"slug": slug, "status": "any", "context": "edit", "per_page": 10},
            label=f"post by slug {slug!r}",
        )
        for item in response.data:
            if not isinstance(item, dict) or item.get("slug") != slug:
                continue
            if _holds(item, post):
                notes.append(
                    f"found WordPress post {item['id']} by its slug, holding this post's content: updating it"
                )
                return item
            raise self._foreign_slug_error(
                item,
                slug,
                response.url,
                f"the post it created (id {created}, slug {data.get('slug')!r}) was deleted again",
            )
        raise WordPressError(
            f"the slug {slug!r} is already taken on {self.client.settings.site_url} by a post the user "
            f"{self.client.settings.username!r} cannot see (WordPress answered with {data.get('slug')!r}); "
            f"the post it created (id {created}) was deleted again",
            "Change 'slug' in post.md, or ask an editor to rename or delete the other post",
            status=409,
            code="slug_taken",
            url=self.client.api_url("wp/v2/posts"),
        )


def _holds(item: Mapping[str, Any], post: RenderedPost) -> bool:
    """A post found by slug (edit context) holds this post as we send it (see ``holds_our_post``)."""
    return holds_our_post(str(raw_field(item, "content") or ""), post)


