"""The posts folder: post sources (``post.md`` + ``papers.json``) and local publish records.

This is the only module that reads or writes ``posts/``. Layout of one post::

    posts/<slug>/post.md          YAML front matter + Markdown body (what an editor edits)
    posts/<slug>/papers.json      metadata of every paper the post may cite (rendering needs no corpus)
    posts/<slug>/draft-report.json  written by the drafting stage
    posts/<slug>/record.json      written by publishing: last server response, ids, hashes, history
    posts/<slug>/remote-<time>.json  a WordPress version saved before `republish --force` overwrote it
    posts/<slug>/.lock            the per-post lock (flock: released by the kernel when a run dies)
    posts/.sites.json             per site: REST root and uploaded images, shared by all posts (a cache)
    posts/.republish.lock         one `republish` run at a time

Every write is atomic (temporary file in the same folder + ``os.replace``).
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import signal
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml

from .errors import LockError, PostSourceError
from .models import Paper, PostKind

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
POST_FILE = "post.md"
PAPERS_FILE = "papers.json"


def atomic_write_bytes(path: Path, data: bytes, *, before_replace: Callable[[], None] | None = None) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never a part.

    ``before_replace`` runs once the temporary file is complete, just before it replaces ``path``
    (the crash tests kill the process there)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if before_replace is not None:
            before_replace()
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str, *, before_replace: Callable[[], None] | None = None) -> None:
    atomic_write_bytes(path, text.encode("utf-8"), before_replace=before_replace)


def atomic_write_json(path: Path, data: Any, *, before_replace: Callable[[], None] | None = None) -> None:
    atomic_write_text(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n", before_replace=before_replace)


@dataclass(frozen=True)
class PostSource:
    """The front matter of ``post.md`` plus its Markdown body."""

    title: str
    slug: str
    topic: str
    kind: PostKind
    body: str
    excerpt: str | None = None
    categories: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    status: str = "draft"
    date: str | None = None  # ISO 8601, UTC when it ends in Z
    featured_image: str | None = "generated"  # "generated", a path relative to the post folder, or None
    featured_image_alt: str | None = None
    papers: tuple[str, ...] = ()  # ids of the papers the post covers, in order
    papers_covered: bool = True  # append the "Papers covered" list
    window_from: str | None = None
    window_to: str | None = None
    wordpress_id: int | None = None
    drafter: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # unknown keys survive a round trip

    def front_matter(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "title": self.title,
            "slug": self.slug,
            "topic": self.topic,
            "kind": str(self.kind),
            "excerpt": self.excerpt,
            "categories": list(self.categories),
            "tags": list(self.tags),
            "status": self.status,
            "date": self.date,
            "featured_image": self.featured_image,
            "featured_image_alt": self.featured_image_alt,
            "papers": list(self.papers),
            "papers_covered": self.papers_covered,
            "window": {"from": self.window_from, "to": self.window_to},
            "wordpress_id": self.wordpress_id,
            "drafter": self.drafter,
        }
        data.update(self.extra)
        return data

    def to_text(self) -> str:
        head = yaml.safe_dump(self.front_matter(), allow_unicode=True, sort_keys=False, width=100)
        return f"---\n{head}---\n\n{self.body.strip()}\n"


_KNOWN = {f.name for f in fields(PostSource)} | {"window"}


def _as_str_tuple(value: Any, key: str, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return tuple(str(v) for v in value)
    raise PostSourceError(f"{where}: front matter '{key}' must be a list of strings", "Write it as [a, b]")


def _as_opt_str(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


class _FrontMatterLoader(yaml.SafeLoader):
    """SafeLoader that reads arXiv ids (``2605.21630``) as strings, not as floats that lose a zero."""


_FrontMatterLoader.yaml_implicit_resolvers = {
    key: list(value) for key, value in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _digit in "0123456789":
    _FrontMatterLoader.yaml_implicit_resolvers.setdefault(_digit, []).insert(
        0, ("tag:yaml.org,2002:str", re.compile(r"^\d{4}\.\d{4,5}(?:v\d+)?$"))
    )


def parse_post_source(text: str, where: str) -> PostSource:
    """Parse ``post.md`` text; ``where`` names the file in error messages."""
    if not text.startswith("---"):
        raise PostSourceError(f"{where}: no YAML front matter", "Start the file with a '---' line")
    match = re.match(r"^---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|$)(.*)$", text, re.DOTALL)
    if not match:
        raise PostSourceError(f"{where}: front matter is not closed", "Add a '---' line after it")
    try:
        meta = yaml.load(match.group(1), Loader=_FrontMatterLoader) or {}  # noqa: S506 (a SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 2}" if mark is not None else ""
        raise PostSourceError(f"{where}{line}: front matter is not valid YAML ({exc})", "Fix the YAML") from exc
    if not isinstance(meta, dict):
        raise PostSourceError(f"{where}: front matter must be a mapping of keys", "Write 'key: value' lines")
    missing = [k for k in ("title", "slug", "topic", "kind") if not meta.get(k)]
    if missing:
        raise PostSourceError(f"{where}: front matter lacks {', '.join(missing)}", "Add the missing keys")
    slug = str(meta["slug"])
    if not SLUG_RE.match(slug):
        raise PostSourceError(
            f"{where}: slug {slug!r} is not valid", "Use lowercase letters, digits and hyphens only"
        )
    try:
        kind = PostKind(str(meta["kind"]))
    except ValueError:
        raise PostSourceError(
            f"{where}: kind {meta['kind']!r} is unknown", "Use 'backfill' or 'brief'"
        ) from None
    window = meta.get("window") or {}
    if not isinstance(window, dict):
        raise PostSourceError(f"{where}: 'window' must be a mapping with from/to", "Write window: {from: .., to: ..}")
    wp_id = meta.get("wordpress_id")
    if wp_id is not None and not isinstance(wp_id, int):
        raise PostSourceError(f"{where}: wordpress_id must be an integer", "Remove it or fix it")
    return PostSource(
        title=str(meta["title"]),
        slug=slug,
        topic=str(meta["topic"]),
        kind=kind,
        body=match.group(2).strip("\n"),
        excerpt=_as_opt_str(meta.get("excerpt")),
        categories=_as_str_tuple(meta.get("categories"), "categories", where),
        tags=_as_str_tuple(meta.get("tags"), "tags", where),
        status=str(meta.get("status") or "draft"),
        date=_as_opt_str(meta.get("date")),
        featured_image=_as_opt_str(meta.get("featured_image", "generated")),
        featured_image_alt=_as_opt_str(meta.get("featured_image_alt")),
        papers=_as_str_tuple(meta.get("papers"), "papers", where),
        papers_covered=bool(meta.get("papers_covered", True)),
        window_from=_as_opt_str(window.get("from")),
        window_to=_as_opt_str(window.get("to")),
        wordpress_id=wp_id,
        drafter=_as_opt_str(meta.get("drafter")),
        extra={k: v for k, v in meta.items() if k not in _KNOWN},
    )


@dataclass(frozen=True)
class PostFolder:
    """A post's folder: its source and the papers it may cite."""

    path: Path
    source: PostSource
    papers: dict[str, Paper]  # by arXiv id (or key when there is none)


