"""Which WordPress a site runs: the version decides the block markup to send (see ``wordpress.markup_versions``).

Measured on WordPress 6.1.9 and 6.8.12 (the project's test labs), the same for every user since both pages
are public:

* the home page's ``<meta name="generator" content="WordPress 6.8.12" />`` (``wp_head``);
* else the RSS feed's ``<generator>https://wordpress.org/?v=6.8.12</generator>``, at ``/?feed=rss2`` in every
  permalink mode (security plugins often remove only the meta tag).

The REST API does not state the version: an authenticated ``GET /wp-json/`` has no such field, and its
``Link`` headers carry none. A site that hides both generators gets ``None``: callers then target the current
line (``wordpress.markup_versions.markup_version(None)``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .client import WordPressClient
from .markup_versions import TESTED_WP_VERSIONS, is_tested, markup_version

_META_GENERATOR = re.compile(r'<meta[^>]+name=["\']generator["\'][^>]+content=["\']WordPress ([0-9][^"\']*)["\']', re.I)
_FEED_GENERATOR = re.compile(r"<generator>\s*https?://wordpress\.org/\?v=([0-9][^<\s]*)\s*</generator>", re.I)


@dataclass(frozen=True)
class SiteVersion:
    """A site's WordPress version as found (``version`` None: hidden), and where it was found."""

    version: str | None
    source: str  # "home page" | "feed" | "hidden"

    @property
    def tested(self) -> bool:
        """Whether the tests cover this version (a hidden one is not known to be covered)."""
        return self.version is not None and is_tested(self.version)

    @property
    def markup_version(self) -> str:
        """The tested version whose block markup to send this site (``render_post(wp_version=...)``)."""
        return markup_version(self.version)

    def warning(self) -> str | None:
        """A sentence for ``check`` when the version is hidden or outside the tested ones, else None."""
        tested = ", ".join(TESTED_WP_VERSIONS)
        if self.version is None:
            return (
                "the site hides its WordPress version (no generator tag on the home page or in the feed): "
                f"posts get the block markup of WordPress {self.markup_version}, the current line; the tests "
                f"cover {tested}"
            )
        if not self.tested:
            return (
                f"WordPress {self.version} is outside the versions the tests cover ({tested}): posts get the "
                f"block markup of {self.markup_version}; open one in the block editor and look for "
                "'This block contains unexpected or invalid content' before publishing more"
            )
        return None


def version_in_home_page(html: str) -> str | None:
    """The version in a home page's generator meta tag."""
    match = _META_GENERATOR.search(html)
    return match.group(1) if match else None


def version_in_feed(xml: str) -> str | None:
    """The version in an RSS feed's ``<generator>``."""
    match = _FEED_GENERATOR.search(xml)
    return match.group(1) if match else None


def site_wordpress_version(client: WordPressClient) -> SiteVersion:
    """Find the site's WordPress version: the home page (already fetched by REST discovery when it had to
    be), else the RSS feed. Anonymous GETs, so the result is the same for an admin and an author."""
    site = client.settings.site_url
    home = client.home_html if client.home_html is not None else client.get_page(site + "/")
    found = version_in_home_page(home or "")
    if found is not None:
        return SiteVersion(found, "home page")
    found = version_in_feed(client.get_page(site + "/?feed=rss2") or "")
    if found is not None:
        return SiteVersion(found, "feed")
    return SiteVersion(None, "hidden")
