"""`check` tells the usual connection problems apart, against the real WordPress."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from digest_publisher.wordpress.check import check_site
from digest_publisher.wordpress.site import Site
from digest_publisher.wordpress.transport import Response, Session
from tests.publishing.pubhelpers import Lab, Rest, settings_for

pytestmark = pytest.mark.wordpress


def test_all_good_as_admin(wp_lab: Lab, admin_rest: Rest) -> None:
    report = check_site(Site(settings_for(wp_lab, wp_lab.admin)))

    assert report.ok, report.problems
    assert report.site_name == admin_rest.site_name()
    assert report.wordpress_version is not None and re.match(r"^\d+\.\d+", report.wordpress_version)
    assert report.user == "admin" and report.roles == ["administrator"]
    assert report.can_create_categories is True and report.unfiltered_html is True


def test_author_is_told_which_capability_a_post_needs(wp_lab: Lab, token: str) -> None:
    report = check_site(Site(settings_for(wp_lab, wp_lab.author)), categories=(f"Nowhere {token}",))

    assert report.kinds == ["missing-capability"]
    assert f"'Nowhere {token}'" in report.problems[0].message
    assert "may not create categories" in report.problems[0].message
    assert report.roles == ["author"] and report.can_create_categories is False
    assert any("unfiltered_html" in note for note in report.notes)


def test_wrong_password(wp_lab: Lab) -> None:
    report = check_site(Site(settings_for(wp_lab, wp_lab.author, app_password="aaaa bbbb cccc dddd eeee ffff")))

    assert report.kinds == ["wrong-credentials"]
    assert "aaaa" not in str(report.to_dict())


@pytest.mark.parametrize("role", ["admin", "author"])
def test_login_password_instead_of_an_application_password(wp_lab: Lab, role: str) -> None:
    user = wp_lab.admin if role == "admin" else wp_lab.author
    report = check_site(Site(settings_for(wp_lab, user, app_password=user.password)))

    assert report.kinds == ["login-password"]
    assert "holds the login password" in report.problems[0].message
    assert "Users > Profile > Application Passwords" in report.problems[0].hint
    assert "CGIPassAuth" not in str(report.to_dict()) and user.password not in str(report.to_dict())


class HeaderStrippingSession(Session):
    """Behaves like Apache + CGI without CGIPassAuth: the Authorization header never reaches PHP."""

    def request(self, method: str, url: str, *, headers: Mapping[str, str] | None = None, **kwargs: Any) -> Response:
        kept = {name: value for name, value in (headers or {}).items() if name.lower() != "authorization"}
        return super().request(method, url, headers=kept, **kwargs)


def test_authorization_header_stripped_by_the_web_server(wp_lab: Lab) -> None:
    report = check_site(Site(settings_for(wp_lab, wp_lab.admin), session=HeaderStrippingSession()))

    assert report.kinds == ["auth-header-stripped"]
    assert "CGIPassAuth" in report.problems[0].hint


def test_application_passwords_unavailable(wp_lab: Lab, mu_plugin: Callable[[str, str], None]) -> None:
    # What WordPress does on a non-local site over plain http.
    mu_plugin("no-app-passwords", "add_filter('wp_is_application_passwords_available', '__return_false');")

    report = check_site(Site(settings_for(wp_lab, wp_lab.admin)))

    assert report.kinds == ["app-passwords-off"]
    assert "HTTPS" in report.problems[0].message and "WP_ENVIRONMENT_TYPE" in report.problems[0].hint


def test_rest_api_blocked_by_a_security_plugin(wp_lab: Lab, mu_plugin: Callable[[str, str], None]) -> None:
    # What "Disable REST API"-style plugins do.
    mu_plugin(
        "block-rest",
        "add_filter('rest_authentication_errors', function ($r) { return new WP_Error("
        "'rest_cannot_access', 'Only authenticated users can access the REST API.', "
        "array('status' => 401)); });",
    )

    report = check_site(Site(settings_for(wp_lab, wp_lab.admin)))

    assert "rest-blocked" in report.kinds
    assert "rest_cannot_access" in report.problems[0].message
    assert "xmlrpc" in report.problems[0].hint
