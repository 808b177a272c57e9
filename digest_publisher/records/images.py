"""A post's featured image file: read only from inside the post's folder, a regular file, capped in size."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ..errors import PostSourceError
from .source import POST_FILE, PostSource

#: The largest featured image read (and uploaded): bigger files are refused before their bytes are loaded.
MAX_IMAGE_BYTES = 15 * 1024 * 1024
_IMAGE_KEYWORDS = frozenset({"generated", "none", "false", "no"})
IMAGE_SCALE_HINT = (
    "Scale it down (2560 px on the long side is what WordPress keeps) or set 'featured_image: generated'"
)
_IMAGE_HINT = "Put the image in the post's folder and name it relative to it (featured_image: figure.png)"


def featured_image_file(source: PostSource) -> str | None:
    """The file ``featured_image`` names, or None for a keyword ("generated", "none") or no value."""
    choice = source.featured_image
    if choice is None or choice.strip().lower() in _IMAGE_KEYWORDS:
        return None
    return choice


def read_post_image(folder: Path, name: str, max_bytes: int = MAX_IMAGE_BYTES) -> tuple[Path, bytes]:
    """The path and bytes of the image file ``name`` of the post in ``folder``.

    Only a regular file inside the post's folder is read: an absolute path, a ``..`` or a symlink that
    leaves the folder, a FIFO or a device is refused, and so is a file over ``max_bytes`` (from its size,
    before a byte is loaded). Messages name the path, never the file's content."""
    where = folder / POST_FILE
    relative = Path(name)
    if relative.is_absolute() or ".." in relative.parts or name.startswith("~"):
        raise PostSourceError(f"{where}: featured_image {name!r} is outside the post folder", _IMAGE_HINT)
    base = folder.resolve()
    path = (base / relative).resolve()
    if not path.is_relative_to(base):
        raise PostSourceError(
            f"{where}: featured_image {name!r} is a link to {path}, outside the post folder", _IMAGE_HINT
        )
    try:
        # O_NONBLOCK: opening a FIFO never waits for a writer; the file type is checked on the open file.
        handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(handle, "rb") as file:
            info = os.fstat(file.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise PostSourceError(f"{path}: the featured image is not a regular file", _IMAGE_HINT)
            if info.st_size > max_bytes:
                raise PostSourceError(
                    f"{path}: the featured image has {info.st_size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} "
                    "MB this tool uploads",
                    IMAGE_SCALE_HINT,
                )
            data = file.read(max_bytes + 1)
    except OSError as exc:
        raise PostSourceError(
            f"{path}: cannot read the featured image ({exc.strerror or type(exc).__name__})",
            "Fix 'featured_image' in the front matter (a path relative to the post folder) or remove it",
        ) from exc
    if len(data) > max_bytes:  # grew while being read
        raise PostSourceError(f"{path}: the featured image grew past {max_bytes / 1e6:.0f} MB while read", _IMAGE_HINT)
    return path, data
