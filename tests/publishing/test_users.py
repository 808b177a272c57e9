"""Who the REST user is: ``users/me`` asked once per client, whatever asks (capabilities, names, the
transport's own checks), against the real WordPress."""

from __future__ import annotations

import pytest

from digest_publisher.wordpress.users import UserClient
from tests.publishing.pubhelpers import Lab, settings_for

pytestmark = pytest.mark.wordpress


def test_users_me_is_asked_once_per_client(wp_lab: Lab) -> None:
    client = UserClient(settings_for(wp_lab, wp_lab.author), rest_root=f"{wp_lab.url}/wp-json/")

    assert client.can("edit_posts") and not client.can("manage_options")
    assert client.who() == f"{wp_lab.author.username!r} (roles: author)"
    assert client.me()["username"] == wp_lab.author.username

    asked = [entry for entry in client.log if entry.url.split("?")[0].endswith("wp/v2/users/me")]
    assert len(asked) == 1 and client.request_count == 1, client.planned_requests()


def test_another_client_asks_again(wp_lab: Lab) -> None:
    settings = settings_for(wp_lab, wp_lab.admin)
    first = UserClient(settings, rest_root=f"{wp_lab.url}/wp-json/")
    second = UserClient(settings, rest_root=f"{wp_lab.url}/wp-json/")

    assert first.can("manage_options") and second.can("manage_options")
    assert (first.request_count, second.request_count) == (1, 1)
