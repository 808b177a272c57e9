"""What both transports (REST, XML-RPC) share: the outcome type, the ownership rule, comparisons."""

from __future__ import annotations

import hashlib
import html
import json
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any, Protocol

from ..errors import WordPressError
from ..models import RenderedPost

# WordPress turns a future date less than this far ahead into an immediate publish.
FUTURE_MIN_SECONDS = 60


def holds_our_post(stored_content: str, post: RenderedPost) -> bool:
    """Ownership without a marker: is a post found by its slug this post as a run of ours sent it?

    Nothing of ours is written into the content (an HTML comment outside the blocks opens as a Classic
    block in the editor, and post meta needs a plugin to register it). What identifies our post is
    the local record (its WordPress id); when the record is lost (or a run died between the create and
    saving the id), a post that holds this slug AND exactly this content is the one we wrote: updating it
    changes nothing a person wrote (a title changed locally since is still ours to send). Any other
    holder of the slug is refused.
    """
    return first_html_difference(post.content, stored_content) is None


def wp_slug(name: str) -> str:
    """What WordPress's ``sanitize_title`` makes of a term name, for ASCII-ish names (a lookup key only:
    names it gets wrong are looked up by search instead)."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"<[^>]*>", "", text).lower()
    text = re.sub(r"&[^;\s]+;", "", text).replace("&", "").replace(".", "-")
    text = re.sub(r"[^a-z0-9 _-]", "", text)
    text = re.sub(r"\s+", "-", text)
    return re.sub(r"-+", "-", text).strip("-")


def parse_gmt(value: str) -> datetime:
    """``2026-05-26T05:48:41`` (WordPress, no zone), ``...Z`` or ``...+00:00`` -> aware UTC datetime."""
    text = value.strip().replace("Z", "+00:00")
    when = datetime.fromisoformat(text)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def format_gmt(value: str) -> str:
    """The form WordPress expects in ``date_gmt``: ``YYYY-MM-DDTHH:MM:SS`` in UTC."""
    return parse_gmt(value).strftime("%Y-%m-%dT%H:%M:%S")


def expected_status(status: str, date_gmt: str | None, now: datetime | None = None) -> tuple[str, str | None]:
    """The status WordPress will give the post, and a note when that differs from the one asked for."""
    if status not in ("publish", "future") or not date_gmt:
        return status, None
    ahead = (parse_gmt(date_gmt) - (now or datetime.now(UTC))).total_seconds()
    if status == "future" and ahead < FUTURE_MIN_SECONDS:
        return "publish", (
            f"the date {format_gmt(date_gmt)} UTC is less than {FUTURE_MIN_SECONDS} s ahead, so WordPress "
            "publishes the post now instead of scheduling it"
        )
    if status == "publish" and ahead >= FUTURE_MIN_SECONDS:
        return (
            "future",
            f"the date {format_gmt(date_gmt)} UTC is in the future, so WordPress schedules the post",
        )
    return status, None


class _Fingerprint(HTMLParser):
    """HTML as a token list that ignores what WordPress's filters change without changing meaning:
    entity spelling (``&`` vs ``&amp;`` vs ``&#038;``), attribute order and quoting, ``<br>`` vs
    ``<br />``, and whitespace between tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tokens: list[tuple[str, ...]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        shown = " ".join(f"{k}={(v or '').strip()}" for k, v in sorted(attrs))
        self.tokens.append(("<", tag, shown))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        self.tokens.append(("</", tag))

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if text:
            if self.tokens and self.tokens[-1][0] == "text":
                text = self.tokens.pop()[1] + " " + text
            self.tokens.append(("text", text))

    def handle_comment(self, data: str) -> None:
        self.tokens.append(("<!--", " ".join(data.split())))


def html_tokens(markup: str) -> list[tuple[str, ...]]:
    parser = _Fingerprint()
    parser.feed(markup)
    parser.close()
    return parser.tokens


def first_html_difference(sent: str, got: str) -> str | None:
    """None when both mean the same HTML; else a short description of the first difference."""
    a, b = html_tokens(sent), html_tokens(got)
    if a == b:
        return None
    for index, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return f"at token {index}: sent {_show(x)}, WordPress kept {_show(y)}"
    if len(a) > len(b):
        return f"WordPress dropped the end, from {_show(a[len(b)])} ({len(a) - len(b)} tokens)"
    return f"WordPress added {_show(b[len(a)])} at the end"


def _show(token: tuple[str, ...]) -> str:
    kind = token[0]
    if kind == "<":
        return f"<{token[1]}{' ' + token[2] if token[2] else ''}>"
    if kind == "</":
        return f"</{token[1]}>"
    if kind == "<!--":
        return f"<!-- {token[1]} -->"
    text = token[1]
    return repr(text if len(text) <= 60 else text[:57] + "...")


def same_text(sent: str, got: str) -> bool:
    """Titles: WordPress stores ``&`` as ``&amp;`` for some roles; compare what a reader reads."""
    return " ".join(html.unescape(sent).split()) == " ".join(html.unescape(got).split())


def verification_error(what: str, where: str, problems: list[str], url: str | None = None) -> WordPressError:
    return WordPressError(
        f"{what}: WordPress answered with success but did not keep what was sent ({where}): "
        + "; ".join(problems),
        "Nothing was retried. Fix the cause named above (a missing term, image, or a capability the user "
        "lacks, e.g. unfiltered_html for script/iframe/style) and publish again: the post is updated in "
        "place",
        url=url,
    )


@dataclass(frozen=True)
class KnownState:
    """What the local record knows about this post on this site."""

    wordpress_id: int | None = None
    modified_gmt: str | None = None
    status: str | None = None
    content_hash: str | None = None
    remote_fingerprint: str | None = None
    media: Mapping[str, int] = field(default_factory=dict)
    # Write intents an earlier run saved and never settled (see records.PostRecord.pending).
    pending: frozenset[str] = frozenset()
    # Attachment ids of images other posts of this site uploaded (a hint, checked before use).
    site_media: Mapping[str, int] = field(default_factory=dict)
    # Term ids other posts of this site used, by taxonomy and name (a hint, checked by the verification).
    site_terms: Mapping[str, Mapping[str, int]] = field(default_factory=dict)


@dataclass
class PublishOutcome:
    """What a transport did. ``action``: created, updated, unchanged, or planned (dry run)."""

    action: str
    transport: str
    post_id: int | None = None
    link: str | None = None
    status: str | None = None
    modified_gmt: str | None = None
    remote_fingerprint: str | None = None
    post_object: dict[str, Any] | None = None  # the post as a reader sees it (REST view context)
    rendered_html: str | None = None  # what the residue check reads
    rendered_where: str = ""
    media: dict[str, int] = field(default_factory=dict)
    terms: dict[str, dict[str, int]] = field(default_factory=dict)  # taxonomy -> name -> id, as sent
    notes: list[str] = field(default_factory=list)


class Journal(Protocol):
    """Where a transport announces writes whose result must survive a crash: ``intend`` BEFORE the write
    (saved atomically), ``settle`` once its result is known (``media``: sha256 -> attachment id)."""

    def intend(self, intent: str) -> None: ...

    def settle(self, intent: str, *, media: Mapping[str, int] | None = None) -> None: ...


class NoJournal:
    """For dry runs and callers without a record: remembers nothing."""

    def intend(self, intent: str) -> None:
        return None

    def settle(self, intent: str, *, media: Mapping[str, int] | None = None) -> None:
        return None


def create_intent() -> str:
    return "create"


def upload_intent(sha256: str) -> str:
    return f"upload:{sha256}"


def undo_intent(post_id: int) -> str:
    return f"undo:{post_id}"


def update_intent(fields_fingerprint: str) -> str:
    """Announces an update of an existing post that will leave it with these fields: a run that finds
    the post changed AND carrying exactly these fields knows the change was its own unrecorded write,
    not an edit made in WordPress."""
    return f"update:{fields_fingerprint}"


class PostTransport(Protocol):
    """REST and XML-RPC publishers both look like this to :mod:`digest_publisher.publishing`."""

    name: str

    @property
    def request_count(self) -> int: ...

    def publish(
        self,
        post: RenderedPost,
        known: KnownState,
        *,
        force: bool,
        on_written: Callable[[PublishOutcome], None],
    ) -> PublishOutcome: ...


def fingerprint(transport: str, fields: Mapping[str, Any]) -> str:
    """``transport:sha256`` of the fields WordPress stored; only compared within one transport."""
    text = json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str)
    return f"{transport}:{hashlib.sha256(text.encode()).hexdigest()}"


def remote_edit(known: KnownState, modified_gmt: str | None, remote_fingerprint: str) -> bool:
    """Was the post changed in WordPress since our last write? With a fingerprint of the markup's normal form
    (``rest-normal``) the fields decide: a save that changed none of them (the editor re-spelling our markup,
    Update clicked without a change) is no edit. Otherwise a newer modified date is one too."""
    prefix = remote_fingerprint.split(":", 1)[0]
    comparable = bool(known.remote_fingerprint and known.remote_fingerprint.startswith(prefix + ":"))
    if comparable and prefix in MIGRATION_TOLERANT:
        return known.remote_fingerprint != remote_fingerprint
    if known.modified_gmt and modified_gmt and parse_gmt(modified_gmt) != parse_gmt(known.modified_gmt):
        return True
    return comparable and known.remote_fingerprint != remote_fingerprint


#: Fingerprint kinds taken over a normal form of the content, so that a re-save is not an edit.
MIGRATION_TOLERANT = frozenset({"rest-normal"})


def planned_notes(post: RenderedPost) -> list[str]:
    _, note = expected_status(post.status, post.date_gmt)
    return [note] if note else []
