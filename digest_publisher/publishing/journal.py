"""THE write-intent protocol of one post's record: intend, write, settle.

A write whose result must survive a crash is announced in the record (``PostRecord.pending``) BEFORE it is
sent, and settled (removed, with what the write returned) once its result is known; a run that finds an
unsettled intent knows an earlier run may have written without recording it. ``publish`` (through the
transport's :class:`~digest_publisher.wordpress.publisher.Journal` protocol), republish's missed-schedule
path and ``--to-revision`` all keep their record through one :class:`RecordJournal`.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from ..records.record import PostRecord, save_record


class RecordJournal:
    """The record of the post in ``folder`` as this run changes it; every change is saved atomically at once.
    A dry run keeps the changes in memory only."""

    def __init__(self, folder: Path, record: PostRecord, *, dry_run: bool = False) -> None:
        self.folder = folder
        self.record = record
        self.dry_run = dry_run

    def intend(self, intent: str, **changes: Any) -> None:
        """Announce ``intent`` (and ``changes``) before the write it stands for; once is enough."""
        if intent in self.record.pending and not changes:
            return
        pending = self.record.pending if intent in self.record.pending else (*self.record.pending, intent)
        self.save(pending=pending, **changes)

    def settle(self, *intents: str, **changes: Any) -> None:
        """The write of ``intents`` is done (or undone): forget them, and save what it returned (``changes``)."""
        self.save(pending=tuple(p for p in self.record.pending if p not in intents), **changes)

    def save(self, **changes: Any) -> None:
        self.record = replace(self.record, **changes)
        if not self.dry_run:
            save_record(self.folder, self.record)
