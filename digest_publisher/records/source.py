"""The post source format: ``posts/<slug>/post.md`` (YAML front matter + Markdown) and ``papers.json``.

    posts/<slug>/post.md       what an editor edits; only ``title`` is required (see parse_post_source)
    posts/<slug>/papers.json   metadata of every paper the post may cite (rendering needs no corpus)

A loose Markdown file outside the posts folder (``notes/my-note.md``) is a post too: its slug comes from the
file's name and its records (papers.json, render.json, preview.html, record.json, ...) live in the folder of
the same name beside it (``notes/my-note/``), so two loose files in one folder never share a record.
:func:`find_post_folder` is the one place a command's SLUG|FILE.md argument is turned into a post's folder.
"""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ..errors import PostSourceError
from ..models import Paper, PostKind
from .atomic import complete_pending_writes, json_text, write_together
from .front_matter import json_front_matter, yaml_front_matter

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
POST_FILE = "post.md"
PAPERS_FILE = "papers.json"


@dataclass(frozen=True)
class PostSource:
    """The front matter of ``post.md`` plus its Markdown body."""

    title: str
    slug: str
    topic: str | None  # None: a hand-written post outside the topics (no topic category or card label)
    kind: PostKind | None
    body: str
    excerpt: str | None = None
    categories: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    status: str = "draft"
    date: str | None = None  # ISO 8601, UTC when it ends in Z
    featured_image: str | None = "generated"  # "generated", a path relative to the Markdown file's folder, or None
    featured_image_alt: str | None = None
    papers: tuple[str, ...] = ()  # ids of the papers the post covers, in order
    papers_covered: bool = True  # append the "Papers covered" list
    window_from: str | None = None
    window_to: str | None = None
    drafter: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # keys of other tools survive a round trip
    # Problems that do not stop a render (an unknown key, probably misspelt), for the CLI to show.
    warnings: tuple[str, ...] = field(default=(), compare=False)

    def front_matter(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "title": self.title,
            "slug": self.slug,
            "topic": self.topic,
            "kind": str(self.kind) if self.kind is not None else None,
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
            "drafter": self.drafter,
        }
        data.update(self.extra)
        return data

    def to_text(self) -> str:
        import yaml  # loaded by the commands that read or write front matter only

        head = yaml.safe_dump(self.front_matter(), allow_unicode=True, sort_keys=False, width=100)
        return f"---\n{head}---\n\n{self.body.strip()}\n"


# Keys the renderer reads from ``extra`` (documented in the README), and a key older versions wrote:
# the WordPress id lives in record.json (publishing never writes post.md, which is the editor's file).
EXTRA_KEYS = frozenset({"short_names", "series"})
LEGACY_KEYS = frozenset({"wordpress_id"})
_KNOWN = ({f.name for f in fields(PostSource)} - {"extra", "warnings", "body", "window_from", "window_to"}) | {
    "window"
}
KNOWN_KEYS = frozenset(_KNOWN | EXTRA_KEYS | LEGACY_KEYS)
BOM = "\ufeff"


def slug_from_path(path: Path) -> str:
    """The slug a file names: its folder for ``<slug>/post.md``, else the file's own name (``my-post.md``),
    lowercased with anything but letters and digits turned into hyphens."""
    name = path.parent.name if path.name == POST_FILE else path.stem
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _unknown_key_warnings(meta: dict[str, Any], where: str) -> tuple[str, ...]:
    warnings = []
    for key in meta:
        if str(key) in KNOWN_KEYS:
            continue
        close = difflib.get_close_matches(str(key), sorted(KNOWN_KEYS), n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(sorted(KNOWN_KEYS))}"
        warnings.append(f"{where}: unknown front matter key {key!r} is ignored; {hint}")
    return tuple(warnings)


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


#: The front matter is metadata: past this size it is not read at all (a post's holds a few kilobytes; a
#: year-long post's ``papers`` and ``short_names`` some tens).
MAX_FRONT_MATTER_CHARS = 1024 * 1024
#: WordPress stores a post's title and excerpt in MySQL TEXT columns (``post_title``, ``post_excerpt``):
#: at most 65,535 bytes, counted here with ``&``, ``<`` and ``>`` as the entities a non-admin's text gets.
#: WordPress refuses a longer title on every request; so does this reader, before anything is sent.
WORDPRESS_TEXT_BYTES = 65_535
#: Any other value of the front matter (a topic, a tag, a date, a short name).
MAX_FIELD_CHARS = 4096
#: Entries of one list (``papers``, ``tags``) or mapping (``short_names``).
MAX_FIELD_ITEMS = 20_000


_SURROGATE = re.compile("[\ud800-\udfff]")


