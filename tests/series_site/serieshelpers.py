"""Helpers of the series-site tests: real drafted posts of three topics, copied per test under its own slugs.

The posts are drafted once per session by the real CLI (``draft --kind backfill --drafter builtin``) from the
stated subset of the real year in ``samples/arxiv-year-subset`` (samples/README.md): topics 03, 07 and 12 of
topics.toml, each a backfill post of May 2025 - May 2026. Each test copies them and gives them its own slugs
(a per-test token), so tests never see each other's posts on the shared WordPress; the copies have no featured
image (a generated card costs WordPress thumbnails on every upload, and the card is the publish tests' subject).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from digest_publisher.cli import cli
from digest_publisher.models import RenderedPost
from digest_publisher.pipeline import render_for_site
from digest_publisher.publishing.series_site import SeriesMember, SeriesSiteReport, publish_series_site
from digest_publisher.records import load_folder, write_post
from digest_publisher.wordpress.connection_settings import WordPressSettings
from digest_publisher.wordpress.site import Site
from digest_publisher.wordpress.transport import Response, Session
from tests.paths import REPO_ROOT, SAMPLE_YEAR
from tests.publishing.pubhelpers import Rest

TOPICS = REPO_ROOT / "topics.toml"
NUMBERS = ("03", "07", "12")
SERIES = "Frontier AI Research Digest"


def draft_series(posts: Path) -> dict[str, Path]:
    """Draft one backfill post per topic of :data:`NUMBERS` into ``posts``; topic number -> its folder."""
    folders: dict[str, Path] = {}
    for number in NUMBERS:
        result = CliRunner().invoke(
            cli,
            ["draft", "--topic", number, "--kind", "backfill", "--corpus", str(SAMPLE_YEAR), "--drafter", "builtin",
             "--topics", str(TOPICS), "--posts-dir", str(posts), "--json"],
            env={"DIGEST_NO_DOTENV": "1", "ANTHROPIC_API_KEY": ""},
            catch_exceptions=False,
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        folders[number] = Path(json.loads(result.stdout)["folder"])
    return folders


def member_of(drafted: Path, posts: Path, token: str) -> SeriesMember:
    """A copy of a drafted post under ``posts`` with the slug ``<slug>-<token>`` and no featured image, and the
    member that describes it (window and papers discussed from its draft report)."""
    post = load_folder(drafted)
    slug = f"{post.source.slug}-{token}"
    folder = posts / slug
    shutil.copytree(drafted, folder)
    write_post(folder, replace(post.source, slug=slug, featured_image=None), list(post.papers.values()))
    report = json.loads((folder / "draft-report.json").read_text(encoding="utf-8"))
    number, name = str(post.source.topic).split(" - ", 1)
    return SeriesMember(
        topic_number=number,
        topic_name=name,
        folder=folder,
        window_from=date.fromisoformat(report["window"]["from"]),
        window_to=date.fromisoformat(report["window"]["to"]),
        discussed=int(report["curation"]["discussed"]),
    )


class RecordingSession(Session):
    """A session that remembers every request's method and URL (what the code under test sent)."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[str, str]] = []

    def request(self, method: str, url: str, **kwargs: Any) -> Response:
        self.sent.append((method, url))
        return super().request(method, url, **kwargs)

    def writes(self) -> list[tuple[str, str]]:
        return [(m, u) for m, u in self.sent if m not in ("GET", "HEAD")]


def run_series(
    members: list[SeriesMember],
    settings: WordPressSettings,
    posts: Path,
    *,
    wp_version: str,
    page_slug: str,
    **options: Any,
) -> SeriesSiteReport:
    """The series publisher as the pipeline will call it: each post rendered as ``publish`` renders it."""

    def render(folder: Path) -> RenderedPost:
        return render_for_site(folder, topics_path=TOPICS, site_url=settings.site_url, wp_version=wp_version,
                               cache="use")[1]  # fmt: skip

    site = Site(settings, posts, session=options.pop("session", None))  # as the CLI builds it, once per command
    return publish_series_site(members, series=SERIES, posts_dir=posts, site=site, render=render,
                               wp_version=wp_version, page_slug=page_slug, **options)  # fmt: skip


class SiteView(Rest):
    """The site as an administrator sees it, straight over REST (not through the code under test)."""

    def pages_by_slug(self, slug: str) -> list[dict[str, Any]]:
        """Every page with this slug or a suffixed copy of it, any status."""
        slugs = ",".join([slug, *(f"{slug}-{n}" for n in range(2, 6))])
        return list(self.get(f"pages?slug={slugs}&status=any&context=edit&per_page=20"))

    def item(self, kind: str, ident: int) -> dict[str, Any]:
        data: dict[str, Any] = self.get(f"{kind}/{ident}?context=edit")
        return data

    def revisions(self, kind: str, ident: int) -> list[dict[str, Any]]:
        return list(self.get(f"{kind}/{ident}/revisions?context=edit&per_page=100"))

    def edit(self, kind: str, ident: int, **fields: Any) -> dict[str, Any]:
        result: dict[str, Any] = self.post(f"{kind}/{ident}", fields)
        return result


def raw(item: dict[str, Any], key: str) -> str:
    value = item.get(key)
    return str(value.get("raw") if isinstance(value, dict) else value)
