"""post.md's front matter read safely: one JSON object by ``json`` (no PyYAML loaded), anything else by PyYAML's
safe loader (libyaml's when present) with arXiv ids kept as strings and YAML aliases refused before anything
is built. :func:`~digest_publisher.records.source.parse_post_source` checks the values either way."""

from __future__ import annotations

import functools
import json
import re
from typing import TYPE_CHECKING, Any

from ..errors import PostSourceError

if TYPE_CHECKING:
    import yaml


@functools.cache
def _front_matter_loader() -> type[yaml.SafeLoader]:
    """SafeLoader that reads arXiv ids (``2605.21630``) as strings, not as floats that lose a zero; libyaml's
    parser when PyYAML has it (its wheels do): ten times faster, and ``status`` reads every post.md. Built
    on first use: a command that reads no front matter (an unchanged re-publish) never loads PyYAML."""
    import yaml

    class FrontMatterLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
        pass

    FrontMatterLoader.yaml_implicit_resolvers = {
        key: list(value) for key, value in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    for digit in "0123456789":
        FrontMatterLoader.yaml_implicit_resolvers.setdefault(digit, []).insert(
            0, ("tag:yaml.org,2002:str", re.compile(r"^\d{4}\.\d{4,5}(?:v\d+)?$"))
        )
    return FrontMatterLoader


def _refuse_aliases(text: str, where: str) -> None:
    """YAML aliases (``*name``) are refused before anything is built: nine nested aliases of nine make
    a billion strings out of a few hundred bytes (the "alias bomb")."""
    import yaml

    for event in yaml.parse(text, Loader=_front_matter_loader()):
        if isinstance(event, yaml.AliasEvent):
            line = event.start_mark.line + 2 if event.start_mark is not None else 0
            raise PostSourceError(
                f"{where}:{line}: front matter uses a YAML alias (*{event.anchor}); aliases are not read",
                "Write the value out in full",
            )


def yaml_front_matter(text: str, where: str) -> Any:
    """The front matter as this reader's YAML reads it (aliases refused); an error names the line."""
    import yaml  # loaded by the commands that read YAML front matter only

    try:
        _refuse_aliases(text, where)
        return yaml.load(text, Loader=_front_matter_loader()) or {}  # noqa: S506 (a SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 2}" if mark is not None else ""
        raise PostSourceError(f"{where}{line}: front matter is not valid YAML ({exc})", "Fix the YAML") from exc


def json_front_matter(text: str) -> dict[str, Any] | None:
    """Front matter written as one JSON object (JSON is YAML's flow style), read by ``json`` without loading
    PyYAML; None when it is not that, or holds a value YAML may read otherwise (a float: ``2605.21630`` is
    an arXiv id to this reader's YAML, ``1e5`` a string to YAML 1.1), so the YAML reader decides."""
    if not text.lstrip().startswith("{"):
        return None
    try:
        meta = json.loads(text)
    except (ValueError, RecursionError):  # not JSON, or nested past json's limit: YAML's reader says why
        return None
    if not isinstance(meta, dict) or _has_float(meta):
        return None
    return meta


def _has_float(value: Any) -> bool:
    if isinstance(value, float):
        return True
    if isinstance(value, dict):
        return any(_has_float(item) for item in value.values())
    if isinstance(value, list):
        return any(_has_float(item) for item in value)
    return False
