"""Where a selection keeps its papers: a dict, then (past ``spill_after``) a SQLite file.

One row per de-duplication key; the duplicate rule (:func:`is_better`) is the upsert's condition, so the
store folds duplicates exactly as the dict does, in arrival order, whether or not it spilled.
"""

from __future__ import annotations

import marshal
import os
import re
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from ..errors import CorpusError
from ..models import Paper

#: Selected papers held in memory before they move to disk (a snapshot paper takes about 4 KB).
SPILL_AFTER = 10_000
# Papers offered after the spill are written in batches of this many (one executemany each).
_BATCH = 2_000


def is_better(new: Paper, old: Paper) -> bool:
    """Duplicate rule: the highest version wins, then the latest listing (submitted date)."""
    if (new.version or 0) != (old.version or 0):
        return (new.version or 0) > (old.version or 0)
    if new.submitted and old.submitted and new.submitted != old.submitted:
        return new.submitted > old.submitted
    return False


def _order(paper: Paper) -> tuple[date, str]:
    """The order of a selection: by submission date (undated first), then arXiv id (or key)."""
    return (paper.submitted or date.min, paper.arxiv_id or paper.key)


# ---------------------------------------------------------------------------------------------
# The store of selected papers

# One row per key. The duplicate rule is the upsert's WHERE clause, so SQLite applies it row by row
# in arrival order, as the dict does: ``version`` is ``Paper.version or 0``; ``submitted`` an ISO
# date or NULL, and a comparison with NULL is false, as ``is_better`` ignores a missing date.
# ``sort_date``/``sort_id`` are ``_order`` as text: ISO dates and UTF-8 (compared bytewise) sort as
# Python sorts dates and str.
_SCHEMA = """
CREATE TABLE kept (
    key TEXT PRIMARY KEY, version INTEGER NOT NULL, submitted TEXT, sort_date TEXT NOT NULL,
    sort_id TEXT NOT NULL, rule TEXT NOT NULL, paper BLOB NOT NULL
)"""
_INSERT = "INSERT INTO kept VALUES (?, ?, ?, ?, ?, ?, ?)"
_IF_BETTER = """
ON CONFLICT(key) DO UPDATE SET version = excluded.version, submitted = excluded.submitted,
    sort_date = excluded.sort_date, sort_id = excluded.sort_id, rule = excluded.rule, paper = excluded.paper
WHERE excluded.version > kept.version
   OR (excluded.version = kept.version AND excluded.submitted > kept.submitted)"""
_OFFER = _INSERT + _IF_BETTER
# Both tables have the columns of _SCHEMA, in its order. "WHERE true" is how SQLite tells an upsert's
# ON CONFLICT from a join constraint after a SELECT.
_MERGE = "INSERT INTO main.kept SELECT * FROM later.kept WHERE true" + _IF_BETTER  # noqa: S608  # constants only

_Row = tuple[str, int, str | None, str, str, str, bytes]


def _pack(paper: Paper, submitted: str | None) -> bytes:
    """A paper as bytes for the store: marshal of its fields (the date as ISO text), the fastest
    codec for str/int/tuple; the file is read back by this same process or its parent only."""
    return marshal.dumps((
        paper.title, paper.authors, paper.abstract, paper.arxiv_id, paper.version, paper.categories,
        submitted, paper.abs_url, paper.comment, paper.doi, paper.source,
    ))


def _unpack(blob: bytes) -> Paper:
    title, authors, abstract, arxiv_id, version, categories, submitted, abs_url, comment, doi, source = (
        marshal.loads(blob)  # noqa: S302  # written by _pack, in this process or its reader processes
    )
    return Paper(
        title=title, authors=authors, abstract=abstract, arxiv_id=arxiv_id, version=version,
        categories=categories, submitted=date.fromisoformat(submitted) if submitted else None,
        abs_url=abs_url, comment=comment, doi=doi, source=source,
    )


_UNDATED = date.min.isoformat()


def _row(key: str, paper: Paper, rule: str) -> _Row:
    """The store's row of a paper; ``sort_date``, ``sort_id`` as :func:`_order` (``key`` is ``paper.key``)."""
    submitted = paper.submitted.isoformat() if paper.submitted else None
    sort_date, sort_id = submitted or _UNDATED, paper.arxiv_id or key
    return (key, paper.version or 0, submitted, sort_date, sort_id, rule, _pack(paper, submitted))


@dataclass(frozen=True)
class _Spill:
    """When and where selected papers move to disk: after ``after`` papers, into ``folder``."""

    after: int
    folder: Path


def _spill_failed(folder: Path, exc: Exception) -> CorpusError:
    return CorpusError(
        f"cannot keep the selected papers on disk in {folder}: {exc}",
        "Free some space there or set TMPDIR to a folder with room "
        "(a spilled selection takes about 3 KB a selected paper)",
    )


