"""A site's WordPress version: found on the real labs (6.1 and 6.8), as admin and as author, and what
``check`` says about it; the pure parts (parsers, the choice of markup, the warning) without a site."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from digest_publisher.errors import RenderError
from digest_publisher.wordpress.check import check_site
from digest_publisher.wordpress.client import WordPressClient
from digest_publisher.wordpress.connection_settings import WordPressSettings
from digest_publisher.wordpress.markup_versions import CURRENT_WP_VERSION, TESTED_WP_VERSIONS, is_tested, markup_version
from digest_publisher.wordpress.site import Site
from digest_publisher.wordpress.site_version import (
    SiteVersion,
    site_wordpress_version,
    version_in_feed,
    version_in_home_page,
)
from tests.wp_lab import WordPressLab, WPUser

MuPlugin = Callable[[str, str], None]


def _settings(lab: WordPressLab, user: WPUser) -> WordPressSettings:
    return WordPressSettings(
        url=lab.url, username=user.username, app_password=user.app_password, timeout=20.0, attempts=3, max_wait=2.0
    )


@pytest.fixture
def mu_plugin(wp_lab: WordPressLab) -> Iterator[MuPlugin]:
    """A must-use plugin for one test (how sites hide or change their generator tags)."""
    installed: list[Path] = []

    def install(name: str, php: str) -> None:
        path = wp_lab.lab_dir / "wp-content" / "mu-plugins" / f"zz-test-{name}.php"
        path.write_text("<?php\n" + php + "\n", encoding="utf-8")
        installed.append(path)

    yield install
    for path in installed:
        path.unlink(missing_ok=True)


# ---------------------------------------------------------------- on the real sites


@pytest.mark.wordpress
@pytest.mark.parametrize("role", ["admin", "author"])
def test_the_version_is_found_on_the_home_page(wp_lab: WordPressLab, role: str) -> None:
    user = wp_lab.admin if role == "admin" else wp_lab.author
    found = site_wordpress_version(WordPressClient(_settings(wp_lab, user)))
    assert found == SiteVersion(wp_lab.wp_release, "home page")
    assert found.tested and found.warning() is None
    assert found.markup_version == wp_lab.wp_version


@pytest.mark.wordpress
def test_without_the_meta_tag_the_feed_tells(wp_lab: WordPressLab, mu_plugin: MuPlugin) -> None:
    mu_plugin("no-meta-generator", "remove_action('wp_head', 'wp_generator');")
    client = WordPressClient(_settings(wp_lab, wp_lab.author))
    assert site_wordpress_version(client) == SiteVersion(wp_lab.wp_release, "feed")
    assert client.request_count == 2  # the home page, then the feed


@pytest.mark.wordpress
def test_check_reports_the_version_and_says_nothing_more_when_tested(wp_lab: WordPressLab) -> None:
    report = check_site(Site(_settings(wp_lab, wp_lab.admin)))
    assert report.ok, report.problems
    assert report.wordpress_version == wp_lab.wp_release
    assert not [note for note in report.notes if "WordPress" in note]


@pytest.mark.wordpress
def test_check_warns_about_a_version_the_tests_do_not_cover(wp_lab: WordPressLab, mu_plugin: MuPlugin) -> None:
    mu_plugin(
        "future-generator",
        "add_filter('get_the_generator_xhtml', function () { return '<meta name=\"generator\" "
        'content="WordPress 7.0.1" />\'; });',
    )
    report = check_site(Site(_settings(wp_lab, wp_lab.author)))
    assert report.wordpress_version == "7.0.1"
    warnings = [note for note in report.notes if "outside the versions the tests cover" in note]
    assert warnings == [
        "WordPress 7.0.1 is outside the versions the tests cover (6.1, 6.8): posts get the block markup of 6.8; "
        "open one in the block editor and look for 'This block contains unexpected or invalid content' before "
        "publishing more"
    ]


@pytest.mark.wordpress
def test_check_warns_when_the_site_hides_its_version(wp_lab: WordPressLab, mu_plugin: MuPlugin) -> None:
    mu_plugin("no-generator", "add_filter('the_generator', '__return_empty_string');")
    report = check_site(Site(_settings(wp_lab, wp_lab.admin)))
    assert report.ok, report.problems
    assert report.wordpress_version is None
    assert any(note.startswith("the site hides its WordPress version") for note in report.notes), report.notes


# ---------------------------------------------------------------- without a site


def test_parsers_read_both_generators() -> None:
    assert version_in_home_page('<head><meta name="generator" content="WordPress 6.8.12" />') == "6.8.12"
    assert version_in_home_page("<meta name='generator' content='WordPress 6.1.9'>") == "6.1.9"
    assert version_in_home_page('<meta name="generator" content="Site Kit by Google 1.2" />') is None
    assert version_in_feed("<generator>https://wordpress.org/?v=6.8.12</generator>") == "6.8.12"
    assert version_in_feed("<generator>Hugo</generator>") is None


@pytest.mark.parametrize(
    ("version", "markup"),
    [
        (None, "6.8"),
        ("6.8", "6.8"),
        ("6.8.12", "6.8"),
        ("6.9-RC1", "6.8"),
        ("7.0", "6.8"),
        ("6.7.2", "6.8"),
        ("6.2", "6.8"),
        ("6.1.9", "6.1"),
        ("5.9", "6.1"),
    ],
)
def test_markup_for_a_site_version(version: str | None, markup: str) -> None:
    assert markup_version(version) == markup
    assert SiteVersion(version, "home page").markup_version == markup


def test_tested_versions() -> None:
    assert TESTED_WP_VERSIONS == ("6.1", "6.8") and CURRENT_WP_VERSION == "6.8"
    assert is_tested("6.8.12") and is_tested("6.1") and not is_tested("6.7.1")
    assert SiteVersion("6.1.9", "feed").warning() is None
    assert SiteVersion(None, "hidden").tested is False
    with pytest.raises(RenderError, match="is not a WordPress version"):
        markup_version("six")
