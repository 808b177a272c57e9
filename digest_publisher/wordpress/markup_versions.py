"""Which WordPress versions the project targets, and which block markup each one's editor saves.

The block editor changes what it saves between releases (measured with the real editor of each version,
see tests/render/test_browser.py): from WordPress 6.2 headings carry ``class="wp-block-heading"``, later
lists ``class="wp-block-list"``, and 6.8's table block defaults to a fixed layout (so an auto-layout table
states ``{"hasFixedLayout":false}``). Markup of the wrong version still opens, but the editor migrates it:
an editor who clicks Update without changing a word changes the stored content.

The tests cover :data:`TESTED_WP_VERSIONS`; :func:`markup_version` picks the markup for any site version.
"""

from __future__ import annotations

import re

from ..errors import RenderError

#: The WordPress release lines the test suite runs against, oldest first; the last is the current line.
TESTED_WP_VERSIONS: tuple[str, ...] = ("6.1", "6.8")
CURRENT_WP_VERSION = TESTED_WP_VERSIONS[-1]

# From which release on the editor saves each tested version's markup, as far as it matters: 6.2 is the
# release whose editor started saving headings with ``wp-block-heading`` (the 6.1 markup is migrated from
# then on; the 6.8 markup's other differences are at worst extra class names there, which stay valid).
_MARKUP_FROM: tuple[tuple[str, tuple[int, int]], ...] = (("6.1", (0, 0)), ("6.8", (6, 2)))

_VERSION = re.compile(r"^\s*(\d+)\.(\d+)(?:\.\d+)*(?:[-+ ].*)?\s*$")


def release_line(version: str) -> tuple[int, int]:
    """``"6.8.12"`` -> ``(6, 8)``; also ``"6.8"``, ``"6.9-RC1"``. Raises :class:`RenderError` otherwise."""
    match = _VERSION.match(version)
    if match is None:
        raise RenderError(
            f"{version!r} is not a WordPress version",
            f"Give a version like {CURRENT_WP_VERSION} (the release line) or {CURRENT_WP_VERSION}.1",
        )
    return int(match.group(1)), int(match.group(2))


def is_tested(version: str) -> bool:
    """Whether ``version`` (a release line or a full version) is one the tests cover."""
    return release_line(version) in {release_line(v) for v in TESTED_WP_VERSIONS}


def markup_version(version: str | None) -> str:
    """The tested version whose block markup to emit for a site running ``version``.

    ``None`` (unknown, e.g. a site that hides its version): the current line. Otherwise 6.1's markup up to
    6.1 and 6.8's from 6.2 on (newer releases than 6.8 included): a tested line gets its own markup, an
    untested one the markup its editor is closest to (``check`` warns about those).
    """
    if version is None:
        return CURRENT_WP_VERSION
    line = release_line(version)
    return [tested for tested, since in _MARKUP_FROM if since <= line][-1]
