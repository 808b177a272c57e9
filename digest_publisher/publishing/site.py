"""Which block markup a site gets: its WordPress version, found once and remembered per site.

The renderer emits the markup that the site's own editor saves (see :mod:`digest_publisher.wordpress.markup_versions`),
so a post opened and saved in the editor without a change stays byte for byte what was published.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from ..errors import WordPressError
from ..records.record import load_site_facts, update_site_facts
from ..wordpress.client import WordPressClient
from ..wordpress.connection_settings import WordPressSettings
from ..wordpress.markup_versions import markup_version
from ..wordpress.site_version import site_wordpress_version


def site_markup_version(
    settings: WordPressSettings, posts_dir: Path, *, refresh: bool = False, quiet: bool = False
) -> str | None:
    """The WordPress version whose block markup to send this site: remembered per site in the posts folder's
    site facts, read from the site (one anonymous page) when unknown, a day old, or ``refresh``.
    ``quiet``: None instead of an error when the site does not answer (``status`` reports that per post)."""
    facts = load_site_facts(posts_dir, settings.site_url)
    now = datetime.now(UTC)
    if not refresh and facts.wp_version and facts.wp_version_seen:
        try:
            fresh = now - datetime.fromisoformat(facts.wp_version_seen) < timedelta(days=1)
        except ValueError:
            fresh = False
        if fresh:
            return markup_version(facts.wp_version)
    try:
        found = site_wordpress_version(WordPressClient(settings))
    except WordPressError:
        if quiet:
            return None
        raise
    # A version not found is not remembered: the site may hide it, or may just not have answered this time.
    if found.version is not None:
        remember_version(settings, posts_dir, found.version, now)
    return found.markup_version


def remember_version(settings: WordPressSettings, posts_dir: Path, version: str, when: datetime | None = None) -> None:
    """Remember the site's WordPress version for the posts in ``posts_dir`` (``check`` and the first publish)."""
    if posts_dir.is_dir():
        seen = (when or datetime.now(UTC)).isoformat()
        update_site_facts(posts_dir, settings.site_url, wp_version=(version, seen))


def remembered_markup_version(site_url: str, posts_dir: Path) -> str | None:
    """The markup version remembered for ``site_url`` (no request): what a local preview targets, so that the
    preview is what ``publish`` will send. None when the site was never checked or published to."""
    version = load_site_facts(posts_dir, site_url).wp_version if site_url else None
    return markup_version(version) if version else None