def find_post(ref: str, posts_dir: Path) -> Path:
    """``ref`` is a slug under ``posts_dir``, a folder, or a ``.md`` file; returns the post.md path."""
    candidate = Path(ref)
    if candidate.suffix == ".md" and candidate.is_file():
        return candidate
    if candidate.is_dir() and (candidate / POST_FILE).is_file():
        return candidate / POST_FILE
    by_slug = posts_dir / ref / POST_FILE
    if by_slug.is_file():
        return by_slug
    raise PostSourceError(
        f"no post {ref!r}: neither a Markdown file nor {by_slug}",
        "Give a slug under the posts folder (--posts-dir / DIGEST_POSTS_DIR) or a path to post.md",
    )


def load_papers(path: Path) -> dict[str, Paper]:
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PostSourceError(f"{path}: cannot read papers ({exc})", "Restore it or draft the post again") from exc
    if not isinstance(data, list):
        raise PostSourceError(f"{path}: must hold a JSON list of papers", "Restore it or draft the post again")
    papers: dict[str, Paper] = {}
    for index, item in enumerate(data, 1):
        try:
            paper = Paper.from_dict(item, source=f"{path}#{index}")
        except (KeyError, TypeError, ValueError) as exc:
            raise PostSourceError(f"{path}: paper #{index} is malformed ({exc})", "Fix or remove it") from exc
        papers[paper.arxiv_id or paper.key] = paper
    return papers