def _check_value(value: Any, key: str, where: str, depth: int = 0) -> None:
    if isinstance(value, str) and (lone := _SURROGATE.search(value)):
        raise PostSourceError(
            f"{where}: front matter '{key}' holds a lone surrogate (U+{ord(lone.group(0)):04X}), which is not text",
            f"Remove that escape from '{key}'",
        )
    if isinstance(value, str) and len(value) > MAX_FIELD_CHARS and key not in ("title", "excerpt"):
        raise PostSourceError(
            f"{where}: front matter '{key}' has {len(value):,} characters, over the {MAX_FIELD_CHARS:,} allowed",
            f"Shorten '{key}'",
        )
    if isinstance(value, list | dict):
        if len(value) > MAX_FIELD_ITEMS or depth > 3:
            raise PostSourceError(
                f"{where}: front matter '{key}' has {len(value):,} entries or is nested {depth} deep, over the "
                f"{MAX_FIELD_ITEMS:,} entries and 3 levels allowed",
                f"Shorten '{key}'",
            )
        for item in value.values() if isinstance(value, dict) else value:
            _check_value(item, key, where, depth + 1)


def _one_line(text: str) -> str:
    """A one-line field as WordPress keeps it: control characters (which XML-RPC cannot carry) removed,
    every run of white space one space, no space at either end."""
    return " ".join("".join(" " if unicodedata.category(c) == "Cc" else c for c in text).split())


def _wordpress_text(value: str, key: str, where: str) -> str:
    entities = 4 * value.count("&") + 3 * (value.count("<") + value.count(">"))  # "&amp;", "&lt;", "&gt;"
    stored = len(value.encode("utf-8")) + entities
    if stored > WORDPRESS_TEXT_BYTES:
        raise PostSourceError(
            f"{where}: front matter '{key}' takes {stored:,} bytes, over the {WORDPRESS_TEXT_BYTES:,} WordPress "
            "stores (a MySQL TEXT column)",
            f"Shorten '{key}'",
        )
    return value


def parse_post_source(text: str, where: str) -> PostSource:
    """Parse ``post.md`` text; ``where`` names the file (in messages, and for the slug when the front
    matter has none). Only ``title`` is required: ``slug`` defaults to the folder's (or file's) name,
    ``topic`` and ``kind`` are optional. A UTF-8 byte order mark is ignored."""
    text = text.removeprefix(BOM)
    if not text.startswith("---"):
        raise PostSourceError(f"{where}: no YAML front matter", "Start the file with a '---' line")
    match = re.match(r"^---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|$)(.*)$", text, re.DOTALL)
    if not match:
        raise PostSourceError(f"{where}: front matter is not closed", "Add a '---' line after it")
    if len(match.group(1)) > MAX_FRONT_MATTER_CHARS:
        raise PostSourceError(
            f"{where}: the front matter has {len(match.group(1)):,} characters, over the "
            f"{MAX_FRONT_MATTER_CHARS:,} read",
            "Keep long text in the body, below the closing '---'",
        )
    meta = json_front_matter(match.group(1))
    if meta is None:
        meta = yaml_front_matter(match.group(1), where)
    if not isinstance(meta, dict):
        raise PostSourceError(f"{where}: front matter must be a mapping of keys", "Write 'key: value' lines")
    for key, value in meta.items():
        _check_value(value, str(key), where)
    title = _one_line(str(meta.get("title") or ""))
    if not title:
        raise PostSourceError(f"{where}: front matter lacks title (or it is blank)", "Add a line 'title: ...'")
    excerpt = _as_opt_str(meta.get("excerpt"))
    slug = str(meta.get("slug") or slug_from_path(Path(where)))
    if not SLUG_RE.match(slug):
        raise PostSourceError(
            f"{where}: slug {slug!r} is not valid", "Use lowercase letters, digits and hyphens only"
        )
    kind: PostKind | None = None
    if meta.get("kind"):
        try:
            kind = PostKind(str(meta["kind"]))
        except ValueError:
            raise PostSourceError(
                f"{where}: kind {meta['kind']!r} is unknown", "Use 'backfill' or 'brief', or leave it out"
            ) from None
    window = meta.get("window") or {}
    if not isinstance(window, dict):
        raise PostSourceError(f"{where}: 'window' must be a mapping with from/to", "Write window: {from: .., to: ..}")
    return PostSource(
        title=_wordpress_text(title, "title", where),
        slug=slug,
        topic=_as_opt_str(meta.get("topic")),
        kind=kind,
        body=match.group(2).strip("\n"),
        excerpt=_wordpress_text(excerpt, "excerpt", where) if excerpt is not None else None,
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
        drafter=_as_opt_str(meta.get("drafter")),
        extra={k: v for k, v in meta.items() if k not in _KNOWN and k not in LEGACY_KEYS},
        warnings=_unknown_key_warnings(meta, where),
    )


@dataclass(frozen=True)
class PostFolder:
    """A post's folder (where its records live): its source and the papers it may cite."""

    path: Path
    source: PostSource
    papers: dict[str, Paper]  # by arXiv id (or key when there is none)
    source_file: Path  # path/post.md, or the loose file beside path (path.md)


