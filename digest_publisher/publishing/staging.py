"""A post goes public only once verified, also for users whose HTML WordPress filters.

WordPress runs its kses filter over the title, content and excerpt of users without the
``unfiltered_html`` capability (authors, contributors) and may change them: ``&amp;#x61;`` becomes
``&#x61;`` (a reader then sees "a"), script, style and iframe go, ``javascript:`` links are rewritten.
The verification after the write sees it, but a post sent with status publish would already be live.
So, for such a user and a post that is to be public:

* a post that is not public yet is written as a draft, verified, and only then given its status;
* a public post is first tried as an autosave (a revision of its own: the live post is untouched) and
  updated only if WordPress keeps every field as sent.

Users with ``unfiltered_html`` (administrators, editors) store what is sent: nothing changes for them.
"""

from __future__ import annotations

import difflib
import html
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from ..errors import DigestError, WordPressError
from ..models import RenderedPost
from ..records.record import PostRecord
from ..wordpress.fingerprints import first_html_difference, same_text
from ..wordpress.posts import (
    LISTING_FIELDS,
    fetch_as_reader,
    fetch_edit,
    raw_field,
    rest_fingerprint,
    try_as_autosave,
    update_post,
)
from ..wordpress.publisher import PublishOutcome, expected_status, format_gmt
from ..wordpress.users import UserClient

PUBLIC = ("publish", "future")


class Staging:
    """A publish held back as a draft until it is verified (see the module docstring)."""

    def __init__(self, client: UserClient, rendered: RenderedPost) -> None:
        self.client = client
        self.rendered = rendered
        self.draft = replace(rendered, status="draft")

    @classmethod
    def for_publish(
        cls, client: UserClient, rendered: RenderedPost, record: PostRecord, *, will_write: bool
    ) -> Staging | None:
        """The staging this publish needs, or None (nothing to write, not public, or a user whose HTML is
        stored as sent). A public post is tried as an autosave here, and refused before any write when
        WordPress would change it."""
        if not will_write or rendered.status not in PUBLIC:
            return None
        if not client.can("publish_posts") or client.can("unfiltered_html"):
            return None  # the transport refuses the first; the second stores what is sent
        if record.wordpress_id is None or record.status not in PUBLIC:
            return cls(client, rendered)
        stored = try_as_autosave(
            client,
            record.wordpress_id,
            {"title": rendered.title, "content": rendered.content, "excerpt": rendered.excerpt},
        )
        problems = kses_changes(rendered, stored)
        if problems:
            raise kses_error(
                rendered.slug, record.wordpress_id, client.who(), problems,
                "nothing was sent: the published version stays as it was",
            )  # fmt: skip
        return None

    def explain(self, exc: DigestError, post_id: int | None) -> DigestError:
        """A failed verification of the draft, with the real cause when kses changed what was sent."""
        if post_id is None or not isinstance(exc, WordPressError) or exc.status is not None:
            return exc
        try:
            problems = kses_changes(self.rendered, fetch_edit(self.client, post_id))
        except DigestError:
            return exc  # the site stopped answering: its own error says so
        if not problems:
            return exc
        return kses_error(
            self.rendered.slug, post_id, self.client.who(), problems,
            "it stays an unpublished draft until post.md is fixed",
        )  # fmt: skip

    def go_public(self, outcome: PublishOutcome) -> None:
        """Give the verified draft the status asked for; ``outcome`` then describes the public post."""
        post_id = outcome.post_id or 0
        body: dict[str, Any] = {"status": self.rendered.status}
        if self.rendered.date_gmt:
            body["date_gmt"] = format_gmt(self.rendered.date_gmt)
        written = update_post(
            self.client, post_id, body, f"publish post {post_id} (verified as a draft)", LISTING_FIELDS
        )
        wanted, note = expected_status(self.rendered.status, self.rendered.date_gmt)
        if note and note not in outcome.notes:
            outcome.notes.append(note)
        got = written.data.get("status")
        if got != wanted:
            raise WordPressError(
                f"post {self.rendered.slug!r} (WordPress id {post_id}) was verified as a draft, but giving it "
                f"status {wanted!r} answered status {got!r}",
                "Publish it in wp-admin (Posts > Edit), or check the user's role (publish_posts)",
                url=written.url,
            )
        reader = fetch_as_reader(self.client, post_id, str(got))
        outcome.status = str(got)
        outcome.link = reader.data.get("link") or written.data.get("link")
        outcome.modified_gmt = written.data.get("modified_gmt")
        outcome.remote_fingerprint = rest_fingerprint(written.data)
        outcome.post_object = reader.data
        outcome.notes.append(
            f"written as a draft and verified before it went {got} (the user {self.client.who()} lacks "
            "unfiltered_html, so WordPress filters its HTML)"
        )


def kses_changes(sent: RenderedPost, stored: Mapping[str, Any]) -> list[str]:
    """What WordPress stored differently from what was sent, field by field."""
    problems: list[str] = []
    title = str(raw_field(stored, "title") or "")
    if not same_text(sent.title, title):
        problems.append(f"title {sent.title!r} was stored as {title!r}")
    for key, value in (("content", sent.content), ("excerpt", sent.excerpt)):
        kept = str(raw_field(stored, key) or "")
        difference = first_html_difference(value, kept)
        if difference:
            problems.append(f"{key}: {_first_change(value, kept) or difference}")
    return problems


def _first_change(sent: str, kept: str, context: int = 24) -> str | None:
    """The first place where the stored HTML reads differently, as the raw text around it (a change of
    entity spelling alone, ``&`` for ``&amp;``, reads the same and is skipped)."""
    matcher = difflib.SequenceMatcher(None, sent, kept, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        before = sent[max(0, i1 - context) : i2 + context]
        after = kept[max(0, j1 - context) : j2 + context]
        if html.unescape(before) != html.unescape(after):
            return f"sent {before!r}, WordPress stored {after!r}"
    return None


def kses_error(slug: str, post_id: int, who: str, problems: list[str], outcome: str) -> WordPressError:
    return WordPressError(
        f"post {slug!r} (WordPress id {post_id}) was NOT published as sent: WordPress's HTML filter (kses, "
        f"applied to users without the unfiltered_html capability; the user is {who}) changed it: "
        f"{'; '.join(problems)}; {outcome}",
        "Change that text in post.md (kses rewrites entities such as &amp;#x61; into the character, and "
        "drops script, style, iframe and on* attributes), or publish as a user with unfiltered_html (an "
        "editor or administrator); then publish again",
        status=422,
        code="kses_changed",
    )
