"""What a publisher (REST or XML-RPC) is to :mod:`digest_publisher.publishing`: the :class:`PostTransport`
protocol, what it is told (:class:`KnownState`) and what it answers (:class:`PublishOutcome`), the write
intents it announces through a :class:`Journal`, and the status WordPress will give a post (dates in UTC)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from ..models import RenderedPost

# WordPress turns a future date less than this far ahead into an immediate publish.
FUTURE_MIN_SECONDS = 60


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


def planned_notes(post: RenderedPost) -> list[str]:
    _, note = expected_status(post.status, post.date_gmt)
    return [note] if note else []
