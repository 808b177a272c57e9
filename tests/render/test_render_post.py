"""render_post on the fixture posts: goldens, the dry-run object, excerpts, citations, the card, the files."""

from __future__ import annotations

import io
import json
import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image

from bench.sample import make_benchmark_post
from digest_publisher.errors import RenderError, ResidueError
from digest_publisher.records import load_post
from digest_publisher.render import (
    CURRENT_WP_VERSION,
    TESTED_WP_VERSIONS,
    check_residue,
    excerpt_for,
    render_post,
    wp_display,
    write_preview,
)
from digest_publisher.render.card import CardText, render_card, sniff_image_type
from digest_publisher.render.dryrun import POST_KEYS
from tests.paths import SEED_000

from .conftest import BACKFILL, BRIEF, FIXTURE_SLUGS, FORMATS, NASTY, NOW, check_golden, load_fixture


@pytest.mark.parametrize("slug", FIXTURE_SLUGS)
@pytest.mark.parametrize("content_format", FORMATS)
@pytest.mark.parametrize("wp_version", TESTED_WP_VERSIONS)
def test_goldens(posts_dir: Path, slug: str, content_format: str, wp_version: str) -> None:
    """tests/render/golden/<version>/: what is sent to, and what comes back from, each WordPress version."""
    rendered = render_post(load_fixture(posts_dir, slug), content_format=content_format, now=NOW, wp_version=wp_version)
    check_golden(f"{wp_version}/{slug}.{content_format}.html", rendered.content + "\n")
    obj = json.dumps(rendered.post_object, ensure_ascii=False, indent=2) + "\n"
    check_golden(f"{wp_version}/{slug}.{content_format}.post.json", obj)


def test_the_default_target_is_the_current_line(posts_dir: Path) -> None:
    folder = load_fixture(posts_dir, BACKFILL)
    assert CURRENT_WP_VERSION == "6.8"
    assert render_post(folder, now=NOW) == render_post(folder, now=NOW, wp_version="6.8")
    # A full version picks its line's markup; an untested one the closest (6.1's up to 6.1, else 6.8's).
    assert render_post(folder, now=NOW, wp_version="6.8.12").content == render_post(folder, now=NOW).content
    assert (
        render_post(folder, now=NOW, wp_version="6.0.2").content
        == render_post(folder, now=NOW, wp_version="6.1").content
    )
    with pytest.raises(RenderError, match="not a WordPress version"):
        render_post(folder, now=NOW, wp_version="latest")


def test_dry_run_object_has_exactly_the_seed_post_keys(posts_dir: Path) -> None:
    rendered = render_post(load_fixture(posts_dir, BACKFILL), now=NOW)
    assert tuple(rendered.post_object) == POST_KEYS
    assert list(rendered.post_object) == list(json.loads(SEED_000.read_text(encoding="utf-8")))
    obj = rendered.post_object
    assert obj["content"]["rendered"] == wp_display(rendered.content)
    assert obj["excerpt"]["rendered"] == excerpt_for(rendered.content, rendered.excerpt)
    assert obj["id"] is None and obj["link"] is None and obj["meta"] == {"footnotes": ""}
    assert obj["meta"] == json.loads(SEED_000.read_text(encoding="utf-8"))["meta"]
    assert obj["class_list"] is None  # the post id and the site's term slugs are in it
    assert obj["title"]["rendered"] == (
        "Post-Training Is the New Pre-Training: Why RL Training Loops Are Reshaping AI in 2026"
    )


def test_dry_run_object_of_wordpress_61_has_its_keys(posts_dir: Path) -> None:
    old = render_post(load_fixture(posts_dir, BACKFILL), now=NOW, wp_version="6.1").post_object
    assert tuple(old) == tuple(key for key in POST_KEYS if key != "class_list")
    assert old["meta"] == []


