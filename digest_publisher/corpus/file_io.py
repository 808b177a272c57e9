"""Opening corpus files with errors a user can act on, and writing outputs atomically."""

from __future__ import annotations

import errno
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from ..errors import CorpusError


def unreadable(path: Path, exc: OSError) -> CorpusError:
    """Turn an OSError from opening or reading ``path`` into a CorpusError that says what to do."""
    if isinstance(exc, FileNotFoundError):
        return CorpusError(f"corpus file not found: {path}", "Check the path (and the current directory)")
    if isinstance(exc, IsADirectoryError) or exc.errno == errno.EISDIR:
        return CorpusError(
            f"{path} is a directory, not a corpus file",
            f"Pass the files inside it, e.g. {path}/*.jsonl",
        )
    if isinstance(exc, PermissionError):
        return CorpusError(
            f"cannot read corpus file {path}: permission denied",
            "Check the file's permissions (chmod +r) or run as a user who can read it",
        )
    reason = exc.strerror or str(exc)
    return CorpusError(
        f"cannot read corpus file {path}: {reason}", "Check that the file is intact and readable"
    )


def open_binary(path: Path) -> IO[bytes]:
    try:
        return path.open("rb")
    except OSError as exc:
        raise unreadable(path, exc) from exc


def read_text(path: Path) -> str:
    """Whole-file read for the small formats (JSON array, BibTeX, Atom), decoded as UTF-8."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise unreadable(path, exc) from exc
    return decode_utf8(data, path)


def decode_utf8(data: bytes, path: Path) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise CorpusError(
            f"{path}:{line}: not valid UTF-8 (byte 0x{data[exc.start]:02x})",
            "Re-save the file as UTF-8",
        ) from exc


@contextmanager
def atomic_output(path: Path) -> Iterator[IO[str]]:
    """Write a text file through a temporary sibling that replaces ``path`` only on success: the
    project's one atomic writer (:mod:`digest_publisher.records.atomic`, which honours the umask; imported
    here, when a fetch writes, since the records package is not needed to read a corpus)."""
    from ..records.atomic import atomic_text

    with atomic_text(path) as handle:
        yield handle
