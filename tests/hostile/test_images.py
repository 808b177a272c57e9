"""featured_image reads only a regular file inside the post's folder, capped, and never echoes it (issue 20)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from digest_publisher import pipeline
from digest_publisher.errors import DigestError
from tests.publishing.pubhelpers import png_bytes


def _post(posts: Path, image: str, slug: str = "hostile") -> Path:
    folder = posts / slug
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "post.md").write_text(f"---\ntitle: Hostile image\nfeatured_image: '{image}'\n---\n\nBody.\n",
                                    encoding="utf-8")
    return folder


def _render_error(posts: Path, slug: str = "hostile") -> str:
    with pytest.raises(DigestError) as info:
        pipeline.render(slug, posts_dir=posts, topics_path=posts / "absent.toml")
    return str(info.value)


@pytest.mark.timeout(30)
def test_dev_zero_is_refused_without_reading_it(tmp_path: Path) -> None:
    """Read whole into memory before the size limit applied (before issue 20)."""
    _post(tmp_path, "/dev/zero")
    assert "outside the post folder" in _render_error(tmp_path)


@pytest.mark.timeout(30)
def test_a_fifo_never_hangs_render(tmp_path: Path) -> None:
    """A FIFO in the post folder hung `render` forever (before issue 20)."""
    folder = _post(tmp_path, "pipe.png")
    os.mkfifo(folder / "pipe.png")
    assert "not a regular file" in _render_error(tmp_path)


@pytest.mark.parametrize("where", ["absolute", "dotdot", "symlink", "symlinked-folder"])
def test_an_image_outside_the_post_folder_is_refused(tmp_path: Path, where: str) -> None:
    """An absolute path, ../ or a symlink out of the folder was uploaded publicly (before issue 20)."""
    secret = tmp_path / "secret.png"
    secret.write_bytes(png_bytes("secret"))
    posts = tmp_path / "posts"
    folder = _post(posts, "placeholder")
    name = {"absolute": str(secret), "dotdot": "../../secret.png", "symlink": "link.png",
            "symlinked-folder": "sub/secret.png"}[where]
    if where == "symlink":
        (folder / "link.png").symlink_to(secret)
    if where == "symlinked-folder":
        (folder / "sub").symlink_to(tmp_path)
    _post(posts, name)
    message = _render_error(posts)
    assert "outside the post folder" in message


def test_not_an_image_error_never_echoes_the_content(tmp_path: Path) -> None:
    """The error printed the first 8 bytes ("root:*:2" of the shadow file) before issue 20."""
    folder = _post(tmp_path, "notes.png")
    (folder / "notes.png").write_bytes(b"shadow:*:20000:0:99999:7:::\n")
    message = _render_error(tmp_path)
    assert "not a PNG, JPEG, WebP or GIF" in message
    assert "shadow" not in message and b"shadow:*".hex() not in message


def test_a_file_over_the_cap_is_refused_from_its_size(tmp_path: Path) -> None:
    folder = _post(tmp_path, "big.png")
    with open(folder / "big.png", "wb") as big:
        big.truncate(16 * 1024 * 1024)  # sparse: refused from its size, never read
    assert "has 16.8 MB, over the 16 MB this tool uploads" in _render_error(tmp_path)


def test_an_image_inside_the_folder_still_renders(tmp_path: Path) -> None:
    folder = _post(tmp_path, "figures/figure.png")
    (folder / "figures").mkdir()
    (folder / "figures" / "figure.png").write_bytes(png_bytes("inside"))
    (folder / "link.png").symlink_to(folder / "figures" / "figure.png")
    result = pipeline.render("hostile", posts_dir=tmp_path, topics_path=tmp_path / "absent.toml")
    assert result.post.featured_image is not None and result.post.featured_image.data == png_bytes("inside")
    _post(tmp_path, "link.png")  # a symlink that stays inside the folder is fine
    result = pipeline.render("hostile", posts_dir=tmp_path, topics_path=tmp_path / "absent.toml")
    assert result.post.featured_image is not None and result.post.featured_image.filename == "figure.png"
