"""A 401 from any route means one thing (not logged in), so every command says the same: wrong user or
Application Password. Measured on the real WordPress: each route words its own 401 differently."""

from __future__ import annotations

import pytest

from digest_publisher.errors import WordPressError
from digest_publisher.wordpress.client import WordPressClient
from tests.publishing.pubhelpers import Lab, settings_for

pytestmark = pytest.mark.wordpress

WRONG = "aaaa bbbb cccc dddd eeee ffff"

# What `status`, `republish`, `history` and `check` ask for; WordPress answers 401 to each with its own code
# ("Status is forbidden." nested in rest_invalid_param, rest_forbidden_context, rest_cannot_read ...).
ROUTES = [
    ("wp/v2/posts", {"status": "draft", "slug": "x"}),
    ("wp/v2/posts/1", {"context": "edit"}),
    ("wp/v2/posts/1/revisions", {"context": "edit"}),
    ("wp/v2/users/me", {"context": "edit"}),
]


@pytest.mark.parametrize("role", ["admin", "author"])
@pytest.mark.parametrize(("route", "params"), ROUTES)
def test_every_401_is_diagnosed_as_wrong_credentials(
    wp_lab: Lab, role: str, route: str, params: dict[str, str]
) -> None:
    user = wp_lab.admin if role == "admin" else wp_lab.author
    client = WordPressClient(settings_for(wp_lab, user, app_password=WRONG))
    with pytest.raises(WordPressError) as caught:
        client.get(route, params)
    error = caught.value
    assert error.status == 401
    assert error.message.startswith(
        f"wrong user or Application Password: WordPress did not log in the user {user.username!r}"
    )
    assert "WORDPRESS_APP_PASSWORD" in (error.hint or "") and "digest-publisher check" in (error.hint or "")
    for misleading in ("capability", "post.md", "Status is forbidden", "not allowed"):
        assert misleading not in str(error), misleading
    assert "aaaa" not in str(error)
