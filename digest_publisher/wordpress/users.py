"""Who the REST user is (``GET users/me?context=edit``), asked once per publish.

Publishing reads the user's capabilities before the transport does (a user without ``unfiltered_html``
gets a post verified before it goes public, see ``publishing.staging``); the transport asks again for
its own checks. :class:`UserClient` answers the second ask from memory, so that costs no request.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .client import ApiResponse, WordPressClient

ME_ROUTE = "wp/v2/users/me"


class UserClient(WordPressClient):
    """A :class:`WordPressClient` that asks ``users/me`` (edit context) once."""

    _me: ApiResponse | None = None

    def get(
        self,
        route: str,
        params: Mapping[str, Any] | None = None,
        *,
        auth: bool = True,
        label: str = "",
        accept_codes: frozenset[str] = frozenset(),
    ) -> ApiResponse:
        if route != ME_ROUTE or dict(params or {}) != {"context": "edit"} or not auth:
            return super().get(route, params, auth=auth, label=label, accept_codes=accept_codes)
        if self._me is None:
            self._me = super().get(route, params, label=label or "who am I", accept_codes=accept_codes)
        return self._me

    def me(self) -> Mapping[str, Any]:
        """The user as WordPress describes it to itself (username, roles, capabilities)."""
        data = self.get(ME_ROUTE, {"context": "edit"}, label="who am I").data
        return data if isinstance(data, dict) else {}

    def can(self, capability: str) -> bool:
        return bool((self.me().get("capabilities") or {}).get(capability))

    def who(self) -> str:
        me = self.me()
        roles = ", ".join(me.get("roles") or []) or "none"
        return f"{me.get('username') or self.settings.username!r} (roles: {roles})"