def test_every_citation_is_a_link_named_by_the_short_name(posts_dir: Path) -> None:
    folder = load_fixture(posts_dir, BACKFILL)
    rendered = render_post(folder, now=NOW)
    body, _, covered = rendered.content.partition('<h2 class="wp-block-heading">Papers covered</h2>')
    links = re.findall(r'<a href="https://arxiv\.org/abs/([\d.]+)">([^<]+)</a>', body)
    cited = set(re.findall(r"@(\d{4}\.\d{5})", folder.source.body))
    assert {arxiv_id for arxiv_id, _ in links} == cited
    names = dict(links)
    assert names["2605.18529"] == "AMR-SD"  # the part before the colon
    assert names["2605.21883"] == "TwDPO"  # no colon: the name its abstract introduces
    assert names["2605.18801"] == "Wang et al."  # "Position:" names a genre; no name introduced: first author
    assert names["2605.19936"] == "Miletić et al."  # two authors read as one subject, Unicode kept
    assert names["2605.20834"] == "DPO≡RLHF"  # front matter short_names wins
    assert names["2605.21463"] == "Mem-π"  # LaTeX made readable, Greek kept
    assert "[@" not in rendered.content
    # Papers covered: every paper of the front matter, linked title, 3 authors + et al., arXiv id.
    assert covered.count("<li>") == len(folder.source.papers)
    assert (
        '<a href="https://arxiv.org/abs/2605.18801">Position: Let\'s Develop Data Probes to Fundamentally '
        "Understand How Data Affects LLM Performance</a> — Shiqiang Wang, Herbert Woisetschläger, "
        "Hans Arno Jacobsen et al. — arXiv:2605.18801"
    ) in covered


def test_mangled_titles_survive_into_the_display(posts_dir: Path) -> None:
    rendered = render_post(load_fixture(posts_dir, NASTY), now=NOW)
    shown = rendered.post_object["content"]["rendered"]
    # LaTeX in titles is made readable (issue 9): the names and "Papers covered" show "Don't Guess, Just Ask".
    for text in ("Don&#8217;t Guess, Just Ask", "IterSIMP-σ", "Mem-π", "Res²CLIP",
                 "Zoë Sarı", "中文", "Miletić et al."):  # fmt: skip
        assert text in shown, text
    assert rendered.post_object["title"]["rendered"] == (
        "It&#8217;s &#8220;Q&amp;A&#8221; &#8212; R&amp;D &lt; 5 &gt; 3&#8230; on WordPress: Zoë Sarı&#8217;s 中文 test"
    )


def test_unresolved_citation_and_empty_section_fail_with_every_problem(posts_dir: Path) -> None:
    folder = load_fixture(posts_dir, BRIEF)
    body = folder.source.body.replace("[@2605.18529] -- for", "[@2605.00000] -- for")
    body = body.replace("## Concluding Overview", "## Run Metadata\n\n## Concluding Overview")
    broken = replace(folder, source=replace(folder.source, body=body))
    with pytest.raises(ResidueError) as caught:
        render_post(broken, now=NOW)
    assert caught.value.problems == [
        "unresolved citation(s) [@2605.00000]: no such paper in the post's papers.json",
        "empty section: heading 'Run Metadata' (h2) is followed directly by the heading 'Concluding Overview'",
    ]
    assert str(folder.path / "post.md") in str(caught.value)


def test_unquoted_yaml_ids_are_explained(posts_dir: Path) -> None:
    folder = load_fixture(posts_dir, BRIEF)
    broken = replace(folder, source=replace(folder.source, papers=("2605.2163",)))
    with pytest.raises(ResidueError, match="an unquoted id in YAML is read as a number"):
        render_post(broken, now=NOW)


def test_excerpt_front_matter_or_wordpress_rule(posts_dir: Path) -> None:
    brief = render_post(load_fixture(posts_dir, BRIEF), now=NOW)
    assert brief.excerpt.startswith("Credit assignment, structured rewards")
    assert brief.post_object["excerpt"]["rendered"].startswith("<p>Credit assignment, structured rewards")
    backfill = render_post(load_fixture(posts_dir, BACKFILL), now=NOW)
    assert backfill.excerpt == ""  # WordPress generates it; the dry run predicts it
    shown = backfill.post_object["excerpt"]["rendered"]
    assert shown.startswith("<p>19 papers analyzed | May 18 – May 22, 2026 If you think")
    assert shown.endswith(" [&hellip;]</p>\n")
    words = re.sub(r"<[^>]+>", "", shown).removesuffix(" [&hellip;]\n").split()
    assert len(words) == 55


def test_status_and_dates(posts_dir: Path) -> None:
    folder = load_fixture(posts_dir, BACKFILL)  # status publish, date 2026-05-25T09:00:00Z
    before = render_post(folder, now=datetime(2026, 5, 20, tzinfo=UTC))
    assert before.status == "future" and before.date_gmt == "2026-05-25T09:00:00"
    after = render_post(folder, now=datetime(2026, 6, 1, tzinfo=UTC))
    assert after.status == "publish"
    assert after.post_object["date_gmt"] == "2026-05-25T09:00:00" and after.post_object["date"] is None
    bad = replace(folder, source=replace(folder.source, date="tomorrow"))
    with pytest.raises(RenderError, match="not an ISO 8601 date"):
        render_post(bad, now=NOW)


