"""THE site of one command: built once by the CLI, handed to every verb, the only way to reach WordPress.

A :class:`Site` holds the settings (WORDPRESS_URL, the user, the timeout), ONE HTTP session and ONE REST client
over it (its REST root discovered once, or taken from a record or the posts folder's ``.sites.json`` and found
again once if it stopped working), the site's facts (``.sites.json``, read once per posts folder and kept up to
date in memory as the command adds to them), its WordPress version (the block markup it gets), and the
same-site rule: a verb gets a client for a post's record only through :meth:`Site.client_for`, which refuses a
record of another site, or one that names no site, with THE one message (:func:`other_site_error`) before any
request. Where requests may go (WORDPRESS_URL's scheme, host and port only) is the client's origin rule
(:mod:`.origin`), applied to every request this client sends.

The XML-RPC transport is handed out here too (:meth:`Site.xmlrpc_publisher`, :meth:`Site.xmlrpc_reader`): it
speaks through python-wordpress-xmlrpc's own connection, built from the same settings.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import WordPressError
from ..records.record import NO_SITE, PostRecord, SiteFacts, load_site_facts, update_site_facts
from .connection_settings import WordPressSettings
from .markup_versions import markup_version
from .site_version import site_wordpress_version
from .transport import Session
from .users import UserClient

if TYPE_CHECKING:
    from .xmlrpc import XmlRpcPublisher
    from .xmlrpc_reads import XmlRpcReader


class Site:
    """One WordPress site as one command sees it (see the module docstring). ``posts_dir``: the command's
    posts folder (``None``: no ``.sites.json`` is read or written unless a verb names a folder); ``dry_run``:
    the client sends reads only and records the writes it would send."""

    def __init__(
        self,
        settings: WordPressSettings,
        posts_dir: Path | None = None,
        *,
        dry_run: bool = False,
        session: Session | None = None,
    ) -> None:
        self.settings = settings
        self.posts_dir = posts_dir
        self.dry_run = dry_run
        self.session = session if session is not None else Session()
        self._client: UserClient | None = None
        self._facts: dict[Path, SiteFacts] = {}
        self.facts_read = 0  # times a .sites.json was read: once per posts folder per command

    @property
    def site_url(self) -> str:
        """WORDPRESS_URL as the key of "which site" (:attr:`WordPressSettings.site_url`)."""
        return self.settings.site_url

    # -- the one client ---------------------------------------------------------------------------

    @property
    def client(self) -> UserClient:
        """THE REST client of this command (one session, one REST root, discovered when first needed); for a
        post's record use :meth:`client_for`, which applies the same-site rule first."""
        if self._client is None:
            self._client = UserClient(self.settings, session=self.session, dry_run=self.dry_run)
        return self._client

    def client_for(self, folder: Path, record: PostRecord | None, posts_dir: Path | None = None) -> UserClient:
        """The client for the post of ``folder`` whose record is ``record``: refused (:meth:`check_record`)
        when the record is another site's, before any request. Until the root is known, the record's REST root
        (then the posts folder's) is the first one tried."""
        self.check_record(folder, record)
        client = self.client
        if client.cached_root is None:
            hint = record.rest_root if record is not None and record.transport in (None, "rest") else None
            hint = hint or self.facts(posts_dir).rest_root
            if hint:
                client.use_root(hint)
        return client

    def check_record(self, folder: Path, record: PostRecord | None) -> None:
        """THE same-site rule: raise :func:`other_site_error` when ``record`` is not WORDPRESS_URL's."""
        elsewhere = self.other_site(record)
        if elsewhere:
            raise other_site_error(folder, elsewhere, self.site_url)

    def other_site(self, record: PostRecord | None) -> str | None:
        """The site ``record`` belongs to when that is not this one (:meth:`PostRecord.other_site`)."""
        return record.other_site(self.site_url) if record is not None else None

    def xmlrpc_publisher(self) -> XmlRpcPublisher:
        """A publisher of one post over XML-RPC (loads python-wordpress-xmlrpc only when used)."""
        from .xmlrpc import XmlRpcPublisher

        return XmlRpcPublisher(self.settings, dry_run=self.dry_run)

    def xmlrpc_reader(self) -> XmlRpcReader:
        """Reads posts and revisions over XML-RPC (``status`` and ``history --transport xmlrpc``)."""
        from .xmlrpc_reads import XmlRpcReader

        return XmlRpcReader(self.settings)

    # -- what the posts folder remembers about the site -------------------------------------------

    def facts(self, posts_dir: Path | None = None) -> SiteFacts:
        """What ``posts_dir`` (default: the command's posts folder) remembers about this site: read once."""
        where = posts_dir if posts_dir is not None else self.posts_dir
        if where is None:
            return SiteFacts()
        if where not in self._facts:
            self.facts_read += 1
            self._facts[where] = load_site_facts(where, self.site_url)
        return self._facts[where]

    def remember(
        self,
        posts_dir: Path | None,
        *,
        rest_root: str | None = None,
        media: dict[str, int] | None = None,
        terms: dict[str, dict[str, int]] | None = None,
        wp_version: tuple[str, str] | None = None,
    ) -> None:
        """Add to ``posts_dir``'s facts about the site (``.sites.json``, merged under its lock), and to this
        command's copy of them, so that the next post of the command starts from them without reading again."""
        if posts_dir is None:
            return
        update_site_facts(posts_dir, self.site_url, rest_root=rest_root, media=media, terms=terms,
                          wp_version=wp_version)  # fmt: skip
        known = self.facts(posts_dir)
        merged = {t: dict(ids) for t, ids in known.terms.items()}
        for taxonomy, ids in (terms or {}).items():
            merged.setdefault(taxonomy, {}).update(ids)
        self._facts[posts_dir] = replace(
            known,
            rest_root=rest_root or known.rest_root,
            media={**known.media, **(media or {})},
            terms=merged,
            wp_version=wp_version[0] if wp_version else known.wp_version,
            wp_version_seen=wp_version[1] if wp_version else known.wp_version_seen,
        )

    # -- which block markup the site gets ---------------------------------------------------------

    def markup_version(
        self, posts_dir: Path | None = None, *, refresh: bool = False, quiet: bool = False
    ) -> str | None:
        """The WordPress version whose block markup to send this site: remembered in the posts folder's site
        facts, read from the site (one anonymous page) when unknown, a day old, or ``refresh``, then remembered.
        ``quiet``: None instead of an error when the site does not answer (``status`` reports that per post)."""
        where = posts_dir if posts_dir is not None else self.posts_dir
        facts = self.facts(where)
        now = datetime.now(UTC)
        if not refresh and facts.wp_version and facts.wp_version_seen:
            try:
                fresh = now - datetime.fromisoformat(facts.wp_version_seen) < timedelta(days=1)
            except ValueError:
                fresh = False
            if fresh:
                return markup_version(facts.wp_version)
        try:
            found = site_wordpress_version(self.client)
        except WordPressError:
            if quiet:
                return None
            raise
        # A version not found is not remembered: the site may hide it, or may just not have answered this time.
        if found.version is not None:
            self.remember_version(where, found.version, now)
        return found.markup_version

    def remember_version(self, posts_dir: Path | None, version: str, when: datetime | None = None) -> None:
        """Remember the site's WordPress version for the posts in ``posts_dir`` (``check``, the first publish)."""
        if posts_dir is not None and posts_dir.is_dir():
            self.remember(posts_dir, wp_version=(version, (when or datetime.now(UTC)).isoformat()))


