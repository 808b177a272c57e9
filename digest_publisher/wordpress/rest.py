"""Publishing one post through the REST API: terms by name, featured image once, create-or-update, verify.

The order is chosen so that the refusals we can foresee happen BEFORE the first write: credentials
and capabilities (``users/me``), terms, and (for a post the record knows) the target post are read
first; only then are missing terms created, the image uploaded and the post written. Every write is
compared with what was sent, because WordPress answers 200/201 while silently dropping unknown term ids
and bad ``featured_media``.

A first publish makes at most six requests (users/me, categories, tags, upload, create, the reader's
fetch) when the posts folder already knows the site's REST root: the slug lookup and the media search
are skipped when the record shows no earlier attempt (write intents, see ``Journal``). WordPress
suffixes a taken slug or file name instead of refusing it, so the answer tells: a suffixed create is
deleted again and the slug's holder adopted (ours) or refused (not ours); a renamed upload of an image
uploaded before is deleted and the earlier attachment used.
"""

from __future__ import annotations

import html
import mimetypes
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from ..errors import WordPressError
from ..models import FeaturedImage, RenderedPost
from .client import ApiResponse, WordPressClient
from .common import (
    Journal,
    KnownState,
    NoJournal,
    PublishOutcome,
    create_intent,
    expected_status,
    fingerprint,
    first_html_difference,
    format_gmt,
    is_ours,
    parse_gmt,
    remote_edit,
    same_text,
    undo_intent,
    update_intent,
    upload_intent,
    verification_error,
    with_marker,
    wp_slug,
)

MEDIA_MARKER = "digest-publisher featured image sha256:"
_TAXONOMY_LABEL = {"categories": "category", "tags": "tag"}


def media_filename(image: FeaturedImage) -> str:
    """``card.png`` -> ``card-<sha256[:12]>.png``: the hash prefix makes the upload findable by name too."""
    name = PurePosixPath(image.filename).name or "featured"
    stem, suffix = PurePosixPath(name).stem, PurePosixPath(name).suffix
    if not suffix:
        suffix = mimetypes.guess_extension(image.mime_type) or ".bin"
    prefix = image.sha256[:12]
    return name if prefix in stem else f"{stem}-{prefix}{suffix}"


