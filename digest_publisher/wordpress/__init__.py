"""Everything that speaks to WordPress: the REST client and publisher, the XML-RPC publisher, ``check``.

    settings.py   WORDPRESS_URL / WORDPRESS_USERNAME / WORDPRESS_APP_PASSWORD / WORDPRESS_TIMEOUT
    client.py     the one HTTP client of the REST API (discovery, retries, errors, request counts)
    rest.py       publish one post over REST: terms, featured image, create-or-update, verification
    xmlrpc.py     the same over XML-RPC (python-wordpress-xmlrpc), for sites without REST
    check.py      diagnose the connection: credentials, Application Passwords, stripped headers ...
    common.py     what both transports share: outcome, ownership marker, comparisons

The core functions that use these are in :mod:`digest_publisher.publishing`.
"""

from __future__ import annotations

from .check import CheckReport, Finding, check_site
from .client import ApiResponse, WordPressClient, wordpress_error
from .common import KnownState, PostTransport, PublishOutcome
from .rest import RestPublisher
from .settings import WordPressSettings, load_wordpress_settings

__all__ = [
    "ApiResponse",
    "CheckReport",
    "Finding",
    "KnownState",
    "PostTransport",
    "PublishOutcome",
    "RestPublisher",
    "WordPressClient",
    "WordPressSettings",
    "check_site",
    "load_wordpress_settings",
    "wordpress_error",
]
