"""Publishing through XML-RPC (``--transport xmlrpc``), for sites whose REST API is turned off.

Uses python-wordpress-xmlrpc 2.3 (measured, see notes/wordpress.md s. 8):

    xmlrpc_connection.py   the connection, its errors and the library's quirks; the shapes of what it reads
    xmlrpc_media.py        the featured image: found by its hash, uploaded, attached to its post
    xmlrpc.py              the order of reads and writes, staging for authors, verification (this module)

The same ownership rule, content and verification rules as the REST transport apply.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from wordpress_xmlrpc import WordPressPost
from wordpress_xmlrpc.methods import posts as post_methods
from wordpress_xmlrpc.methods import taxonomies, users

from ..errors import WordPressError
from ..models import RenderedPost
from .fingerprints import first_html_difference, holds_our_post, remote_edit, same_text, verification_error
from .publisher import KnownState, PublishOutcome, expected_status, parse_gmt
from .xmlrpc_connection import XmlRpcConnection, gmt_of, status_of, xmlrpc_fingerprint
from .xmlrpc_media import attach_image, find_media, upload_image

_CATEGORY_ROLES = frozenset({"administrator", "editor"})
# The roles with unfiltered_html (single site): WordPress stores their HTML as sent; kses filters the others'.
_UNFILTERED_ROLES = frozenset({"administrator", "editor"})
_PUBLIC = ("publish", "future")


class XmlRpcPublisher(XmlRpcConnection):
    """Publishes RenderedPosts through ``xmlrpc.php``."""

    name = "xmlrpc"

    # -- the flow ---------------------------------------------------------------------------------

    def publish(
        self,
        post: RenderedPost,
        known: KnownState,
        *,
        force: bool,
        on_written: Callable[[PublishOutcome], None],
        content_hash: str = "",
        before_update: Callable[[int], None] | None = None,
    ) -> PublishOutcome:
        """Create or update ``post``. ``before_update(post_id)`` is called before a post the record does not
        know (found by its slug) is written: it raises to refuse the update (the one-record rule).

        A user whose HTML WordPress filters (no unfiltered_html) publishes a post that is not public yet as
        a draft first: verified, and only then given its status, so a post kses changed never goes live.
        """
        notes: list[str] = []
        if known.wordpress_id and content_hash and known.content_hash == content_hash and not force:
            remote = self._get_post(known.wordpress_id, post.slug)
            self._refuse_remote_edits(remote, known, post.slug)
            return PublishOutcome(
                action="unchanged",
                transport=self.name,
                post_id=known.wordpress_id,
                link=getattr(remote, "link", None),
                status=status_of(remote),
                modified_gmt=gmt_of(remote, "date_modified"),
                media=dict(known.media),
                notes=["unchanged since the last publish: nothing was sent"],
            )

        me = self.call(users.GetUserInfo(), "wp.getProfile")
        self._verified_credentials = True
        roles = set(getattr(me, "roles", None) or [])
        who = f"{self.settings.username!r} (roles: {', '.join(sorted(roles)) or 'none'})"
        status, status_note = expected_status(post.status, post.date_gmt)
        if status_note:
            notes.append(status_note)

        # Over XML-RPC, creating ANY term (tags too, unlike REST) needs manage_categories: check first.
        missing: list[str] = []
        for taxonomy, names in (("category", post.categories), ("post_tag", post.tags)):
            if names:
                existing = {
                    html.unescape(t.name).casefold()
                    for t in self.call(taxonomies.GetTerms(taxonomy), f"wp.getTerms {taxonomy}")
                }
                missing += [
                    f"{'category' if taxonomy == 'category' else 'tag'} {n!r}"
                    for n in names
                    if n.casefold() not in existing
                ]
        if missing and not roles & _CATEGORY_ROLES:
            raise WordPressError(
                f"post {post.slug!r} needs the terms {', '.join(missing)}, which do not exist on "
                f"{self.settings.site_url}, and the user {who} may not create categories or tags over "
                "XML-RPC; nothing was written",
                "Ask an editor or administrator to create them, use existing ones in post.md, or publish "
                "with --transport rest (which lets authors create tags)",
                status=401,
                code="xmlrpc_cannot_create_terms",
                url=self.url,
            )

        media = dict(known.media)
        image = post.featured_image
        media_id, attached_to = 0, 0
        if image is not None:
            media_id, attached_to = find_media(self, image, media) or (0, 0)

        target = self._find_target(post, known, notes)
        if target is not None and known.wordpress_id and not force:
            self._refuse_remote_edits(target, known, post.slug)

        # ---- writes start here ----
        if image is not None and not media_id:
            attached_to = int(target.id) if target is not None else 0
            media_id = upload_image(self, image, attached_to)
        if image is not None:
            media[image.sha256] = media_id
            notes.append("XML-RPC cannot set an image's alt text: set it in the media library if needed")

        wp_post = WordPressPost()
        wp_post.title = post.title
        wp_post.content = post.content
        wp_post.excerpt = post.excerpt
        wp_post.slug = post.slug
        # Not public until verified, for a user whose HTML kses filters (see the docstring).
        staged = (
            post.status in _PUBLIC
            and not roles & _UNFILTERED_ROLES
            and (target is None or status_of(target) not in _PUBLIC)
        )
        wp_post.post_status = "draft" if staged else post.status
        # python-wordpress-xmlrpc creates missing terms named here (checked above for categories).
        wp_post.terms_names = {"category": list(post.categories), "post_tag": list(post.tags)}
        wp_post.thumbnail = media_id or ""
        if post.date_gmt:
            wp_post.date = parse_gmt(post.date_gmt).replace(tzinfo=None)
        shown = {
            "post_title": post.title,
            "post_status": post.status,
            "post_name": post.slug,
            "terms_names": wp_post.terms_names,
            "post_thumbnail": media_id,
            "post_excerpt": post.excerpt,
            "post_content": wp_post.content,
            "post_date_gmt": post.date_gmt,
        }
        if target is None:
            new_id = self.write(post_methods.NewPost(wp_post), "wp.newPost", shown)
            post_id, action = int(new_id), "created"
        else:
            post_id, action = int(target.id), "updated"
            if not known.wordpress_id and before_update is not None:
                before_update(post_id)  # found by its slug: refused here, before anything is written to it
            self.write(post_methods.EditPost(post_id, wp_post), "wp.editPost", shown)
        if self.dry_run:
            return PublishOutcome(
                action="planned",
                transport=self.name,
                notes=notes,
                media=media,
                post_id=None if target is None else post_id,
            )

        got = self._get_post(post_id, post.slug)
        outcome = PublishOutcome(
            action=action,
            transport=self.name,
            post_id=post_id,
            link=getattr(got, "link", None),
            status=status_of(got),
            modified_gmt=gmt_of(got, "date_modified"),
            media=media,
            notes=notes,
            remote_fingerprint=xmlrpc_fingerprint(got),
        )
        on_written(outcome)
        try:
            self._verify(post, wp_post, got, "draft" if staged else status, media_id, who)
        except WordPressError as exc:
            if not staged:
                raise
            raise WordPressError(
                f"{exc.message}; it stays an unpublished draft (the user {who} lacks unfiltered_html, so "
                "WordPress's HTML filter, kses, applies to its posts)",
                "Change that text in post.md (kses rewrites entities such as &amp;#x61; into the character, "
                "and drops script, style, iframe and on* attributes), or publish as an editor or administrator",
                status=422,
                code="kses_changed",
                url=self.url,
            ) from None
        if image is not None and not attached_to:
            attach_image(self, image, media_id, post_id)  # an image of another post stays its
        if staged:
            got = self._go_public(post, wp_post, post_id, status, outcome, who)
        # XML-RPC has no rendered view: check what WordPress stored (after its filters) instead.
        outcome.rendered_html = str(getattr(got, "content", ""))
        outcome.rendered_where = f"{self.url} post {post_id} (stored content)"
        return outcome

    # -- reads ------------------------------------------------------------------------------------

    def _get_post(self, post_id: int, slug: str) -> Any:
        try:
            return self.call(post_methods.GetPost(post_id), f"wp.getPost {post_id}")
        except WordPressError as exc:
            if exc.status == 404:
                raise WordPressError(
                    f"post {slug!r}: its record says WordPress id {post_id}, but {self.settings.site_url} "
                    "has "
                    "no such post (deleted?)",
                    f"Delete posts/{slug}/record.json to publish it again as a new post",
                    status=404,
                    code="xmlrpc_404",
                    url=self.url,
                ) from None
            raise

    def _find_target(self, post: RenderedPost, known: KnownState, notes: list[str]) -> Any:
        if known.wordpress_id:
            return self._get_post(known.wordpress_id, post.slug)
        # wp.getPosts cannot filter by slug: scan the most recent posts of every status.
        recent = self.call(post_methods.GetPosts({"number": 100, "post_type": "post"}), "wp.getPosts")
        for item in recent:
            if getattr(item, "slug", None) != post.slug:
                continue
            if holds_our_post(str(getattr(item, "content", "")), post):
                notes.append(
                    f"found WordPress post {item.id} by its slug, holding this post's content: "
                    "updating it"
                )
                return item
            raise WordPressError(
                f"a post with the slug {post.slug!r} already exists on {self.settings.site_url} (id "
                f"{item.id}, "
                f"status {item.post_status}); no local record says digest-publisher created it and it holds "
                "other content; nothing was written",
                "digest-publisher never overwrites posts it did not create: change 'slug' in post.md, or "
                "rename or delete the existing post in WordPress and publish again",
                status=409,
                code="slug_taken",
                url=self.url,
            )
        return None
    def _refuse_remote_edits(self, remote: Any, known: KnownState, slug: str) -> None:
        modified = gmt_of(remote, "date_modified")
        if remote_edit(known, modified, xmlrpc_fingerprint(remote)):
            raise WordPressError(
                f"post {slug!r} (WordPress id {getattr(remote, 'id', '?')}) was changed in WordPress at "
                f"{modified} UTC, after digest-publisher last wrote it ({known.modified_gmt} UTC)",
                "Publishing would overwrite those edits: copy them into post.md and run publish --force, or "
                "pass --force to overwrite them",
                code="remote_modified",
                url=self.url,
            )


    # -- writes -----------------------------------------------------------------------------------

    def _go_public(
        self, post: RenderedPost, wp_post: WordPressPost, post_id: int, status: str, outcome: PublishOutcome, who: str
    ) -> Any:
        """Give the verified draft the status asked for (the fields sent again: the library would send its
        default title otherwise); ``outcome`` then describes the public post."""
        wp_post.post_status = post.status
        self.write(post_methods.EditPost(post_id, wp_post), "wp.editPost status", {"post_status": post.status})
        got = self._get_post(post_id, post.slug)
        got_status = status_of(got)
        if got_status != status and not {got_status, status} <= set(_PUBLIC):
            raise WordPressError(
                f"post {post.slug!r} (WordPress id {post_id}) was verified as a draft, but giving it status "
                f"{status!r} left it {got_status!r}",
                "Publish it in wp-admin (Posts > Edit), or check the user's role (publish_posts)",
                url=self.url,
            )
        outcome.status = got_status
        outcome.link = getattr(got, "link", None)
        outcome.modified_gmt = gmt_of(got, "date_modified")
        outcome.remote_fingerprint = xmlrpc_fingerprint(got)
        outcome.notes.append(
            f"written as a draft and verified before it went {got_status} (the user {who} lacks "
            "unfiltered_html, so WordPress filters its HTML)"
        )
        return got

    # -- verification -----------------------------------------------------------------------------

    def _verify(
        self, post: RenderedPost, sent: WordPressPost, got: Any, status: str, media_id: int, who: str
    ) -> None:
        problems: list[str] = []
        terms = getattr(got, "terms", None) or []
        categories = {html.unescape(t.name) for t in terms if t.taxonomy == "category"}
        tags = {html.unescape(t.name) for t in terms if t.taxonomy == "post_tag"}
        if not post.categories and len(categories) == 1:
            pass  # XML-RPC puts a post without categories in the site's default category
        elif {c.casefold() for c in categories} != {c.casefold() for c in post.categories}:
            problems.append(f"categories are {sorted(categories)}, sent {list(post.categories)}")
        if {t.casefold() for t in tags} != {t.casefold() for t in post.tags}:
            problems.append(f"tags are {sorted(tags)}, sent {list(post.tags)}")
        thumbnail = getattr(got, "thumbnail", None)
        got_media = (
            int(thumbnail.get("attachment_id") or 0) if isinstance(thumbnail, dict) and thumbnail else 0
        )
        if got_media != media_id:
            problems.append(f"featured image is {got_media}, sent {media_id}")
        if getattr(got, "slug", None) != post.slug:
            problems.append(f"slug is {getattr(got, 'slug', None)!r}, sent {post.slug!r}")
        got_status = status_of(got)
        if got_status != status and not {got_status, status} <= {"publish", "future"}:
            problems.append(f"status is {got_status!r}, expected {status!r}")
        if not same_text(post.title, str(getattr(got, "title", ""))):
            problems.append(f"title is {getattr(got, 'title', '')!r}, sent {post.title!r}")
        if first_html_difference(post.excerpt, str(getattr(got, "excerpt", ""))):
            problems.append(f"excerpt is {getattr(got, 'excerpt', '')!r}, sent {post.excerpt!r}")
        difference = first_html_difference(str(sent.content), str(getattr(got, "content", "")))
        if difference:
            problems.append(
                f"content was changed by WordPress {difference} (the user {who} may lack unfiltered_html)"
            )
        if problems:
            raise verification_error(
                f"post {post.slug!r} (WordPress id {getattr(got, 'id', '?')})", self.url, problems, self.url
            )