class _Kept:
    """The selected papers so far, one per de-duplication key (the better one, see :func:`is_better`),
    each with the name of the rule that selected it.

    Up to ``spill.after`` papers live in a dict. Past that, all of them move to a SQLite file in
    ``spill.folder`` and later papers follow in batches; a scan in another process hands its file over
    by name (it pickles as its path). Scratch data: no journal, no fsync.
    """

    def __init__(self, spill: _Spill) -> None:
        self.spill = spill
        self.papers: dict[str, tuple[Paper, str]] = {}
        self.path: Path | None = None
        self._db: sqlite3.Connection | None = None
        self._pending: list[_Row] = []
        self._discarded = False

    def __getstate__(self) -> dict[str, Any]:
        if self._db is not None or self._pending:
            raise RuntimeError("close() the store before sending it to another process")
        return {"spill": self.spill, "papers": self.papers, "path": self.path}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["spill"])  # type: ignore[misc]  # the one constructor, also for unpickling
        self.papers, self.path = state["papers"], state["path"]

    def offer(self, key: str, paper: Paper, rule: str) -> None:
        """Keep ``paper`` unless a better one of the same key is already kept."""
        if self.path is None:
            previous = self.papers.get(key)
            if previous is None or is_better(paper, previous[0]):
                self.papers[key] = (paper, rule)
                if len(self.papers) > self.spill.after:
                    self._spill()
            return
        self._pending.append(_row(key, paper, rule))
        if len(self._pending) >= _BATCH:
            self._flush()

    def merge(self, later: _Kept) -> None:
        """Fold in what a LATER part of the corpus kept: for a key in both, the later paper replaces
        this one only if it is better (as if the parts had been read in one go)."""
        if later.path is None:
            for key, (paper, rule) in later.papers.items():
                self.offer(key, paper, rule)
            return
        later.close()
        if self.path is None and not self.papers:  # nothing to fold into: take the file as it is
            self.path, later.path = later.path, None
            return
        if self.path is None:
            self._spill()
        db = self._connection()
        self._flush()
        db.commit()  # ATTACH is refused inside a transaction
        db.execute("ATTACH DATABASE ? AS later", (str(later.path),))
        db.execute(_MERGE)
        db.commit()
        db.execute("DETACH DATABASE later")
        later.path.unlink()
        later.path = None

    def __len__(self) -> int:
        if self.path is None:
            return len(self.papers)
        self._flush()
        count: int = self._connection().execute("SELECT count(*) FROM kept").fetchone()[0]
        return count

    def date_span(self) -> tuple[date | None, date | None]:
        """The earliest and latest submission date of the kept papers (None when none is dated)."""
        if self.path is None:
            dates = [paper.submitted for paper, _ in self.papers.values() if paper.submitted]
            return (min(dates), max(dates)) if dates else (None, None)
        self._flush()
        low, high = self._connection().execute("SELECT min(submitted), max(submitted) FROM kept").fetchone()
        return (date.fromisoformat(low), date.fromisoformat(high)) if low else (None, None)

    def iter_sorted(self) -> Iterator[tuple[Paper, str]]:
        """``(paper, rule)`` in the order of :func:`_order`; from disk, a row at a time, once spilled."""
        if self.path is None:
            yield from sorted(self.papers.values(), key=lambda kept: _order(kept[0]))
            return
        db = self._connection()
        try:
            self._flush()
            # An index sorts only the short keys; ORDER BY alone would sort whole rows, abstracts included.
            db.execute("CREATE INDEX IF NOT EXISTS kept_order ON kept (sort_date, sort_id)")
            db.commit()
            for blob, rule in db.execute("SELECT paper, rule FROM kept ORDER BY sort_date, sort_id"):
                yield _unpack(blob), rule
        except sqlite3.Error as exc:
            raise _spill_failed(self.spill.folder, exc) from exc

    def close(self) -> None:
        """Write what is pending and close the file (it reopens when read again)."""
        self._flush()
        if self._db is not None:
            self._db.commit()
            self._db.close()
            self._db = None

    def discard(self) -> None:
        """Close for good: the file is about to be removed."""
        if self._db is not None:
            self._db.close()
            self._db = None
        self._pending.clear()
        self._discarded = True

    def _connection(self) -> sqlite3.Connection:
        if self._discarded:
            raise RuntimeError("this selection was closed: its spilled papers are gone")
        if self._db is None:
            assert self.path is not None
            self._db = sqlite3.connect(self.path)
            self._db.execute("PRAGMA journal_mode = OFF")
            self._db.execute("PRAGMA synchronous = OFF")
        return self._db

    def _spill(self) -> None:
        try:
            fd, name = tempfile.mkstemp(prefix="kept-", suffix=".sqlite", dir=self.spill.folder)
        except OSError as exc:
            raise _spill_failed(self.spill.folder, exc) from exc
        os.close(fd)
        self.path = Path(name)
        db = self._connection()
        db.execute(_SCHEMA)
        db.executemany(_INSERT, (_row(key, paper, rule) for key, (paper, rule) in self.papers.items()))
        self.papers = {}

    def _flush(self) -> None:
        if self._pending:
            self._connection().executemany(_OFFER, self._pending)
            self._pending.clear()


# ---------------------------------------------------------------------------------------------
# Spill folders


_SPILL_PREFIX = "digest-publisher-selection-"
_SPILL_NAME = re.compile(rf"^{_SPILL_PREFIX}(?:(?P<pid>\d+)-)?[A-Za-z0-9_]{{8}}$")
_OLD_SPILL_S = 24 * 3600  # a spill folder without a pid in its name (older versions) is removed after a day


def remove_stale_spills(tmp: Path) -> list[Path]:
    """Remove the spill folders in ``tmp`` that a killed selection left: those whose process no longer
    runs (and, for names without a pid, those older than a day). Returns what was removed."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(tmp))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        match = _SPILL_NAME.match(entry.name)
        if match is None or not entry.is_dir(follow_symlinks=False):
            continue
        pid = match.group("pid")
        from ..records.atomic import pid_running  # only when a spill folder is there: rarely

        try:
            stale = (
                not pid_running(int(pid)) if pid is not None
                else now - entry.stat(follow_symlinks=False).st_mtime > _OLD_SPILL_S
            )
        except OSError:
            continue
        if stale and (pid is None or int(pid) != os.getpid()):
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(Path(entry.path))
    return removed


def _remove_spill(kept: _Kept, folder: Path) -> None:
    kept.discard()
    shutil.rmtree(folder, ignore_errors=True)