class RestPublisher:
    """Publishes RenderedPosts through one :class:`WordPressClient`."""

    name = "rest"

    def __init__(self, client: WordPressClient) -> None:
        self.client = client

    @property
    def request_count(self) -> int:
        return self.client.request_count

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
    ) -> PublishOutcome:
        """Create or update ``post``; see the module docstring for the order of reads and writes.

        ``journal`` records write intents (see :class:`~digest_publisher.wordpress.common.Journal`).
        With it, a post that no earlier run tried to create is created without a slug lookup and an
        image no earlier run tried to upload is uploaded without a search: WordPress's answer tells
        whether the slug or the file name was taken (it suffixes both), and only then is the site searched
        and the write undone. Without a journal every lookup is made first.
        """
        client = self.client
        notes: list[str] = []
        site = client.settings.site_url
        trusted = journal is not None  # the record's intents are known: a missing intent means no write
        journal = journal or NoJournal()

        # An unchanged post costs one read: is the remote still what we last wrote?
        if known.wordpress_id and content_hash and known.content_hash == content_hash and not force:
            remote = self._get_target_by_id(known.wordpress_id, post.slug)
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

        me = client.get("wp/v2/users/me", {"context": "edit"}, label="who am I").data
        self._finish_undos(known, journal)
        caps: Mapping[str, Any] = me.get("capabilities") or {}
        roles = ", ".join(me.get("roles") or []) or "none"
        who = f"{me.get('username') or client.settings.username!r} (roles: {roles})"
        status, status_note = expected_status(post.status, post.date_gmt)
        if status_note:
            notes.append(status_note)
        self._require(caps, "edit_posts", who, "write posts")
        if post.status in ("publish", "future"):
            self._require(caps, "publish_posts", who, f"publish (status {post.status!r})")

        can_create_categories = bool(caps.get("manage_categories"))
        category_ids, missing_categories = self._resolve_terms(
            "categories", post.categories, search_misses=not can_create_categories
        )
        tag_ids, missing_tags = self._resolve_terms("tags", post.tags, search_misses=False)
        if missing_categories and not can_create_categories:
            existing = self._existing_names("categories")
            raise WordPressError(
                f"post {post.slug!r} needs the categories {', '.join(map(repr, missing_categories))}, "
                "which do "
                f"not exist on {site}, and the user {who} may not create categories; nothing was written",
                "Ask an editor or administrator to create them (Posts > Categories), or use existing ones in "
                "post.md" + (f": {', '.join(existing)}" if existing else ""),
                status=403,
                code="rest_cannot_create",
                url=client.api_url("wp/v2/categories"),
            )

        media = dict(known.media)
        image = post.featured_image
        media_id = 0
        if image is not None:
            search = not trusted or upload_intent(image.sha256) in known.pending
            found = self._find_media(image, {**known.site_media, **media}, search=search)
            if found is None:
                self._require(caps, "upload_files", who, "upload the featured image")
            else:
                media_id = found

        lookup = not trusted or create_intent() in known.pending
        target = self._find_target(post, known, notes, lookup=lookup)
        if target is not None and known.wordpress_id == target.get("id") and not force:
            self._refuse_remote_edits(target, known, post.slug)

        # ---- writes start here ----
        for name in missing_categories:
            category_ids.append(self._create_term("categories", name, notes))
        for name in missing_tags:
            tag_ids.append(self._create_term("tags", name, notes))
        if image is not None and not media_id:
            intent = upload_intent(image.sha256)
            journal.intend(intent)
            media_id = self._upload(image, notes)
            journal.settle(intent, media={image.sha256: media_id})
        if image is not None:
            media[image.sha256] = media_id

        body: dict[str, Any] = {
            "title": post.title,
            "content": with_marker(post),
            "excerpt": post.excerpt,
            "status": post.status,
            "slug": post.slug,
            "categories": category_ids,
            "tags": tag_ids,
            "featured_media": media_id,
        }
        if post.date_gmt:
            body["date_gmt"] = format_gmt(post.date_gmt)
        written: ApiResponse | None = None
        if target is None:
            journal.intend(create_intent())
            written = client.post("wp/v2/posts", body, label=f"post {post.slug!r}")
            action = "created"
            if not client.dry_run and written.data.get("slug") != post.slug:
                # The slug is taken (WordPress suffixed ours): undo, then see whose post holds it.
                target = self._undo_suffixed_create(written.data, post.slug, journal, notes)
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
                written = client.post(
                    f"wp/v2/posts/{target['id']}", body, idempotent=True, label=f"post {post.slug!r}"
                )
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
        verify_post_response(body, data, status, written_url, who)

        reader = self._fetch_as_reader(outcome.post_id or 0, str(data.get("status")))
        outcome.post_object = reader.data
        outcome.rendered_html = str((reader.data.get("content") or {}).get("rendered") or "")
        outcome.rendered_where = reader.url
        outcome.link = reader.data.get("link") or outcome.link
        return outcome

    # -- reads ------------------------------------------------------------------------------------

    @staticmethod
    def _require(caps: Mapping[str, Any], capability: str, who: str, purpose: str) -> None:
        if not caps.get(capability):
            raise WordPressError(
                f"the user {who} lacks the capability {capability!r} needed to {purpose}; nothing was "
                "written",
                "Use an account with a role that has it (author or above to publish, editor or administrator "
                "to create categories), or change the post's status to 'draft'",
                status=403,
                code="capability_missing",
            )

    def _resolve_terms(
        self, taxonomy: str, names: tuple[str, ...], *, search_misses: bool
    ) -> tuple[list[int], list[str]]:
        """Term ids for ``names`` (existing ones) and the names not found.

        One GET by slug. A name whose slug we guessed wrong is either created later (WordPress answers
        ``term_exists`` with its id: no harm) or, for a user who may not create terms
        (``search_misses``), looked up by name before calling it missing.
        """
        if not names:
            return [], []
        wanted = list(dict.fromkeys(names))
        response = self.client.get(
            f"wp/v2/{taxonomy}",
            {"slug": [wp_slug(n) for n in wanted], "per_page": 100, "_fields": "id,name,slug"},
            label=f"{taxonomy} by slug",
        )
        found = _match_terms(wanted, response.data)
        for name in [n for n in wanted if n not in found and search_misses]:
            # WordPress stores "R&D" as "R&amp;D" and searches the stored text: search by the name's
            # longest word, then compare whole names.
            words = re.findall(r"\w+", name)
            searched = self.client.get(
                f"wp/v2/{taxonomy}",
                {"search": max(words, key=len) if words else name, "per_page": 100, "_fields": "id,name,slug"},
                label=f"{_TAXONOMY_LABEL[taxonomy]} {name!r} by name",
            )
            found.update(_match_terms([name], searched.data))
        return [found[n] for n in wanted if n in found], [n for n in wanted if n not in found]

    def _existing_names(self, taxonomy: str) -> list[str]:
        response = self.client.get(f"wp/v2/{taxonomy}", {"per_page": 100, "_fields": "name"})
        return [html.unescape(str(t.get("name"))) for t in response.data if isinstance(t, dict)]

    def _find_media(self, image: FeaturedImage, known: Mapping[str, int], *, search: bool) -> int | None:
        """The attachment already holding this image: a remembered id if it still holds it, else (when
        ``search``, or the remembered id went stale) the media library searched by the hash."""
        sha = image.sha256
        if sha in known:
            response = self.client.get(
                f"wp/v2/media/{known[sha]}",
                {"_fields": "id,description,source_url"},
                accept_codes=frozenset({"rest_post_invalid_id"}),
                label="featured image by id",
            )
            if response.status == 200 and _holds_hash(response.data, sha):
                return int(response.data["id"])
            search = True
        if not search:
            return None
        return self._search_media(sha)

    def _search_media(self, sha: str, *, besides: int | None = None) -> int | None:
        """The oldest attachment whose description holds this hash (other than ``besides``)."""
        response = self.client.get(
            "wp/v2/media",
            {"search": sha, "per_page": 20, "_fields": "id,description,source_url"},
            label="featured image by hash",
        )
        ids = sorted(
            int(item["id"])
            for item in response.data
            if isinstance(item, dict) and _holds_hash(item, sha) and item.get("id") != besides
        )
        return ids[0] if ids else None

    def _get_target_by_id(self, post_id: int, slug: str) -> dict[str, Any]:
        return fetch_recorded_post(self.client, post_id, slug)

    def _find_target(
        self, post: RenderedPost, known: KnownState, notes: list[str], *, lookup: bool = True
    ) -> dict[str, Any] | None:
        """The post to update: the record's id wins; else (when ``lookup``) a post with this slug that we
        created. A lookup also finds copies of ours under a suffixed slug that a crashed run left
        behind (``slug-2`` ...) and deletes them."""
        if known.wordpress_id:
            return self._get_target_by_id(known.wordpress_id, post.slug)
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
            raw = str((item.get("content") or {}).get("raw") or "")
            if item.get("slug") in suffixed and is_ours(raw, post.slug):
                # Created by a run that died before it could undo its suffixed create: remove the copy.
                self._delete_post(int(item["id"]))
                notes.append(f"deleted post {item['id']} ({item.get('slug')}), a copy left by a crashed run")
            elif item.get("slug") == post.slug:
                found = item
        if found is None:
            return None
        if is_ours(str((found.get("content") or {}).get("raw") or ""), post.slug):
            notes.append(
                f"found WordPress post {found['id']} by its slug (made by digest-publisher): updating it"
            )
            return found
        raise self._foreign_slug_error(found, post.slug, response.url, "nothing was written")

    def _foreign_slug_error(self, item: Mapping[str, Any], slug: str, url: str, what: str) -> WordPressError:
        return WordPressError(
            f"a post with the slug {slug!r} already exists on {self.client.settings.site_url} "
            f"(id {item.get('id')}, status {item.get('status')}, {item.get('link')}) and digest-publisher "
            f"did not create it; {what}",
            "digest-publisher never overwrites posts it did not create: change 'slug' in post.md, or "
            "rename or delete the existing post in WordPress (Posts > Quick Edit > Slug) and publish again",
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

    def _fetch_as_reader(self, post_id: int, status: str) -> ApiResponse:
        """Published posts are fetched anonymously, exactly as a visitor's browser would; drafts and
        scheduled posts are not public, so they are fetched in the reader's (view) context as the user."""
        if status == "publish":
            return self.client.get(f"wp/v2/posts/{post_id}", auth=False, label="post as a reader")
        return self.client.get(f"wp/v2/posts/{post_id}", {"context": "view"}, label="post as a reader")

    # -- writes -----------------------------------------------------------------------------------

    def _create_term(self, taxonomy: str, name: str, notes: list[str]) -> int:
        label = _TAXONOMY_LABEL[taxonomy]
        response = self.client.post(
            f"wp/v2/{taxonomy}",
            {"name": name},
            accept_codes=frozenset({"term_exists"}),
            label=f"new {label} {name!r}",
        )
        if response.status == 400:
            # A term with this name exists under another slug (or was created meanwhile): use it.
            term_id = (response.data.get("data") or {}).get("term_id")
            if not isinstance(term_id, int):
                raise WordPressError(
                    f"creating the {label} {name!r} answered term_exists without a term id",
                    "Look the term up in wp-admin and put its exact name in post.md",
                    url=response.url,
                )
            notes.append(f"{label} {name!r} already existed (id {term_id})")
            return term_id
        if self.client.dry_run:
            return int(response.data["id"])
        if not same_text(name, str(response.data.get("name", ""))):
            raise verification_error(
                f"new {label} {name!r}",
                response.url,
                [f"name came back as {response.data.get('name')!r}"],
                response.url,
            )
        notes.append(f"created {label} {name!r} (id {response.data['id']})")
        return int(response.data["id"])

    def _upload(self, image: FeaturedImage, notes: list[str]) -> int:
        """Upload the image; if WordPress renamed it (the name, which holds the hash, was taken), look
        for an earlier upload of the same bytes and, if there is one, delete this copy and use that."""
        filename = media_filename(image)
        form = {
            "alt_text": image.alt_text,
            "caption": image.caption,
            "description": f"{MEDIA_MARKER}{image.sha256}",
        }
        response = self.client.post(
            "wp/v2/media",
            files={"file": (filename, image.data, image.mime_type)},
            form=form,
            label=f"featured image {filename}",
        )
        if self.client.dry_run:
            return int(response.data["id"])
        data = response.data
        problems = []
        if str(data.get("alt_text") or "") != image.alt_text:
            problems.append(f"alt_text is {data.get('alt_text')!r}, sent {image.alt_text!r}")
        caption = (data.get("caption") or {}).get("raw", "")
        if not same_text(image.caption, str(caption)):
            problems.append(f"caption is {caption!r}, sent {image.caption!r}")
        if not _holds_hash(data, image.sha256):
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
        new_id = int(data["id"])
        # Renamed: the file (WordPress suffixes a taken name, "-1") or the slug. Both are needed: WordPress 6.8
        # gives an XML-RPC upload the slug "card-<hash>-png", so a later REST upload of the same file keeps
        # the slug "card-<hash>" while its file becomes "card-<hash>-1.png".
        stored_file = PurePosixPath(urlsplit(str(data.get("source_url") or "")).path).name
        if str(data.get("slug") or "") == wp_slug(PurePosixPath(filename).stem) and stored_file in ("", filename):
            return new_id
        earlier = self._search_media(image.sha256, besides=new_id)
        if earlier is None:
            return new_id  # renamed for another reason (a file of that name, not this image)
        self.client.request(
            "DELETE",
            f"wp/v2/media/{new_id}",
            params={"force": "true"},
            accept_codes=frozenset({"rest_post_invalid_id"}),
            label=f"undo featured image {new_id}",
        )
        notes.append(f"the image was uploaded before (attachment {earlier}): used it, deleted the new copy")
        return earlier

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
        self, data: Mapping[str, Any], slug: str, journal: Journal, notes: list[str]
    ) -> dict[str, Any]:
        """WordPress gave our new post a suffixed slug: the slug is taken. Delete the post just created,
        then return the holder of the slug if it is a post of ours (a record was lost), else refuse."""
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
            if is_ours(str((item.get("content") or {}).get("raw") or ""), slug):
                notes.append(
                    f"found WordPress post {item['id']} by its slug (made by digest-publisher): updating it"
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


def verify_post_response(
    body: Mapping[str, Any], got: Mapping[str, Any], status: str, url: str, who: str = ""
) -> None:
    """Compare the post WordPress answered with (edit context) with the body sent; raise on any
    difference. WordPress answers 200/201 while dropping unknown term ids and bad featured_media."""
    problems: list[str] = []
    if sorted(got.get("categories") or []) != sorted(body["categories"]):
        problems.append(f"categories are {got.get('categories')}, sent {body['categories']}")
    if sorted(got.get("tags") or []) != sorted(body["tags"]):
        problems.append(f"tags are {got.get('tags')}, sent {body['tags']}")
    if int(got.get("featured_media") or 0) != int(body["featured_media"]):
        problems.append(f"featured_media is {got.get('featured_media')}, sent {body['featured_media']}")
    if got.get("slug") != body["slug"]:
        problems.append(f"slug is {got.get('slug')!r}, sent {body['slug']!r}")
    got_status = got.get("status")
    if got_status != status and not (
        status in ("publish", "future")
        and got_status in ("publish", "future")
        and _near_boundary(body.get("date_gmt"))
    ):
        problems.append(f"status is {got_status!r}, expected {status!r}")
    if (
        body.get("date_gmt")
        and got.get("date_gmt")
        and parse_gmt(str(got["date_gmt"])) != parse_gmt(str(body["date_gmt"]))
    ):
        problems.append(f"date_gmt is {got['date_gmt']}, sent {body['date_gmt']}")
    title = (got.get("title") or {}).get("raw", "")
    if not same_text(body["title"], str(title)):
        problems.append(f"title is {title!r}, sent {body['title']!r}")
    excerpt = (got.get("excerpt") or {}).get("raw", "")
    if first_html_difference(body["excerpt"], str(excerpt)):
        problems.append(f"excerpt is {excerpt!r}, sent {body['excerpt']!r}")
    content = str((got.get("content") or {}).get("raw", ""))
    difference = first_html_difference(body["content"], content)
    if difference:
        problems.append(
            f"content was changed by WordPress {difference} (the user {who} may lack "
            "unfiltered_html, so WordPress filters script, style, iframe and on* attributes)"
        )
    if problems:
        raise verification_error(f"post {body['slug']!r} (WordPress id {got.get('id')})", url, problems, url)


def _raw(post: Mapping[str, Any], key: str) -> Any:
    value = post.get(key)
    return value.get("raw") if isinstance(value, dict) else value


def fields_fingerprint(post: Mapping[str, Any]) -> str:
    """The fields a write of ours sets, as WordPress stores them (edit context); no date (WordPress
    picks one when none is sent), no status."""
    return fingerprint(
        "rest-fields",
        {
            "title": _raw(post, "title"),
            "content": _raw(post, "content"),
            "excerpt": _raw(post, "excerpt"),
            "slug": post.get("slug"),
            "categories": sorted(post.get("categories") or []),
            "tags": sorted(post.get("tags") or []),
            "featured_media": int(post.get("featured_media") or 0),
        },
    )


def body_fingerprint(body: Mapping[str, Any]) -> str:
    """:func:`fields_fingerprint` of the post WordPress will store for this request body."""
    return fields_fingerprint({k: v for k, v in body.items() if k not in ("status", "date_gmt")})


def remote_holds(post: Mapping[str, Any], body: Mapping[str, Any], status: str) -> bool:
    """Does the post (edit context) already hold exactly what ``body`` would write?"""
    if fields_fingerprint(post) != body_fingerprint(body) or post.get("status") != status:
        return False
    sent_date = body.get("date_gmt")
    return not sent_date or (
        bool(post.get("date_gmt")) and parse_gmt(str(post["date_gmt"])) == parse_gmt(str(sent_date))
    )


def is_remote_edit(known: KnownState, remote: Mapping[str, Any]) -> bool:
    """Was the post (edit context) changed in WordPress since our last recorded write? A change that
    carries exactly the fields of a write we announced (``update:`` intent) but never recorded, because
    the run died, is our own."""
    if not remote_edit(known, remote.get("modified_gmt"), rest_fingerprint(remote)):
        return False
    return update_intent(fields_fingerprint(remote)) not in known.pending


def rest_fingerprint(post: Mapping[str, Any]) -> str:
    """The stored fields of a post (edit context) that an editor could change in wp-admin. Status is left
    out: a scheduled post going live is not an edit."""

    def raw(key: str) -> Any:
        value = post.get(key)
        return value.get("raw") if isinstance(value, dict) else value

    return fingerprint(
        "rest",
        {
            "title": raw("title"),
            "content": raw("content"),
            "excerpt": raw("excerpt"),
            "slug": post.get("slug"),
            "categories": sorted(post.get("categories") or []),
            "tags": sorted(post.get("tags") or []),
            "featured_media": post.get("featured_media"),
            "date_gmt": post.get("date_gmt"),
        },
    )


def fetch_recorded_post(
    client: WordPressClient, post_id: int, slug: str, fields: str | None = None
) -> dict[str, Any]:
    """The post a local record points at (``context=edit``), or an error that says how to recover when
    WordPress no longer has it or holds it in the trash."""
    params: dict[str, Any] = {"context": "edit"}
    if fields:
        params["_fields"] = fields
    response = client.get(
        f"wp/v2/posts/{post_id}",
        params,
        accept_codes=frozenset({"rest_post_invalid_id"}),
        label=f"post {post_id}",
    )
    if response.status == 404:
        raise WordPressError(
            f"post {slug!r}: its record says WordPress id {post_id}, but {client.settings.site_url} has no "
            "such post (deleted permanently?)",
            f"Delete posts/{slug}/record.json and run `digest-publisher publish {slug}` to publish it as new",
            status=404,
            code="rest_post_invalid_id",
            url=response.url,
        )
    data: dict[str, Any] = response.data
    if data.get("status") == "trash":
        raise WordPressError(
            f"post {slug!r} (WordPress id {post_id}) is in the trash on {client.settings.site_url}",
            "Restore it in wp-admin (Posts > Trash), or delete it permanently and remove "
            f"posts/{slug}/record.json to publish it as new",
            code="post_in_trash",
            url=response.url,
        )
    return data


def _match_terms(wanted: list[str], terms: Any) -> dict[str, int]:
    found: dict[str, int] = {}
    for name in wanted:
        slug = wp_slug(name)
        for term in terms if isinstance(terms, list) else []:
            if not isinstance(term, dict):
                continue
            term_name = html.unescape(str(term.get("name", "")))
            if term_name.casefold() == name.casefold() or (slug and term.get("slug") == slug):
                found[name] = int(term["id"])
                break
    return found


def _holds_hash(media: Mapping[str, Any], sha: str) -> bool:
    description = media.get("description")
    text = ""
    if isinstance(description, dict):
        text = str(description.get("raw") or description.get("rendered") or "")
    return f"{MEDIA_MARKER}{sha}" in html.unescape(text)


def _near_boundary(date_gmt: Any) -> bool:
    """A date within a few seconds of the 60 s rule: the server's clock decides, accept either status."""
    if not date_gmt:
        return False
    ahead = (parse_gmt(str(date_gmt)) - datetime.now(UTC)).total_seconds()
    return 50 <= ahead <= 70
