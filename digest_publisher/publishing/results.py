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
from ..records.record import NO_SITE, PostRecord, load_record
from ..wordpress.connection_settings import WordPressSettings
from ..wordpress.publisher import KnownState

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


def refuse_other_site(folder: Path, record: PostRecord | None, settings: WordPressSettings) -> None:
    """Raise THE same-site refusal (:func:`other_site_error`) when ``record`` is not WORDPRESS_URL's."""
    elsewhere = record.other_site(settings.site_url) if record is not None else None
    if elsewhere:
        raise other_site_error(folder, elsewhere, settings.site_url)


def records_of_other_sites(posts_dir: Path, settings: WordPressSettings) -> list[WordPressError]:
    """The refusal for each record in ``posts_dir`` that is not WORDPRESS_URL's (what ``check`` reports)."""
    errors: list[WordPressError] = []
    for folder in list_post_folders(posts_dir) if posts_dir.is_dir() else []:
        try:
            record = load_record(folder)
        except PostSourceError:
            continue  # a broken record is the verbs' to report
        elsewhere = record.other_site(settings.site_url) if record is not None else None
        if elsewhere:
            errors.append(other_site_error(folder, elsewhere, settings.site_url))
    return errors


def published_record(folder: Path, settings: WordPressSettings, explicit: bool) -> PostRecord | PostResult:
    """The record of a post republish may update, or the reason it will not."""
    slug = folder.name
    try:
        record = load_record(folder)
    except PostSourceError as exc:
        return PostResult(slug, "failed", str(exc))
    if record is None or record.wordpress_id is None:
        message = f"never published: run `digest-publisher publish {slug}` first"
        return PostResult(slug, "failed" if explicit else "skipped", message)
    elsewhere = record.other_site(settings.site_url)
    if elsewhere:
        return PostResult(slug, "other-site", str(other_site_error(folder, elsewhere, settings.site_url)))
    return record


def other_site_error(folder: Path, elsewhere: str, site_url: str) -> WordPressError:
    """THE refusal of every verb for a record of another site (or of no recorded site): why it is not applied
    to WORDPRESS_URL, and the ways forward."""
    if elsewhere == NO_SITE:
        return WordPressError(
            f"{folder / 'record.json'} names no site_url (an old or hand-edited record), so its post may be "
            f"another site's: nothing was sent to WORDPRESS_URL {site_url}",
            f"If its post is on {site_url}, bind it once with `digest-publisher republish --all --rebind-site "
            f"{site_url}` (it first checks that the post there holds what this record published); otherwise "
            "set WORDPRESS_URL to the site it was published to, or keep a separate --posts-dir per site",
            code="other_site",
        )
    return WordPressError(
        f"{folder / 'record.json'} belongs to {elsewhere}, not to WORDPRESS_URL {site_url}: nothing was sent",
        f"If the site moved there (http to https, a new domain), bind its records to it once with "
        f"`digest-publisher republish --all --rebind-site {elsewhere}`; otherwise set WORDPRESS_URL to "
        f"{elsewhere}, or keep a separate --posts-dir per site",
        code="other_site",
    )


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
