"""Names and alt text as WordPress keeps them (``sanitize_text_field``): the port against the real PHP, and the
render using it, so that what is sent is what WordPress stores, on every run."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from digest_publisher.errors import RenderError
from digest_publisher.render import render_post, term_name
from digest_publisher.render.wpformat import sanitize_text_field

from .conftest import BRIEF, NOW, load_fixture

HARNESS = Path(__file__).parent / "php" / "wp_formatting.php"
WP_INCLUDES = Path("/usr/share/wordpress/wp-includes")

CURATED = [
    "<script>alert(1)</script>", "evil <b>tag</b>", "A &amp; B", "A & B", "tab\tx  y", "100%25 sure",
    "R&D <3 you", "a <b", "x<\ny", "<style>p{}</style>ok", "q'uote \"d\" <", "  lead  ", "%zz %2F%2f",
    "a < b > c", "&lt;b&gt;", "é 中 <i>x", "GRPO", "RL & Post-Training",
]  # fmt: skip
PIECES = [*"ab <>&%2Fq\n\t/", "<b>", "</b>", "<script>", "</script>", "%2f", "&amp;", "&lt;", "<style>", "</style>",
          "<!-- c -->", "é", "<3", "R&D"]  # fmt: skip


@pytest.mark.skipif(
    shutil.which("php") is None or not (WP_INCLUDES / "formatting.php").is_file(),
    reason="needs php and Debian's wordpress package (the real wp-includes/formatting.php)",
)
def test_sanitize_text_field_equals_wordpress_php() -> None:
    rng = random.Random("sanitize_text_field")
    texts = CURATED + ["".join(rng.choice(PIECES) for _ in range(rng.randint(0, 15))) for _ in range(3000)]
    done = subprocess.run(
        ["php", str(HARNESS)],
        input=json.dumps([["sanitize_text_field", t] for t in texts]),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    expected = json.loads(done.stdout)
    mismatches = [(t, e, sanitize_text_field(t)) for t, e in zip(texts, expected, strict=True)]
    mismatches = [m for m in mismatches if m[1] != m[2]]
    assert not mismatches, f"{len(mismatches)}/{len(texts)} differ; first: {mismatches[0]!r}"


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("evil <b>tag</b>", "evil tag"),
        ("R&D <3 you", "R&D <3 you"),
        ("A &amp; B", "A & B"),
        ("  RL &   Post-Training ", "RL & Post-Training"),
        ("&lt;b&gt;x&lt;/b&gt;", "x"),
        ("GRPO", "GRPO"),
    ],
)
def test_term_names_are_what_wordpress_keeps_and_stable(name: str, kept: str) -> None:
    assert term_name(name) == kept
    assert term_name(kept) == kept  # the second run looks up exactly what the first created


def _front_matter(posts_dir: Path, old: str, new: str) -> None:
    post = posts_dir / BRIEF / "post.md"
    text = post.read_text(encoding="utf-8")
    assert old in text
    post.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_render_cleans_names_and_alt_text(posts_dir: Path) -> None:
    _front_matter(posts_dir, "tags: [brief]", "tags: [brief, 'evil <b>tag</b>', 'R&D <3 you', 'evil tag']")
    _front_matter(posts_dir, 'title: "LLM Post-Train', 'title: "<b>Bold</b> LLM Post-Train')
    rendered = render_post(load_fixture(posts_dir, BRIEF), now=NOW)
    assert rendered.tags == ("brief", "evil tag", "R&D <3 you")
    assert rendered.featured_image is not None
    alt = rendered.featured_image.alt_text
    assert "<b>" not in alt and "Bold LLM Post-Train" in alt and sanitize_text_field(alt) == alt


def test_a_name_empty_once_cleaned_is_an_error_before_anything_is_sent(posts_dir: Path) -> None:
    _front_matter(posts_dir, "tags: [brief]", "tags: [brief, '<script>alert(1)</script>']")
    with pytest.raises(RenderError) as caught:
        render_post(load_fixture(posts_dir, BRIEF), now=NOW)
    assert "the tag '<script>alert(1)</script>' is empty once WordPress strips the HTML" in str(caught.value)
    assert "plain text" in (caught.value.hint or "")