def load_post(ref: str, posts_dir: Path) -> PostFolder:
    post_md = find_post(ref, posts_dir)
    try:
        text = post_md.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PostSourceError(f"{post_md}: cannot read ({exc})", "Check the file") from exc
    source = parse_post_source(text, str(post_md))
    return PostFolder(path=post_md.parent, source=source, papers=load_papers(post_md.parent / PAPERS_FILE))


def write_post(folder: Path, source: PostSource, papers: list[Paper]) -> PostFolder:
    """Write papers.json then post.md (each atomically), so a post.md never cites missing metadata."""
    atomic_write_json(folder / PAPERS_FILE, [p.to_dict() for p in papers])
    atomic_write_text(folder / POST_FILE, source.to_text())
    return PostFolder(path=folder, source=source, papers={p.arxiv_id or p.key: p for p in papers})


def with_wordpress_id(source: PostSource, wordpress_id: int) -> PostSource:
    return replace(source, wordpress_id=wordpress_id)


# -- publish records and the per-post lock (written by the publishing stage) ----------------------------

RECORD_FILE = "record.json"
LOCK_FILE = ".lock"
RECORD_VERSION = 1
SITES_FILE = ".sites.json"  # in the posts folder: per-site facts shared by all posts (REST root, media ids)
SITES_LOCK = ".sites.lock"
RUN_LOCK = ".republish.lock"
REMOTE_COPY_PREFIX = "remote-"
# TEST-ONLY: the crash tests set this to a step name ("after-media", "after-create", "after-update",
# "during-record-write"), optionally with "#n" for its n-th time, to SIGKILL the process there.
_kill_counts: dict[str, int] = {}


def kill_point(step: str) -> None:
    """TEST-ONLY crash hook: does nothing unless ``DIGEST_TEST_KILL_AT`` names ``step``."""
    from .config import kill_step

    wanted = kill_step()
    if not wanted:
        return
    name, _, nth = wanted.partition("#")
    if name != step:
        return
    _kill_counts[step] = _kill_counts.get(step, 0) + 1
    if _kill_counts[step] == int(nth or "1"):
        os.kill(os.getpid(), signal.SIGKILL)


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


def list_post_folders(posts_dir: Path) -> list[Path]:
    """Every folder under ``posts_dir`` that holds a post.md, sorted by name."""
    if not posts_dir.is_dir():
        return []
    return sorted(p for p in posts_dir.iterdir() if (p / POST_FILE).is_file())


# -- locks ---------------------------------------------------------------------------------------------

LOCK_POLL_S = 0.1


