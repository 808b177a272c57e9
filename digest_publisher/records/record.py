"""The local publish record of a post (``posts/<slug>/record.json``), the WordPress versions saved before
``--force`` overwrote them (``remote-<time>.json``), and what all posts of one site share
(``posts/.sites.json``: the REST root, term ids and uploaded images, a cache).

The record is how this project knows a WordPress post is its own: the post's id (written the moment
WordPress created it), its slug and the hash of what was sent. Nothing is written into the post itself.
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import LockError, PostSourceError
from .atomic import atomic_write_json
from .locks import flock

RECORD_FILE = "record.json"
RECORD_VERSION = 1
SITES_FILE = ".sites.json"  # in the posts folder: per-site facts shared by all posts (REST root, media ids)
SITES_LOCK = ".sites.lock"
REMOTE_COPY_PREFIX = "remote-"
# TEST-ONLY: the crash tests set this to a step name ("after-media", "after-create", "after-update",
# "during-record-write"; the series' index page: "after-page-create", "after-page-update"), optionally with "#n"
# for its n-th time, to SIGKILL the process there.
_kill_counts: dict[str, int] = {}


def kill_point(step: str) -> None:
    """TEST-ONLY crash hook: does nothing unless ``DIGEST_TEST_KILL_AT`` names ``step``."""
    from ..config import kill_step

    wanted = kill_step()
    if not wanted:
        return
    name, _, nth = wanted.partition("#")
    if name != step:
        return
    _kill_counts[step] = _kill_counts.get(step, 0) + 1
    if _kill_counts[step] == int(nth or "1"):
        os.kill(os.getpid(), signal.SIGKILL)


#: What :meth:`PostRecord.other_site` answers for a record that holds a post but names no site.
NO_SITE = "no site_url"


@dataclass(frozen=True)
class PostRecord:
    """What publishing remembers about one post (``posts/<slug>/record.json``). Never holds secrets.

    ``content_hash`` is set only once a publish was written AND verified, so a run that failed half-way
    sends the post again next time; ``wordpress_id`` is set as soon as WordPress created the post, so that
    rerun updates it instead of creating a duplicate.

    ``pending`` holds write intents, saved BEFORE the write they announce and removed once its result is
    recorded: ``create`` (a post create), ``upload:<sha256>`` (a featured image upload), ``undo:<id>``
    (deleting a post WordPress created under a suffixed slug). A run that finds one knows an earlier run
    may have written without recording it, and searches the site before writing again; without one it
    may skip those searches.
    """

    slug: str
    site_url: str | None = None
    rest_root: str | None = None
    transport: str | None = None
    wordpress_id: int | None = None
    link: str | None = None
    status: str | None = None
    modified_gmt: str | None = None
    content_hash: str | None = None  # of what was sent, status and date aside (see sent_status)
    sent_status: str | None = None  # the status and date asked for by the last verified publish
    sent_date_gmt: str | None = None
    # Hash of the post's fields as WordPress stored them after our last write: tells edits made in
    # WordPress apart even within the same second (modified_gmt has one-second resolution).
    remote_fingerprint: str | None = None
    media: dict[str, int] = field(default_factory=dict)  # image sha256 -> attachment id
    last_response: dict[str, Any] | None = None  # the WordPress post object as a reader sees it
    history: tuple[str, ...] = ()
    pending: tuple[str, ...] = ()

    def other_site(self, site_url: str) -> str | None:
        """THE same-site rule: the site this record belongs to when that is not ``site_url`` (None when it
        is, or when the post was never published). A record is never applied to another site; one that names
        no site (old or hand-edited) but holds a post is another site's (:data:`NO_SITE`) until rebound."""
        if self.site_url is None:
            return NO_SITE if self.wordpress_id is not None or self.pending else None
        return self.site_url if self.site_url != site_url else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": RECORD_VERSION,
            "slug": self.slug,
            "site_url": self.site_url,
            "rest_root": self.rest_root,
            "transport": self.transport,
            "wordpress_id": self.wordpress_id,
            "link": self.link,
            "status": self.status,
            "modified_gmt": self.modified_gmt,
            "content_hash": self.content_hash,
            "sent_status": self.sent_status,
            "sent_date_gmt": self.sent_date_gmt,
            "remote_fingerprint": self.remote_fingerprint,
            "media": dict(self.media),
            "pending": list(self.pending),
            "history": list(self.history),
            "last_response": self.last_response,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str) -> PostRecord:
        try:
            wp_id = data.get("wordpress_id")
            media = data.get("media") or {}
            history = data.get("history") or []
            pending = data.get("pending") or []
            last = data.get("last_response")
            if wp_id is not None and not isinstance(wp_id, int):
                raise TypeError("wordpress_id must be an integer")
            if not isinstance(media, dict) or not all(isinstance(v, int) for v in media.values()):
                raise TypeError("media must map sha256 to attachment ids")
            if not isinstance(history, list) or (last is not None and not isinstance(last, dict)):
                raise TypeError("history must be a list and last_response an object")
            if not isinstance(pending, list):
                raise TypeError("pending must be a list of intents")
            return cls(
                slug=str(data["slug"]),
                site_url=data.get("site_url"),
                rest_root=data.get("rest_root"),
                transport=data.get("transport"),
                wordpress_id=wp_id,
                link=data.get("link"),
                status=data.get("status"),
                modified_gmt=data.get("modified_gmt"),
                content_hash=data.get("content_hash"),
                sent_status=data.get("sent_status"),
                sent_date_gmt=data.get("sent_date_gmt"),
                remote_fingerprint=data.get("remote_fingerprint"),
                media={str(k): int(v) for k, v in media.items()},
                last_response=last,
                history=tuple(str(line) for line in history),
                pending=tuple(str(item) for item in pending),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise PostSourceError(
                f"{where}: publish record is malformed ({exc})",
                "Restore it from version control, or delete it to publish the post as new "
                "(publish finds an existing post of this project by its slug)",
            ) from exc


def load_record(folder: Path) -> PostRecord | None:
    """The post's publish record, or None when it was never published from here."""
    path = folder / RECORD_FILE
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PostSourceError(
            f"{path}: cannot read the publish record ({exc})",
            "Restore it from version control, or delete it to publish the post as new",
        ) from exc
    if not isinstance(data, dict):
        raise PostSourceError(f"{path}: the publish record must be a JSON object", "Restore or delete it")
    return PostRecord.from_dict(data, str(path))


def save_record(folder: Path, record: PostRecord) -> None:
    atomic_write_json(
        folder / RECORD_FILE, record.to_dict(), before_replace=lambda: kill_point("during-record-write")
    )


def remove_record(folder: Path) -> None:
    """Forget a record (a run that wrote only intents and then undid everything it wrote)."""
    (folder / RECORD_FILE).unlink(missing_ok=True)


def save_remote_copy(folder: Path, post_object: dict[str, Any], when: datetime | None = None) -> Path:
    """Keep the WordPress version of a post (edit context) before it is overwritten: ``remote-<time>.json``
    beside the record. Never overwrites an earlier copy."""
    stamp = (when or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    path = folder / f"{REMOTE_COPY_PREFIX}{stamp}.json"
    number = 1
    while path.exists():
        number += 1
        path = folder / f"{REMOTE_COPY_PREFIX}{stamp}-{number}.json"
    atomic_write_json(path, post_object)
    return path


# -- what all posts of one site share: the REST root and the featured images uploaded -----------------


@dataclass(frozen=True)
class SiteFacts:
    """Remembered per site in ``<posts_dir>/.sites.json`` so a post's FIRST publish needs no discovery
    request, no term lookup for terms an earlier post used, and a second post with the same image finds
    it without a search. Only hints: each is checked by the requests that use it (a stale term id is
    caught by the post's verification, looked up again and replaced here)."""

    rest_root: str | None = None
    media: dict[str, int] = field(default_factory=dict)
    terms: dict[str, dict[str, int]] = field(default_factory=dict)  # taxonomy -> term name -> id
    #: The site's WordPress version and when it was last read (ISO 8601, UTC): the block
    #: markup to send depends on it, and a site can be upgraded, so it is read again once it is a day old.
    wp_version: str | None = None
    wp_version_seen: str | None = None


def _read_sites(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return {}  # a cache: a broken one is rebuilt, never an error
    sites = data.get("sites") if isinstance(data, dict) else None
    return sites if isinstance(sites, dict) else {}


def load_site_facts(posts_dir: Path, site_url: str) -> SiteFacts:
    entry = _read_sites(posts_dir / SITES_FILE).get(site_url)
    if not isinstance(entry, dict):
        return SiteFacts()
    root = entry.get("rest_root")
    terms = entry.get("terms")
    version, seen = entry.get("wp_version"), entry.get("wp_version_seen")
    return SiteFacts(
        rest_root=root if isinstance(root, str) else None,
        media=_ids(entry.get("media")),
        terms={str(t): _ids(names) for t, names in terms.items()} if isinstance(terms, dict) else {},
        wp_version=version if isinstance(version, str) else None,
        wp_version_seen=seen if isinstance(seen, str) else None,
    )


def _ids(mapping: Any) -> dict[str, int]:
    return {str(k): v for k, v in mapping.items() if isinstance(v, int)} if isinstance(mapping, dict) else {}


def update_site_facts(
    posts_dir: Path,
    site_url: str,
    *,
    rest_root: str | None = None,
    media: Mapping[str, int] | None = None,
    terms: Mapping[str, Mapping[str, int]] | None = None,
    wp_version: tuple[str, str] | None = None,
) -> None:
    """Merge into ``.sites.json`` under a short lock (runs on different posts share the file).
    ``wp_version``: (the site's WordPress version, when it was read)."""
    current = load_site_facts(posts_dir, site_url)
    if (
        (rest_root is None or rest_root == current.rest_root)
        and (wp_version is None or wp_version == (current.wp_version, current.wp_version_seen))
        and all(current.media.get(k) == v for k, v in (media or {}).items())
        and all(current.terms.get(t, {}).get(n) == i for t, ids in (terms or {}).items() for n, i in ids.items())
    ):
        return  # nothing new: no write
    try:
        with flock(posts_dir / SITES_LOCK, 5.0, lambda holder: LockError(f"{SITES_LOCK} busy{holder}")):
            path = posts_dir / SITES_FILE
            sites = _read_sites(path)
            found = sites.get(site_url)
            entry: dict[str, Any] = found if isinstance(found, dict) else {}
            if rest_root is not None:
                entry["rest_root"] = rest_root
            if wp_version is not None:
                entry["wp_version"], entry["wp_version_seen"] = wp_version
            known = entry.get("media")
            entry["media"] = {**(known if isinstance(known, dict) else {}), **dict(media or {})}
            cached: dict[str, Any] = entry["terms"] if isinstance(entry.get("terms"), dict) else {}
            for taxonomy, ids in (terms or {}).items():
                cached[taxonomy] = {**_ids(cached.get(taxonomy)), **dict(ids)}
            entry["terms"] = cached
            sites[site_url] = entry
            atomic_write_json(path, {"version": 1, "sites": sites})
    except LockError:
        return  # a hint not saved costs one request next time, nothing else