def source_file(folder: Path) -> Path:
    """The Markdown file of the post whose folder is ``folder``: ``folder/post.md``, else the loose file
    ``folder.md`` beside it (the folder of a loose file's records need not exist yet)."""
    post_md = folder / POST_FILE
    if post_md.is_file():
        return post_md
    loose = folder.with_name(folder.name + ".md")
    if loose.is_file():
        return loose
    raise PostSourceError(f"no post in {folder}: neither {post_md} nor {loose}", "Check the path")


def posts_dir_of(folder: Path) -> Path:
    """THE posts folder of a post's folder (where ``.sites.json`` is): the folder that holds it; for a post
    named by slug that is the posts folder it was found in."""
    return folder.parent


def find_post_folder(ref: str, posts_dir: Path) -> Path:
    """A command's SLUG|FILE.md argument -> the post's folder: a slug under ``posts_dir``, a post folder, its
    ``post.md``, or a loose ``notes/my-note.md`` (folder: ``notes/my-note``, see the module docstring)."""
    candidate = Path(ref)
    if candidate.suffix == ".md" and candidate.is_file():
        if candidate.name == POST_FILE:
            return candidate.parent
        folder = candidate.with_suffix("")
        if (folder / POST_FILE).is_file():
            raise PostSourceError(
                f"{candidate} is a loose post whose records would go to {folder}, but that is the folder "
                f"of another post ({folder / POST_FILE})",
                f"Rename {candidate.name}, or edit {folder / POST_FILE} instead",
            )
        return folder
    if candidate.is_dir() and (candidate / POST_FILE).is_file():
        return candidate
    by_slug = posts_dir / ref / POST_FILE
    if by_slug.is_file():
        return by_slug.parent
    raise PostSourceError(
        f"no post {ref!r}: neither a Markdown file nor {by_slug}",
        "Give a slug under the posts folder (--posts-dir / DIGEST_POSTS_DIR), a post folder, or a path to "
        "a .md file",
    )


def find_post(ref: str, posts_dir: Path) -> Path:
    """``ref`` as :func:`find_post_folder` takes it -> the post's Markdown file."""
    return source_file(find_post_folder(ref, posts_dir))


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
        problem = paper.oversized_field()
        if problem:
            raise PostSourceError(f"{path}: paper #{index} is refused: {problem}", "Shorten or remove it")
        papers[paper.arxiv_id or paper.key] = paper
    return papers


def load_post(ref: str, posts_dir: Path) -> PostFolder:
    """The post a command's SLUG|FILE.md argument names (see :func:`find_post_folder`)."""
    return load_folder(find_post_folder(ref, posts_dir))


def load_folder(folder: Path) -> PostFolder:
    """The post whose folder is ``folder`` (a post folder, or a loose file's records folder); a write that a
    killed run left part way is finished first (see :func:`write_post`)."""
    if folder.is_dir():
        complete_post_writes(folder)
    post_md = source_file(folder)
    try:
        text = post_md.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PostSourceError(f"{post_md}: cannot read ({exc})", "Check the file") from exc
    source = parse_post_source(text, str(post_md))
    return PostFolder(path=folder, source=source, papers=load_papers(folder / PAPERS_FILE), source_file=post_md)


def write_post(
    folder: Path, source: PostSource, papers: list[Paper], *, also: Mapping[str, Any] | None = None
) -> PostFolder:
    """Write papers.json, post.md and the JSON files ``also`` (name -> data, e.g. the draft report) as one
    unit (:func:`~.atomic.write_together`): a run killed part way leaves all the old files or, once its
    journal is complete, all the new ones when the folder is next loaded."""
    files = {PAPERS_FILE: json_text([p.to_dict() for p in papers]), POST_FILE: source.to_text()}
    files.update({name: json_text(data) for name, data in (also or {}).items()})
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_together(folder, files)
    except OSError as exc:
        raise PostSourceError(
            f"{exc.filename or folder}: cannot write the post ({exc.strerror or exc})",
            "Free disk space or fix the folder's permissions, then run again (nothing was half-written)",
        ) from exc
    return PostFolder(path=folder, source=source, papers={p.arxiv_id or p.key: p for p in papers},
                      source_file=folder / POST_FILE)


def complete_post_writes(folder: Path) -> None:
    """Finish the write of a post that a killed run left part way (see :func:`write_post`)."""
    try:
        complete_pending_writes(folder)
    except OSError as exc:
        raise PostSourceError(
            f"{exc.filename or folder}: cannot finish the interrupted write of this post ({exc.strerror or exc})",
            "Free disk space or fix the folder's permissions, then run again",
        ) from exc


def list_post_folders(posts_dir: Path) -> list[Path]:
    """Every folder under ``posts_dir`` that holds a post.md, sorted by name."""
    if not posts_dir.is_dir():
        return []
    return sorted(p for p in posts_dir.iterdir() if (p / POST_FILE).is_file())
