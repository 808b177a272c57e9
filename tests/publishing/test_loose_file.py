"""A loose Markdown file outside the posts folder (README, "The post source format"): ``render``, ``preview``,
``publish`` and ``status`` of ``notes/my-note.md`` through the real CLI; publish and status against the real
WordPress. Its slug comes from the file name; its records live in ``notes/my-note/`` beside it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.publishing.pubhelpers import Lab, Rest
from tests.republish.rephelpers import run_cli

NOTE = "---\ntitle: Notes on reward models\n---\n\nReward models drift; careful data beats more data.\n"


def _note(folder: Path, name: str = "my-note.md", text: str = NOTE) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _local_env(posts: Path) -> dict[str, str]:
    return {"DIGEST_NO_DOTENV": "1", "DIGEST_POSTS_DIR": str(posts), "WORDPRESS_URL": "", "WORDPRESS_USERNAME": "",
            "WORDPRESS_APP_PASSWORD": ""}  # fmt: skip


def test_render_of_a_loose_file_names_it_by_its_file_and_writes_beside_it(tmp_path: Path) -> None:
    note = _note(tmp_path / "notes", "My Note.md")
    posts = tmp_path / "posts"  # another folder: a loose file does not need it

    done = run_cli(_local_env(posts), "render", str(note), "--json")

    assert done.exit_code == 0, done.output
    shown = json.loads(done.stdout)
    assert shown["slug"] == "my-note" and shown["title"]["rendered"] == "Notes on reward models"
    assert "careful data beats more data" in shown["content"]["rendered"]
    records = tmp_path / "notes" / "My Note"
    assert json.loads((records / "render.json").read_text(encoding="utf-8")) == shown
    assert (records / "preview.html").is_file() and (records / "featured.png").is_file()
    assert not posts.exists() and sorted(p.name for p in (tmp_path / "notes").iterdir()) == ["My Note", "My Note.md"]


def test_preview_of_a_loose_file_shows_its_text(tmp_path: Path) -> None:
    note = _note(tmp_path / "notes")

    done = run_cli(_local_env(tmp_path / "posts"), "preview", str(note))

    assert done.exit_code == 0, done.output
    page = Path(done.stdout.strip())
    assert page == tmp_path / "notes" / "my-note" / "preview.html"
    html = page.read_text(encoding="utf-8")
    assert "Notes on reward models" in html and "careful data beats more data." in html


def test_two_loose_files_in_one_folder_keep_apart(tmp_path: Path) -> None:
    first = _note(tmp_path, "first.md")
    second = _note(tmp_path, "second.md", NOTE.replace("reward models", "value models"))

    for note in (first, second):
        assert run_cli(_local_env(tmp_path / "posts"), "render", str(note)).exit_code == 0

    assert "reward models" in (tmp_path / "first" / "render.json").read_text(encoding="utf-8")
    assert "value models" in (tmp_path / "second" / "render.json").read_text(encoding="utf-8")


def test_a_loose_file_whose_records_folder_is_another_post_is_refused(tmp_path: Path) -> None:
    _note(tmp_path / "my-note", "post.md", NOTE.replace("reward", "other"))
    note = _note(tmp_path)

    done = run_cli(_local_env(tmp_path / "posts"), "render", str(note))

    assert done.exit_code == 1
    assert f"Error: {note} is a loose post whose records would go to {tmp_path / 'my-note'}" in done.output
    assert not (tmp_path / "my-note" / "render.json").exists()


def test_a_missing_file_still_says_what_to_give(tmp_path: Path) -> None:
    done = run_cli(_local_env(tmp_path / "posts"), "render", str(tmp_path / "absent.md"))

    assert done.exit_code == 1 and "no post" in done.output and "a path to a .md file" in done.output


@pytest.mark.wordpress
def test_publish_and_status_of_a_loose_file_on_the_real_wordpress(
    wp_lab: Lab, admin_rest: Rest, token: str, tmp_path: Path
) -> None:
    notes = tmp_path / "notes"
    note = _note(notes, f"note-{token}.md")
    posts = tmp_path / "posts"
    env = {"WORDPRESS_URL": wp_lab.url, "WORDPRESS_USERNAME": wp_lab.admin.username,
           "WORDPRESS_APP_PASSWORD": wp_lab.admin.app_password, "DIGEST_NO_DOTENV": "1",
           "DIGEST_POSTS_DIR": str(posts)}  # fmt: skip

    created = run_cli(env, "publish", str(note))

    assert created.exit_code == 0, created.output
    assert created.stdout.startswith("created post ")
    post_id = int(created.stdout.split()[2])
    remote = admin_rest.get(f"posts/{post_id}?context=edit")
    assert remote["slug"] == f"note-{token}" and remote["title"]["raw"] == "Notes on reward models"
    assert "careful data beats more data." in remote["content"]["rendered"]
    record = json.loads((notes / f"note-{token}" / "record.json").read_text(encoding="utf-8"))
    assert record["wordpress_id"] == post_id and record["slug"] == f"note-{token}"
    assert not posts.exists()  # nothing of a loose file goes to the posts folder

    again = run_cli(env, "publish", str(note))
    assert again.exit_code == 0 and again.stdout.startswith(f"unchanged post {post_id} ")

    status = run_cli(env, "status", str(note), "--json")
    assert status.exit_code == 0, status.output
    (row,) = json.loads(status.stdout)["posts"]
    assert row["wordpress_id"] == post_id and row["local"] == "same" and row["remote"] == "same"

    note.write_text(NOTE.replace("drift;", "drift, measurably;"), encoding="utf-8")
    changed = run_cli(env, "status", str(note), "--json")
    (row,) = json.loads(changed.stdout)["posts"]
    assert row["local"] == "changed" and row["remote"] == "same"

    updated = run_cli(env, "publish", str(note))
    assert updated.exit_code == 0 and updated.stdout.startswith(f"updated post {post_id} ")
    assert "drift, measurably;" in admin_rest.get(f"posts/{post_id}?context=edit")["content"]["raw"]
