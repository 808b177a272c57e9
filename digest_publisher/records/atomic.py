"""The one way this project writes a file: atomically, with the mode an ordinary file gets.

Readers see the old file or the new one, never a part: the data goes to a temporary sibling, is flushed
to disk, then ``os.replace``-d over the target. The temporary file (``mkstemp`` makes it 0600) gets the
mode a plain ``open()`` would give a new file (0666 minus the umask), or the replaced file's own mode, so
a post folder or a corpus file is as readable as anything else the user writes.

Files that must change together (a redraft's ``papers.json``, ``post.md`` and ``draft-report.json``) go
through :func:`write_together`: a journal holding all of them is written first, so a run killed part way
leaves either the old files and no journal, or a journal that the next reader of the folder completes
(:func:`complete_pending_writes`).

A writer killed between the two steps leaves its temporary file (``.<name>.<pid>.<random>.tmp``) behind;
:func:`remove_stale_temp_files` removes those of writers that no longer run (and any older than ten
minutes: a write takes milliseconds), when a later run takes the folder's lock.
"""

from __future__ import annotations

import io
import json
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


def current_umask() -> int:
    """The process's umask, read without changing it (``os.umask`` sets it to read it, which would race
    with threads creating files meanwhile)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # no /proc (not Linux): the classic read, then put it back at once
    os.umask(mask)
    return mask


def _mode_for(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o777
    except FileNotFoundError:
        return 0o666 & ~current_umask()


# ``.<target>.[<pid>.]<8 random characters of mkstemp>.tmp`` (files written before the pid was added
# to the name have none).
_TEMP_NAME = re.compile(r"^\.(?P<target>.+?)\.(?:(?P<pid>\d+)\.)?[a-z0-9_]{8}\.tmp$")
STALE_AFTER_S = 600.0


def pid_running(pid: int) -> bool:
    """Is process ``pid`` alive (another user's counts as alive)?"""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def remove_stale_temp_files(folder: Path, *, stale_after: float = STALE_AFTER_S) -> list[Path]:
    """Remove the temporary files of atomic writes that never finished in ``folder`` (not below it): those
    whose writer no longer runs, and any older than ``stale_after`` seconds. Returns what was removed."""
    removed: list[Path] = []
    now = time.time()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _TEMP_NAME.match(entry.name)
        if match is None or not entry.is_file(follow_symlinks=False):
            continue
        pid = match.group("pid")
        try:
            old = now - entry.stat(follow_symlinks=False).st_mtime > stale_after
        except OSError:
            continue
        dead = pid is not None and int(pid) != os.getpid() and not pid_running(int(pid))
        if old or dead:
            path = Path(entry.path)
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


@contextmanager
def atomic_binary(path: Path, *, before_replace: Callable[[], None] | None = None) -> Iterator[IO[bytes]]:
    """Write ``path`` through a temporary sibling that replaces it only when the block ends without an
    exception; otherwise the temporary file is removed and ``path`` is left as it was (absent or old).

    ``before_replace`` runs once the temporary file is complete, just before it replaces ``path`` (the
    crash tests kill the process there)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, _mode_for(path))
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if before_replace is not None:
            before_replace()
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        if exc.filename is None:  # a failed write or fsync: name the file it was for ("No space left")
            raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc
        raise
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def atomic_text(path: Path) -> Iterator[IO[str]]:
    """:func:`atomic_binary` as UTF-8 text with ``\n`` line ends (for files written line by line)."""
    with atomic_binary(path) as raw:
        handle = io.TextIOWrapper(raw, encoding="utf-8", newline="\n")
        try:
            yield handle
            handle.flush()
        finally:
            handle.detach()  # the file stays open for atomic_binary, which syncs and closes it


def atomic_write_bytes(path: Path, data: bytes, *, before_replace: Callable[[], None] | None = None) -> None:
    with atomic_binary(path, before_replace=before_replace) as handle:
        handle.write(data)


def atomic_write_text(path: Path, text: str, *, before_replace: Callable[[], None] | None = None) -> None:
    atomic_write_bytes(path, text.encode("utf-8"), before_replace=before_replace)


def json_text(data: Any) -> str:
    """JSON as this project writes its files: UTF-8 characters kept, indented, one final newline."""
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def atomic_write_json(path: Path, data: Any, *, before_replace: Callable[[], None] | None = None) -> None:
    atomic_write_text(path, json_text(data), before_replace=before_replace)


#: The journal of a :func:`write_together` under way (in the folder it writes).
JOURNAL_FILE = ".write-journal.json"


def write_together(folder: Path, files: Mapping[str, str]) -> None:
    """Write the text files ``files`` (name -> text) of ``folder`` as one unit: all of them or none.

    The journal (every file's full text) is written atomically first, then each file, then the journal
    is removed. Killed before the journal is complete: the old files stand. Killed after: the next
    :func:`complete_pending_writes` of the folder writes every file again from the journal."""
    from .record import kill_point  # the test-only crash hook

    atomic_write_json(folder / JOURNAL_FILE, {"files": dict(files)})
    kill_point("after-journal")
    for name, text in files.items():
        atomic_write_text(folder / name, text)
        kill_point(f"after-{name}")
    (folder / JOURNAL_FILE).unlink(missing_ok=True)


def complete_pending_writes(folder: Path) -> list[str]:
    """Finish a :func:`write_together` that a killed run left in ``folder``; the names written again
    (none when there is no journal). Raises OSError when a file cannot be written."""
    journal = folder / JOURNAL_FILE
    try:
        data = json.loads(journal.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (UnicodeDecodeError, ValueError):
        data = {}  # never half-written (it is written atomically): not ours to finish
    files = data.get("files") if isinstance(data, dict) else None
    names: list[str] = []
    if isinstance(files, dict):
        for name, text in files.items():
            if isinstance(name, str) and isinstance(text, str) and name == Path(name).name and not name.startswith("."):
                atomic_write_text(folder / name, text)
                names.append(name)
    journal.unlink(missing_ok=True)
    return names
