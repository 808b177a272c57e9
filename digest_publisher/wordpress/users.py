"""Who the REST user is, in the words publishing needs: may they do this, and how to name them.

Publishing reads the user's capabilities before the transport does (a user without ``unfiltered_html``
gets a post verified before it goes public, see ``publishing.staging``); the transport asks again for
its own checks. Both read :meth:`WordPressClient.me`, which asks WordPress once per client.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import WordPressError
from .client import WordPressClient


def describe_user(me: Mapping[str, Any], username: str) -> str:
    """``'editor' (roles: editor)``: the user as messages name them."""
    roles = ", ".join(me.get("roles") or []) or "none"
    return f"{me.get('username') or username!r} (roles: {roles})"


class UserClient(WordPressClient):
    """A :class:`WordPressClient` that answers capability questions about its user."""

    def can(self, capability: str) -> bool:
        return bool((self.me().get("capabilities") or {}).get(capability))

    def who(self) -> str:
        return describe_user(self.me(), self.settings.username)


def require_capability(caps: Mapping[str, Any], capability: str, who: str, purpose: str) -> None:
    """Refuse, before anything is written, a user whose ``users/me`` capabilities lack ``capability``."""
    if not caps.get(capability):
        raise WordPressError(
            f"the user {who} lacks the capability {capability!r} needed to {purpose}; nothing was written",
            "Use an account with a role that has it (author or above to publish, editor or administrator "
            "to create categories), or change the post's status to 'draft'",
            status=403,
            code="capability_missing",
        )
