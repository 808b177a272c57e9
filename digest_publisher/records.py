"""The posts folder: post sources (``post.md`` + ``papers.json``) and local publish records.

This is the only module that reads or writes ``posts/``. Layout of one post::

    posts/<slug>/post.md          YAML front matter + Markdown body (what an editor edits)
    posts/<slug>/papers.json      metadata of every paper the post may cite (rendering needs no corpus)
    posts/<slug>/draft-report.json  written by the drafting stage
    posts/<slug>/record.json      written by publishing: last server response, ids, hashes, history

Every write is atomic (temporary file in the same folder + ``os.replace``).
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from .errors import LockError, PostSourceError
from .models import Paper, PostKind

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
POST_FILE = "post.md"
PAPERS_FILE = "papers.json"


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: Path, data: Any) -> None:
    atomic_write_text(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def resolve_posts_dir(option: str | Path | None, environ: Mapping[str, str] | None = None) -> Path:
    """``--posts-dir`` wins, then ``DIGEST_POSTS_DIR``, then ``./posts``."""
    env = os.environ if environ is None else environ
    if option:
        return Path(option)
    if env.get("DIGEST_POSTS_DIR"):
        return Path(env["DIGEST_POSTS_DIR"])
    return Path("posts")


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


@dataclass(frozen=True)
class PostRecord:
    """What publishing remembers about one post (``posts/<slug>/record.json``). Never holds secrets.

    ``content_hash`` is set only once a publish was written AND verified, so a run that failed half-way
    sends the post again next time; ``wordpress_id`` is set as soon as WordPress created the post, so that
    rerun updates it instead of creating a duplicate.
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
            "history": list(self.history),
            "last_response": self.last_response,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str) -> PostRecord:
        try:
            wp_id = data.get("wordpress_id")
            media = data.get("media") or {}
            history = data.get("history") or []
            last = data.get("last_response")
            if wp_id is not None and not isinstance(wp_id, int):
                raise TypeError("wordpress_id must be an integer")
            if not isinstance(media, dict) or not all(isinstance(v, int) for v in media.values()):
                raise TypeError("media must map sha256 to attachment ids")
            if not isinstance(history, list) or (last is not None and not isinstance(last, dict)):
                raise TypeError("history must be a list and last_response an object")
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
    atomic_write_json(folder / RECORD_FILE, record.to_dict())


def list_post_folders(posts_dir: Path) -> list[Path]:
    """Every folder under ``posts_dir`` that holds a post.md, sorted by name."""
    if not posts_dir.is_dir():
        return []
    return sorted(p for p in posts_dir.iterdir() if (p / POST_FILE).is_file())


@contextmanager
def post_lock(folder: Path) -> Iterator[None]:
    """Hold ``<folder>/.lock`` exclusively; a second run on the same post gets :class:`LockError` at once.

    ``flock`` locks die with the process, so a crashed run never leaves the post locked.
    """
    path = folder / LOCK_FILE
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockError(
                f"another digest-publisher run is working on {folder} (it holds {path})",
                "Wait for that run to finish and try again; the lock goes away when it exits",
            ) from None
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
