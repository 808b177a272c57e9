"""Locks on the posts folder: one run per post (``<slug>/.lock``), one ``republish`` per folder
(``.republish.lock``), the short lock of the per-site cache, and the site-wide locks every posts folder on
this machine shares (one slug, one image of a site: :func:`site_locks`). All are ``flock`` locks, so a
crashed run never leaves anything locked: the kernel releases them with the process."""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path

from ..errors import LockError
from .atomic import remove_stale_temp_files

LOCK_FILE = ".lock"
RUN_LOCK = ".republish.lock"

LOCK_POLL_S = 0.1
SITE_LOCK_WAIT_S = 300.0  # a publish takes seconds; a run that holds a site lock longer is stuck


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
def flock(path: Path, wait: float, busy: Callable[[str], LockError]) -> Iterator[None]:
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

    ``flock`` locks die with the process, so a crashed run never leaves the post locked; the temporary
    files a killed run's writes left in the folder are removed once the lock is held.
    """
    path = folder / LOCK_FILE

    def busy(holder: str) -> LockError:
        waited = f" (waited {wait:g} s)" if wait > 0 else ""
        return LockError(
            f"another digest-publisher run is working on {folder} (it holds {path}{holder}){waited}",
            "Wait for that run to finish and try again; the lock goes away when it exits",
        )

    with flock(path, wait, busy):
        remove_stale_temp_files(folder)
        yield


@contextmanager
def run_lock(posts_dir: Path, wait: float = 0.0) -> Iterator[None]:
    """One ``republish`` run at a time per posts folder (``<posts_dir>/.republish.lock``); a second run
    waits up to ``wait`` seconds, then gets :class:`LockError`. A crashed run's lock goes with it, and
    the temporary files its writes left in the posts folder (``.sites.json``'s) are removed."""
    path = posts_dir / RUN_LOCK

    def busy(holder: str) -> LockError:
        waited = f"waited {wait:g} s; " if wait > 0 else ""
        return LockError(
            f"another republish run holds {path}{holder}",
            f"{waited}it finishes on its own: try again later, or pass --wait SECONDS to wait for it",
        )

    with flock(path, wait, busy):
        remove_stale_temp_files(posts_dir)
        yield


def site_lock_dir() -> Path:
    """Where the site-wide locks live: the system's temporary folder (``TMPDIR``), per user, so every posts
    folder of this user on this machine shares them."""
    return Path(tempfile.gettempdir()) / f"digest-publisher-{os.getuid()}-locks"


@contextmanager
def site_locks(site_url: str, keys: Iterable[str], wait: float = SITE_LOCK_WAIT_S) -> Iterator[None]:
    """Hold one lock per ``key`` (``post <slug>``, ``image <sha256>``) of the site ``site_url``, whichever
    posts folder the run works on: two folders publishing the same slug or uploading the same image take
    turns, so the second finds what the first wrote (the post, the attachment) instead of racing it.

    Taken after the post's own lock and in sorted order, so two runs never wait for each other in a circle.
    A run on another machine does not see these locks: the media upload checks for a racing copy on the
    site itself as well (``wordpress.media.upload_image``).
    """
    folder = site_lock_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    with ExitStack() as stack:
        for key in sorted(set(keys)):
            path = folder / (hashlib.sha256(f"{site_url}\n{key}".encode()).hexdigest()[:32] + ".lock")

            def busy(holder: str, key: str = key, path: Path = path) -> LockError:
                return LockError(
                    f"another digest-publisher run is publishing {key} to {site_url} (it holds {path}{holder}; "
                    f"waited {wait:g} s)",
                    "That run seems stuck: stop it (or wait for it), then publish again",
                )

            stack.enter_context(flock(path, wait, busy))
        yield
