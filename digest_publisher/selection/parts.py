"""Reading a corpus in reader processes: which files, or byte ranges of one file, each process reads, and the
parts read back in order (the scan itself is the package's: :func:`~digest_publisher.selection.select_corpus`)."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from ..errors import CorpusError

# A JSON Lines file at least this big is read by several processes at once, one byte range each; as many
# smaller files that together hold that much, by groups of whole files.
PARALLEL_MIN_BYTES = 64 * 1024 * 1024

# Reader processes are forked: copies of this interpreter, sharing its hash key (the scan's key digests).
READERS = multiprocessing.get_context("fork")

Part = TypeVar("Part")


def read_in_processes(
    read: Callable[[Any], Part | CorpusError], tasks: list[Any], processes: int, merge: Callable[[Part], None]
) -> None:
    """``read`` each task in a reader process and ``merge`` the parts in task (file) order, each dropped as it
    is merged; then the first bad part's error, or the merge's, is raised. Every part is awaited and the
    pool closed and joined before: a pool terminated with tasks still queued can hang for good (CPython's task
    feeder then waits on a lock of a queue that no reader reads: here about once in a hundred errors)."""
    failure: Exception | None = None
    with READERS.Pool(processes) as pool:
        for part in pool.imap(read, tasks, chunksize=1):
            if failure is not None:
                continue  # awaited, not merged
            if isinstance(part, CorpusError):
                failure = part
                continue
            try:
                merge(part)
            except Exception as exc:  # sqlite3.Error from the store (a full disk): raised once all are done
                failure = exc
            del part
        pool.close()
        pool.join()
    if failure is not None:
        raise failure


def file_groups(paths: list[Path], workers: int, parallel_min_bytes: int) -> list[list[Path]]:
    """Many files that together hold ``parallel_min_bytes`` or more (a year of daily listings), none of
    them that big alone: consecutive groups of whole files, two per reader process, of about equal bytes
    (by file count, the year's last quarter held 35 MB, its third 21 MB). Empty when the files are better
    read one by one (few, small, or one big enough to be split by byte ranges)."""
    if workers <= 1 or len(paths) < 2 * workers:
        return []
    try:
        sizes = [path.stat().st_size for path in paths]
    except OSError:
        return []  # iter_papers reports the missing file, in order
    total = sum(sizes)
    if total < parallel_min_bytes or max(sizes) >= parallel_min_bytes:
        return []
    count = min(len(paths), 2 * workers)  # more groups balance better, but each starts a screen anew
    groups: list[list[Path]] = [[] for _ in range(count)]
    before = 0  # bytes of the files before this one
    for index, (path, size) in enumerate(zip(paths, sizes, strict=True)):
        # by the middle of the file; never fewer files left than groups left to fill
        group = min((before + size // 2) * count // total, count - 1, index)
        group = max(group, count - (len(paths) - index))
        groups[group].append(path)
        before += size
    return [group for group in groups if group]  # (a file bigger than a group's share skips one)
