"""A post's featured image file: read only from inside the post's folder, a regular file, capped in size;
and its size in pixels read from its header (:func:`image_size`), without decoding a pixel or loading Pillow."""

from __future__ import annotations

import os
import stat
import struct
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


_JPEG_FRAMES = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}  # SOF0..SOF15 (not DHT, JPG, DAC)
_JPEG_STANDALONE = frozenset(range(0xD0, 0xDA)) | {0x01}  # RSTn, SOI, EOI, TEM: no length field


def image_size(data: bytes) -> tuple[int, int]:
    """``(width, height)`` of a PNG, JPEG, GIF or WebP image from its header, as Pillow reports it (a GIF's
    logical screen, a WebP's canvas); ``ValueError`` when the header is not one of these or is cut short."""
    try:
        if data[:8] == b"\x89PNG\r\n\x1a\n":
            if data[12:16] != b"IHDR":
                raise ValueError("a PNG without its IHDR header")
            width, height = struct.unpack(">II", data[16:24])
            return int(width), int(height)
        if data[:6] in (b"GIF87a", b"GIF89a"):
            width, height = struct.unpack("<HH", data[6:10])
            return int(width), int(height)
        if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
            return _webp_size(data)
        if data[:3] == b"\xff\xd8\xff":
            return _jpeg_size(data)
    except struct.error as exc:
        raise ValueError("the image header is cut short") from exc
    raise ValueError("not a PNG, JPEG, GIF or WebP header")


def _webp_size(data: bytes) -> tuple[int, int]:
    chunk = data[12:16]
    if chunk == b"VP8X":  # extended: the canvas, 24-bit width-1 and height-1
        if len(data) < 30:
            raise ValueError("the image header is cut short")
        return int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1
    if chunk == b"VP8 ":  # lossy: after the 3-byte frame tag and the start code 9d 01 2a
        if data[23:26] != b"\x9d\x01\x2a":
            raise ValueError("a WebP without its VP8 start code")
        width, height = struct.unpack("<HH", data[26:30])
        return int(width) & 0x3FFF, int(height) & 0x3FFF
    if chunk == b"VP8L":  # lossless: signature 0x2f, then 14-bit width-1 and height-1
        if data[20:21] != b"\x2f":
            raise ValueError("a WebP without its VP8L signature")
        (bits,) = struct.unpack("<I", data[21:25])
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    raise ValueError("a WebP of an unknown kind")


def _jpeg_size(data: bytes) -> tuple[int, int]:
    """The first frame header's size (SOFn), walking the segments from the start."""
    at = 2
    while at < len(data):
        if data[at] != 0xFF:
            raise ValueError("a JPEG whose segments do not follow each other")
        while at < len(data) and data[at] == 0xFF:  # fill bytes
            at += 1
        marker = data[at] if at < len(data) else -1
        at += 1
        if marker in _JPEG_STANDALONE:
            continue
        (length,) = struct.unpack(">H", data[at : at + 2])
        if marker in _JPEG_FRAMES:
            height, width = struct.unpack(">HH", data[at + 3 : at + 7])
            return int(width), int(height)
        if length < 2:
            raise ValueError("a JPEG segment of a broken length")
        at += length
    raise ValueError("a JPEG without a frame header")