def remembered_markup_version(site_url: str, posts_dir: Path) -> str | None:
    """The markup version remembered for ``site_url`` (no request, no Site: ``render`` and ``preview`` need no
    settings): what a local preview targets, so that the preview is what ``publish`` will send. None when the
    site was never checked or published to."""
    version = load_site_facts(posts_dir, site_url).wp_version if site_url else None
    return markup_version(version) if version else None


def other_site_error(folder: Path, elsewhere: str, site_url: str) -> WordPressError:
    """THE refusal of every verb for a record of another site (or of no recorded site): why it is not applied
    to WORDPRESS_URL, and the ways forward."""
    if elsewhere == NO_SITE:
        return WordPressError(
            f"{folder / 'record.json'} names no site_url (an old or hand-edited record), so its post may be "
            f"another site's: nothing was sent to WORDPRESS_URL {site_url}",
            f"If its post is on {site_url}, bind it once with `digest-publisher republish --all --rebind-site "
            f"{site_url}` (it first checks that the post there holds what this record published); otherwise "
            "set WORDPRESS_URL to the site it was published to, or keep a separate --posts-dir per site",
            code="other_site",
        )
    return WordPressError(
        f"{folder / 'record.json'} belongs to {elsewhere}, not to WORDPRESS_URL {site_url}: nothing was sent",
        f"If the site moved there (http to https, a new domain), bind its records to it once with "
        f"`digest-publisher republish --all --rebind-site {elsewhere}`; otherwise set WORDPRESS_URL to "
        f"{elsewhere}, or keep a separate --posts-dir per site",
        code="other_site",
    )
