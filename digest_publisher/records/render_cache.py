"""The last render of a post folder, kept beside it in ``.render-cache.json``.

``publish``, ``status`` and ``republish`` render every post they touch; for a folder nobody changed, the
render gives the same bytes again (rendering is a pure function of its inputs). The cache keeps the last
:class:`~digest_publisher.models.RenderedPost` under a fingerprint of everything the render reads:

- the post's own files: ``post.md``, ``papers.json``, ``series.json`` (its series links) and a user-supplied
  featured image;
- the render's parameters: topic label, site URL, content format, WordPress markup version;
- the code: every source file of this package (path, size, modification time) and the list of installed
  distributions (an upgrade of the package or of a library it renders with changes the fingerprint).

A fingerprint that differs, a file that is missing, unreadable or from another format version: the post is
rendered again, and the cache rewritten. ``render`` and ``preview`` always render afresh (and refresh the
cache), so what they show is what the next ``publish`` sends. A post dated in the future is not kept
(it is scheduled now and published once its date has passed). The one input left out is the system's
fonts: a new font package changes the card on the next ``render``, not silently under a ``publish``.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import sys
from collections.abc import Callable, Mapping
from dataclasses import fields
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, Literal

from ..errors import PostSourceError
from ..models import FeaturedImage, RenderedPost
from .atomic import atomic_write_json
from .images import featured_image_file, read_post_image
from .series_links import SERIES_LINKS_FILE
from .source import PAPERS_FILE, PostFolder

CACHE_FILE = ".render-cache.json"
FORMAT = 1
PACKAGE_DIR = Path(__file__).resolve().parents[1]


@cache
def code_fingerprint() -> str:
    """This package's sources and the installed distributions (names with versions), hashed. A source file
    counts by its path, size and modification time (in nanoseconds), as Python's own bytecode cache tells
    a changed module: reading and hashing every source in every command cost more than the rest of an
    unchanged publish's local work."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        stat = path.stat()
        digest.update(f"{path.relative_to(PACKAGE_DIR)} {stat.st_size} {stat.st_mtime_ns}\n".encode())
    for entry in sys.path:
        folder = Path(entry or ".")
        if folder.is_dir():
            for name in sorted(p.name for p in folder.glob("*.dist-info")):
                digest.update(name.encode())
    return digest.hexdigest()


def inputs_fingerprint(files: list[Path], params: Mapping[str, str | None]) -> str:
    """The fingerprint of one render: ``files`` (absent ones count as absent), ``params``, the code."""
    digest = hashlib.sha256(f"format {FORMAT}\n{code_fingerprint()}\n".encode())
    digest.update(json.dumps(dict(sorted(params.items()))).encode())
    for path in files:
        try:
            data = path.read_bytes()
        except OSError:
            digest.update(f"\n{path.name}: absent\n".encode())
            continue
        digest.update(f"\n{path.name}: {len(data)}\n".encode())
        digest.update(data)
    return digest.hexdigest()


def cached_render(
    post: PostFolder,
    params: Mapping[str, str | None],
    render: Callable[[], RenderedPost],
    mode: Literal["off", "read", "use", "refresh"],
) -> RenderedPost:
    """``render()``, or its cached result ("read", "use": when nothing it reads changed); "use" and "refresh"
    keep a fresh result for the next command ("read": dry runs write nothing); "off": no cache at all."""
    if mode == "off":
        return render()
    files = [post.source_file, post.path / PAPERS_FILE, post.path / SERIES_LINKS_FILE]
    fingerprint = inputs_fingerprint(files, {**params, "featured_image": _image_fingerprint(post)})
    cached = load_rendered(post.path, fingerprint) if mode in ("read", "use") else None
    if cached is not None:
        return cached
    rendered = render()
    if mode == "read":
        return rendered
    if rendered.date_gmt is None or datetime.fromisoformat(rendered.date_gmt).replace(tzinfo=UTC) <= datetime.now(UTC):
        store_rendered(post.path, fingerprint, rendered)  # else: "future" turns into "publish" as time passes
    return rendered


def _image_fingerprint(post: PostFolder) -> str | None:
    """A user-supplied featured image's hash, read as the render reads it (inside the folder, a regular
    file, capped): a FIFO or ``/dev/zero`` named by the front matter never hangs or fills the fingerprint."""
    name = featured_image_file(post.source)
    if name is None:
        return None
    try:
        return hashlib.sha256(read_post_image(post.source_file.parent, name)[1]).hexdigest()
    except PostSourceError as exc:
        return f"refused: {exc.message}"  # the render refuses it too, with this message


def load_rendered(folder: Path, fingerprint: str) -> RenderedPost | None:
    """The cached render when its fingerprint is ``fingerprint``; None otherwise (render again)."""
    try:
        data = json.loads((folder / CACHE_FILE).read_text(encoding="utf-8"))
        if data.get("format") != FORMAT or data.get("inputs") != fingerprint:
            return None
        return _rendered_from(data["post"])
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError):
        return None  # absent, torn by hand or from another version: a cache, so render again


def store_rendered(folder: Path, fingerprint: str, rendered: RenderedPost) -> None:
    """Keep ``rendered`` as the render of ``fingerprint`` (a failed write only costs the next render)."""
    with contextlib.suppress(OSError):
        atomic_write_json(folder / CACHE_FILE, {"format": FORMAT, "inputs": fingerprint, "post": _as_data(rendered)})


def _as_data(post: RenderedPost) -> dict[str, Any]:
    data = {f.name: getattr(post, f.name) for f in fields(RenderedPost)}
    image = post.featured_image
    if image is not None:
        data["featured_image"] = {**image.metadata(), "data": base64.b64encode(image.data).decode()}
    return data


def _rendered_from(data: Mapping[str, Any]) -> RenderedPost | None:
    image = data["featured_image"]
    featured = None
    if image is not None:
        described = {k: str(v) for k, v in image.items() if k not in ("data", "sha256")}
        featured = FeaturedImage(data=base64.b64decode(image["data"], validate=True), **described)
        if featured.sha256 != image["sha256"]:
            return None
    values = {f.name: data[f.name] for f in fields(RenderedPost)}
    for name, value in values.items():
        if isinstance(value, list):  # JSON gave back a list where the post holds a tuple
            values[name] = tuple(value)
    return RenderedPost(**{**values, "featured_image": featured})
