"""Opening corpus files with errors a user can act on, and writing outputs atomically."""

from __future__ import annotations

import errno
import os
import tempfile
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
    """Write a text file through a temporary sibling that replaces ``path`` only on success.

    On any exception the temporary file is removed and ``path`` is left as it was (absent or old).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp creates 0600; an output file is an ordinary file (keep the old one's mode if any).
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
