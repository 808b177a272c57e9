"""What ``republish`` and ``restore`` report per post, their exit codes for cron, and the facts about a
record that every verb after publish reads the same way."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import PostSourceError, WordPressError
from ..records import list_post_folders
from ..records.record import PostRecord, load_record
from ..wordpress.publisher import KnownState
from ..wordpress.site import Site

EXIT_OK = 0
EXIT_FAILED = 1  # a post failed or was refused
EXIT_TEMPFAIL = 75  # EX_TEMPFAIL (sysexits.h): a lock is busy, try again later
# "other-site": the record belongs to another site than WORDPRESS_URL; cron must hear of it (exit 1)
FAILED_ACTIONS = frozenset({"refused", "failed", "other-site"})


@dataclass
class PostResult:
    """What republish did with one post. ``action``: unchanged, updated, published (a missed schedule),
    restored, refused, failed, other-site (its record belongs to another site), busy, skipped, or
    would-* in a dry run."""

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
        return self.action not in FAILED_ACTIONS and self.action != "busy"

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
        if any(p.action in FAILED_ACTIONS for p in self.posts):
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


def records_of_other_sites(posts_dir: Path, site: Site) -> list[WordPressError]:
    """The refusal for each record in ``posts_dir`` that is not WORDPRESS_URL's (what ``check`` reports)."""
    errors: list[WordPressError] = []
    for folder in list_post_folders(posts_dir) if posts_dir.is_dir() else []:
        try:
            site.check_record(folder, load_record(folder))
        except PostSourceError:
            continue  # a broken record is the verbs' to report
        except WordPressError as exc:
            errors.append(exc)
    return errors


def published_record(folder: Path, site: Site, explicit: bool) -> PostRecord | PostResult:
    """The record of a post republish may update, or the reason it will not."""
    slug = folder.name
    try:
        record = load_record(folder)
    except PostSourceError as exc:
        return PostResult(slug, "failed", str(exc))
    if record is None or record.wordpress_id is None:
        message = f"never published: run `digest-publisher publish {slug}` first"
        return PostResult(slug, "failed" if explicit else "skipped", message)
    try:
        site.check_record(folder, record)
    except WordPressError as exc:
        return PostResult(slug, "other-site", str(exc))
    return record


def known_state(record: PostRecord) -> KnownState:
    return KnownState(
        wordpress_id=record.wordpress_id,
        modified_gmt=record.modified_gmt,
        status=record.status,
        remote_fingerprint=record.remote_fingerprint,
        media=dict(record.media),
        pending=frozenset(record.pending),
    )


def now_stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