def test_unknown_format_is_an_error(posts_dir: Path) -> None:
    with pytest.raises(RenderError, match="unknown content format 'markdown'"):
        render_post(load_fixture(posts_dir, BRIEF), content_format="markdown", now=NOW)


# -- featured image -------------------------------------------------------------------------------------


def test_card_is_a_deterministic_1200x630_png_with_alt_text(posts_dir: Path) -> None:
    rendered = render_post(load_fixture(posts_dir, BACKFILL), now=NOW)
    image = rendered.featured_image
    assert image is not None and image.mime_type == "image/png"
    with Image.open(io.BytesIO(image.data)) as png:
        assert png.size == (1200, 630)
        assert not png.info.get("Creation Time") and "date" not in png.info
    assert image.alt_text.startswith("Frontier AI Research Digest: Post-Training Is the New Pre-Training")
    assert "19 papers" in image.alt_text and "2026-05-18 – 2026-05-22" in image.alt_text
    text = CardText("Zoë Sarı — “quoted” 中文 title", "07 - RL & Post-Training", 3, "2026-05-18 – 2026-05-22")
    first, second = render_card(text), render_card(text)
    assert first == second
    assert render_card(replace(text, paper_count=4)) != first


def test_user_featured_image_is_sniffed_from_its_bytes(posts_dir: Path) -> None:
    folder = load_fixture(posts_dir, BRIEF)
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buf, format="JPEG")
    (folder.path / "cover.png").write_bytes(buf.getvalue())  # misleading name: the bytes decide
    with_image = replace(folder, source=replace(folder.source, featured_image="cover.png", featured_image_alt="A"))
    image = render_post(with_image, now=NOW).featured_image
    assert image is not None and image.mime_type == "image/jpeg" and image.alt_text == "A"
    (folder.path / "notes.png").write_text("not an image", encoding="utf-8")
    bad = replace(folder, source=replace(folder.source, featured_image="notes.png"))
    with pytest.raises(RenderError, match="not a PNG, JPEG, WebP or GIF"):
        render_post(bad, now=NOW)
    assert sniff_image_type(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert sniff_image_type(b"GIF89a...") == "image/gif"


# -- files -------------------------------------------------------------------------------------------------


def test_write_preview_writes_page_object_and_card(posts_dir: Path) -> None:
    folder = load_fixture(posts_dir, BACKFILL)
    rendered = render_post(folder, now=NOW)
    page = write_preview(folder, rendered, topic_label="07 - RL & Post-Training")
    html = page.read_text(encoding="utf-8")
    assert page == folder.path / "preview.html"
    assert json.loads((folder.path / "render.json").read_text(encoding="utf-8")) == rendered.post_object
    assert rendered.featured_image is not None
    assert (folder.path / "featured.png").read_bytes() == rendered.featured_image.data
    assert rendered.post_object["content"]["rendered"] in html
    assert 'name="viewport"' in html and "data:image/png;base64," in html
    assert "RL &amp; Post-Training" in html  # the category
    assert "May 25, 2026" in html  # the post's date
    assert not re.search(r'(?:src|href)="https?://(?!arxiv\.org|example\.com)', html.split("<main>")[0])
    assert not list(folder.path.glob(".*.tmp"))  # atomic writes leave no temporary files


def test_benchmark_post_renders(tmp_path: Path) -> None:
    folder = make_benchmark_post(tmp_path, words=2500, citations=60)
    loaded = load_post("bench-post", tmp_path / "posts")
    rendered = render_post(loaded, now=NOW)
    assert len(re.findall(r"\S+", folder.source.body)) >= 2500
    assert len(set(re.findall(r'href="https://arxiv\.org/abs/([\d.]+)"', rendered.content))) == 60


@pytest.mark.parametrize("slug", FIXTURE_SLUGS)
@pytest.mark.parametrize("content_format", FORMATS)
def test_displayed_content_passes_the_residue_check_too(posts_dir: Path, slug: str, content_format: str) -> None:
    # Publishing re-runs the check on what the site returns (content.rendered); it must pass there as well.
    rendered = render_post(load_fixture(posts_dir, slug), content_format=content_format, now=NOW)
    check_residue(rendered.post_object["content"]["rendered"], f"{slug} as displayed")
