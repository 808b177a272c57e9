"""Tell an editor's migration of our block markup from a person's edit.

WordPress's block editor re-saves what it opens in the markup of its own version. A post published with 6.1's
markup and opened in 6.8 (the site was upgraded, say) is saved back with ``class="wp-block-heading"``,
``class="wp-block-list"`` and ``{"hasFixedLayout":false}`` when somebody clicks Update, without a word
changed; 6.1's editor, given 6.8's markup, moves those classes into ``"className"``. Posts written by a user
without ``unfiltered_html`` are stored in kses's spelling (`` />``, ``&#091;``), which the editor spells back
its own way (``/>``, ``[``). None of that is a human edit.

:func:`normal_form` maps all of these spellings of one post to a single string; two contents are the same post
apart from editor migration exactly when their normal forms are equal (:func:`same_apart_from_migration`).
Anything a reader could see differently (text, links, a heading level, a fixed table layout) survives the
normal form, so it still counts as an edit.
"""

from __future__ import annotations

import json
import re
from typing import Any

# WP_Block_Parser::next_token()'s delimiter pattern.
BLOCK_DELIMITER = re.compile(
    r"<!--\s+(?P<closer>/)?wp:(?P<namespace>[a-z][a-z0-9_-]*/)?(?P<name>[a-z][a-z0-9_-]*)\s+"
    r"(?P<attrs>\{(?:(?:[^}]+|\}+(?=\})|(?!\}\s+/?-->).)*+)?\}\s+)?(?P<void>/)?-->",
    re.DOTALL,
)

# Classes a version's editor adds to a block's HTML, and the block whose HTML carries them.
_VERSION_CLASSES: dict[str, tuple[re.Pattern[str], str]] = {
    "core/heading": (re.compile(r"^h[1-6]$", re.ASCII), "wp-block-heading"),
    "core/list": (re.compile(r"^(?:ol|ul)$", re.ASCII), "wp-block-list"),
}
_MIGRATION_CLASSES = frozenset(css for _, css in _VERSION_CLASSES.values())
# Comment attributes whose presence depends on the version's defaults, not on the post: the table's layout
# is also stated by the HTML (``class="has-fixed-layout"`` on <table>), which the normal form keeps.
_VERSION_DEFAULT_ATTRS = {"core/table": ("hasFixedLayout",)}

_OPEN_TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9]*)((?:\s[^<>]*?)?)\s*(/?)>", re.ASCII)
_CLASS_ATTR = re.compile(r"""\sclass=(?:"([^"]*)"|'([^']*)')""", re.ASCII | re.IGNORECASE)
_NUMERIC_REF = re.compile(r"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));")
# Characters whose reference is markup, not spelling: decoding them would change the HTML.
_KEEP_ESCAPED = frozenset("<>&\"'")


def normal_form(content: str) -> str:
    """One spelling for every version's editor serialisation of the same blocks (see the module docstring).

    Block comments lose the ``className`` tokens and default-dependent attributes the editors add; heading and
    list tags lose ``wp-block-heading`` / ``wp-block-list``; self-closing tags are written ``<tag .../>``; and
    numeric character references become the characters (``&#091;`` / ``&#91;`` -> ``[``) except for ``< > & " '``.
    """
    out: list[str] = []
    pos = 0
    # The block each stretch of HTML belongs to (innermost open block).
    stack: list[str] = []
    for match in BLOCK_DELIMITER.finditer(content):
        out.append(_normal_html(content[pos : match.start()], stack[-1] if stack else None))
        pos = match.end()
        name = (match.group("namespace") or "core/") + match.group("name")
        if match.group("closer"):
            out.append(f"<!-- /wp:{match.group('namespace') or ''}{match.group('name')} -->")
            if stack:
                stack.pop()
            continue
        out.append(_normal_comment(match.group("namespace") or "", match.group("name"), name, match.group("attrs")))
        if match.group("void"):
            out[-1] = out[-1][: -len("-->")] + "/-->"
        else:
            stack.append(name)
    out.append(_normal_html(content[pos:], stack[-1] if stack else None))
    return "".join(out)


def same_apart_from_migration(before: str, after: str) -> bool:
    """Whether ``after`` is ``before`` as some version's editor (or kses) re-spelled it: no human edit."""
    return before == after or normal_form(before) == normal_form(after)


def _normal_comment(namespace: str, short_name: str, name: str, attrs_json: str | None) -> str:
    attrs: dict[str, Any] = json.loads(attrs_json) if attrs_json else {}
    for key in _VERSION_DEFAULT_ATTRS.get(name, ()):
        attrs.pop(key, None)
    if isinstance(attrs.get("className"), str):
        kept = [css for css in attrs["className"].split() if css not in _MIGRATION_CLASSES]
        if kept:
            attrs["className"] = " ".join(kept)
        else:
            del attrs["className"]
    body = f" {json.dumps(attrs, separators=(',', ':'), ensure_ascii=False)}" if attrs else ""
    return f"<!-- wp:{namespace}{short_name}{body} -->"


def _normal_html(html: str, block: str | None) -> str:
    tag_rule = _VERSION_CLASSES.get(block) if block is not None else None

    def tag(match: re.Match[str]) -> str:
        name, attrs, void = match.group(1), match.group(2), match.group(3)
        if tag_rule is not None and tag_rule[0].match(name.lower()):
            attrs = _without_class(attrs, tag_rule[1])
        return f"<{name}{attrs}{'/' if void else ''}>"

    def char(match: re.Match[str]) -> str:
        code = int(match.group(1), 16) if match.group(1) else int(match.group(2))
        if code == 0 or code > 0x10FFFF or chr(code) in _KEEP_ESCAPED:
            return match.group(0)
        return chr(code)

    return _NUMERIC_REF.sub(char, _OPEN_TAG.sub(tag, html))


def _without_class(attrs: str, css: str) -> str:
    found = _CLASS_ATTR.search(attrs)
    if found is None:
        return attrs
    value = found.group(1) if found.group(1) is not None else found.group(2)
    kept = [token for token in value.split() if token != css]
    replacement = f' class="{" ".join(kept)}"' if kept else ""
    return attrs[: found.start()] + replacement + attrs[found.end() :]