def _open_lock_file(path: Path) -> int:
    """Open (creating) a lock file. flock locks die with their process, so a lock file left behind by a
    crashed run is just a file: it never blocks. A lock file this user may not write (left by another
    user) is still lockable read-only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except PermissionError:
        return os.open(path, os.O_RDONLY)


def _holder_of(path: Path) -> str:
    """Who holds a lock, as its holder wrote it (``pid 123 since ...``), for the message."""
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return ""
    return f" ({text})" if text else ""


@contextmanager
def _flock(path: Path, wait: float, busy: Callable[[str], LockError]) -> Iterator[None]:
    fd = _open_lock_file(path)
    try:
        deadline = time.monotonic() + max(0.0, wait)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise busy(_holder_of(path)) from None
                time.sleep(LOCK_POLL_S)
        try:
            try:  # say who holds it, for the message of a run that finds it busy
                os.ftruncate(fd, 0)
                os.pwrite(fd, f"pid {os.getpid()} since {datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ}\n".encode(), 0)
            except OSError:
                pass  # a read-only lock file: the lock itself still works
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextmanager
def post_lock(folder: Path, wait: float = 0.0) -> Iterator[None]:
    """Hold ``<folder>/.lock`` exclusively; a second run on the same post waits up to ``wait`` seconds,
    then gets :class:`LockError`.

    ``flock`` locks die with the process, so a crashed run never leaves the post locked.
    """
    path = folder / LOCK_FILE

    def busy(holder: str) -> LockError:
        waited = f" (waited {wait:g} s)" if wait > 0 else ""
        return LockError(
            f"another digest-publisher run is working on {folder} (it holds {path}{holder}){waited}",
            "Wait for that run to finish and try again; the lock goes away when it exits",
        )

    with _flock(path, wait, busy):
        yield


@contextmanager
def run_lock(posts_dir: Path, wait: float = 0.0) -> Iterator[None]:
    """One ``republish`` run at a time per posts folder (``<posts_dir>/.republish.lock``); a second run
    waits up to ``wait`` seconds, then gets :class:`LockError`. A crashed run's lock goes with it."""
    path = posts_dir / RUN_LOCK

    def busy(holder: str) -> LockError:
        waited = f"waited {wait:g} s; " if wait > 0 else ""
        return LockError(
            f"another republish run holds {path}{holder}",
            f"{waited}it finishes on its own: try again later, or pass --wait SECONDS to wait for it",
        )

    with _flock(path, wait, busy):
        yield


# -- what all posts of one site share: the REST root and the featured images uploaded -----------------


@dataclass(frozen=True)
class SiteFacts:
    """Remembered per site in ``<posts_dir>/.sites.json`` so a post's FIRST publish needs no discovery
    request and a second post with the same image finds it without a search. Only hints: both are
    checked by the requests that use them."""

    rest_root: str | None = None
    media: dict[str, int] = field(default_factory=dict)


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
    media = entry.get("media")
    root = entry.get("rest_root")
    return SiteFacts(
        rest_root=root if isinstance(root, str) else None,
        media={str(k): v for k, v in media.items() if isinstance(v, int)} if isinstance(media, dict) else {},
    )


def update_site_facts(
    posts_dir: Path, site_url: str, *, rest_root: str | None = None, media: Mapping[str, int] | None = None
) -> None:
    """Merge into ``.sites.json`` under a short lock (runs on different posts share the file)."""
    current = load_site_facts(posts_dir, site_url)
    if (rest_root is None or rest_root == current.rest_root) and all(
        current.media.get(k) == v for k, v in (media or {}).items()
    ):
        return  # nothing new: no write
    try:
        with _flock(posts_dir / SITES_LOCK, 5.0, lambda holder: LockError(f"{SITES_LOCK} busy{holder}")):
            path = posts_dir / SITES_FILE
            sites = _read_sites(path)
            found = sites.get(site_url)
            entry: dict[str, Any] = found if isinstance(found, dict) else {}
            if rest_root is not None:
                entry["rest_root"] = rest_root
            known = entry.get("media")
            entry["media"] = {**(known if isinstance(known, dict) else {}), **dict(media or {})}
            sites[site_url] = entry
            atomic_write_json(path, {"version": 1, "sites": sites})
    except LockError:
        return  # a hint not saved costs one request next time, nothing else
