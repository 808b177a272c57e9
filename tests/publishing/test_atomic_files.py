"""One atomic writer for every file the project writes (posts/, previews, corpus outputs): all or nothing,
and the mode an ordinary file gets under the user's umask (not mkstemp's 0600)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from digest_publisher.corpus.file_io import atomic_output
from digest_publisher.records.atomic import atomic_text, atomic_write_json, current_umask
from digest_publisher.records.record import PostRecord, load_record, save_record


@pytest.fixture
def umask() -> Iterator[None]:
    before = os.umask(0o022)
    os.umask(before)
    yield
    os.umask(before)


@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_new_files_get_the_umask_s_mode(tmp_path: Path, umask: None, mask: int, mode: int) -> None:
    os.umask(mask)
    assert current_umask() == mask

    save_record(tmp_path / "post", PostRecord(slug="post"))
    with atomic_output(tmp_path / "corpus.jsonl") as handle:
        handle.write("{}\n")
    atomic_write_json(tmp_path / "render.json", {"a": 1})

    for name in ("post/record.json", "corpus.jsonl", "render.json"):
        assert (tmp_path / name).stat().st_mode & 0o777 == mode, name


def test_a_replaced_file_keeps_its_mode(tmp_path: Path, umask: None) -> None:
    path = tmp_path / "record.json"
    path.write_text("{}", encoding="utf-8")
    path.chmod(0o640)

    atomic_write_json(path, {"b": 2})

    assert path.stat().st_mode & 0o777 == 0o640 and path.read_text(encoding="utf-8") == '{\n  "b": 2\n}\n'


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "lines.txt"
    with atomic_text(path) as handle:
        handle.write("old\n")

    with pytest.raises(RuntimeError), atomic_text(path) as handle:
        handle.write("half")
        raise RuntimeError("crash")

    assert path.read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lines.txt"]
    save_record(tmp_path, PostRecord(slug="x", wordpress_id=3))
    record = load_record(tmp_path)
    assert record is not None and record.wordpress_id == 3
