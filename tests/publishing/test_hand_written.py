"""Hand-written posts: only a title is required; the slug comes from the folder (or file) name; topic and
kind are optional; unknown keys are warned about with the nearest known key; a UTF-8 BOM is accepted."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from digest_publisher import pipeline
from digest_publisher.cli import cli
from digest_publisher.errors import PostSourceError
from digest_publisher.records import load_post, parse_post_source

BODY = "## Why it matters\n\nA short note, written by hand.\n"


def _write(folder: Path, front_matter: str, *, name: str = "post.md", bom: bool = False) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(("\ufeff" if bom else "") + f"---\n{front_matter}---\n\n{BODY}", encoding="utf-8")
    return path


def test_a_title_is_all_a_post_needs(tmp_path: Path) -> None:
    _write(tmp_path / "posts" / "notes-on-rl", "title: Notes on RL\n")

    post = load_post("notes-on-rl", tmp_path / "posts")

    assert post.source.slug == "notes-on-rl"
    assert post.source.topic is None and post.source.kind is None
    assert post.source.status == "draft" and post.source.warnings == ()


def test_a_loose_markdown_file_is_named_by_its_file_name(tmp_path: Path) -> None:
    path = _write(tmp_path, "title: Loose\n", name="My Loose Note.md")

    assert parse_post_source(path.read_text(encoding="utf-8"), str(path)).slug == "my-loose-note"


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = _write(tmp_path / "bom-post", "title: With a BOM\n", bom=True)

    source = parse_post_source(path.read_text(encoding="utf-8"), str(path))

    assert source.title == "With a BOM" and source.slug == "bom-post"


def test_a_missing_title_is_still_an_error_that_says_what_to_add(tmp_path: Path) -> None:
    path = _write(tmp_path / "untitled", "status: draft\n")

    with pytest.raises(PostSourceError, match="lacks title"):
        parse_post_source(path.read_text(encoding="utf-8"), str(path))


def test_a_misspelt_key_is_warned_about_with_the_nearest_known_key(tmp_path: Path) -> None:
    path = _write(tmp_path / "typo", "title: Typo\nstauts: publish\nshort_names: {}\n")

    source = parse_post_source(path.read_text(encoding="utf-8"), str(path))

    assert source.status == "draft"  # the misspelt key does nothing ...
    assert len(source.warnings) == 1  # ... but says so (short_names is a known key)
    assert "'stauts'" in source.warnings[0] and "did you mean 'status'?" in source.warnings[0]
    assert str(path) in source.warnings[0]


def test_wordpress_id_is_no_longer_written_to_post_md(tmp_path: Path) -> None:
    """The WordPress id lives in record.json; an old post.md that still has the key reads without a warning."""
    path = _write(tmp_path / "old", "title: Old\nwordpress_id: 12\n")

    source = parse_post_source(path.read_text(encoding="utf-8"), str(path))

    assert source.warnings == () and "wordpress_id" not in source.to_text()


def test_a_post_without_topic_renders_without_a_topic_label(tmp_path: Path) -> None:
    _write(tmp_path / "posts" / "plain", "title: Plain\n")

    result = pipeline.render("plain", posts_dir=tmp_path / "posts", topics_path=tmp_path / "absent.toml")

    assert result.post.slug == "plain" and result.post.categories == ()
    assert result.post.featured_image is not None
    page = result.page.read_text(encoding="utf-8")
    assert "<h1 class=\"entry-title\">Plain" in page


def test_the_render_command_prints_the_warning(tmp_path: Path) -> None:
    _write(tmp_path / "posts" / "typo", "title: Typo\ntgas: [x]\n")

    result = CliRunner().invoke(
        cli, ["render", "typo", "--posts-dir", str(tmp_path / "posts")], env={"DIGEST_NO_DOTENV": "1"}
    )

    assert result.exit_code == 0, result.output
    assert "did you mean 'tags'?" in result.stderr
