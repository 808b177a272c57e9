"""The shapes of the REST answers this tool reads, checked once in the client so that a reply of the wrong
shape (``[]``, ``null``, a string where an id belongs) is one clear error, never a traceback deeper in.

Only what the callers rely on is checked: whether a route answers an object or a list of objects, that
objects carry an integer ``id`` (unless ``_fields`` leaves it out), and the types of the fields read when they
are present (a ``_fields`` request omits the others).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# Field -> the JSON types it may have (None allowed where WordPress sends null).
_FIELD_TYPES: dict[str, tuple[type, ...]] = {
    "id": (int,),
    "slug": (str,),
    "status": (str,),
    "link": (str,),
    "name": (str,),
    "parent": (int,),
    "author": (int,),
    "featured_media": (int,),
    "modified_gmt": (str, type(None)),
    "date_gmt": (str, type(None)),
    "source_url": (str,),
    "title": (dict, str),
    "content": (dict, str),
    "excerpt": (dict, str),
    "categories": (list,),
    "tags": (list,),
    "roles": (list,),
    "capabilities": (dict, list),  # PHP sends an empty map as []
    "username": (str,),
    "namespaces": (list,),
}
_LIST_OF_INTS = frozenset({"categories", "tags"})

# Routes that answer a list of objects on GET (everything else answers one object).
_COLLECTION = re.compile(
    r"^wp/v2/(posts|pages|media|categories|tags|users|(posts|pages)/\d+/revisions|posts/\d+/autosaves)$"
)
# Routes whose objects are WordPress items with an id (the API index and a DELETE's answer are not).
_ITEM = re.compile(r"^wp/v2/(posts|pages|media|categories|tags|users)(/(\d+|me))?(/(revisions|autosaves)(/\d+)?)?$")


def shape_problem(method: str, route: str, data: Any, params: Mapping[str, Any] | None) -> str | None:
    """What is wrong with the shape of a successful answer (None when nothing is)."""
    route = route.strip("/")
    fields = str((params or {}).get("_fields", ""))
    needs_id = not fields or "id" in fields.split(",")
    if method == "GET" and _COLLECTION.match(route):
        if not isinstance(data, list):
            return f"{_kind(data)} where WordPress answers a list of objects"
        for index, item in enumerate(data):
            problem = _object_problem(item, needs_id)
            if problem:
                return f"item {index}: {problem}"
        return None
    if method == "DELETE":
        return None if isinstance(data, dict) else f"{_kind(data)} where WordPress answers an object"
    return _object_problem(data, needs_id and bool(_ITEM.match(route)))


def _object_problem(item: Any, needs_id: bool) -> str | None:
    if not isinstance(item, dict):
        return f"{_kind(item)} where WordPress answers an object"
    if needs_id and "id" not in item:
        return "an object without its 'id'"
    for key, types in _FIELD_TYPES.items():
        wrong = key in item and (not isinstance(item[key], types) or (key == "id" and isinstance(item[key], bool)))
        if wrong:
            return f"field {key!r} is {_kind(item[key])}"
        if key in _LIST_OF_INTS and key in item and not all(
            isinstance(v, int) and not isinstance(v, bool) for v in item[key]
        ):
            return f"field {key!r} holds something else than ids"
    return None


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", int: "a number", float: "a number"}
    shown = repr(value) if not isinstance(value, dict | list) else ("[]" if value == [] else "")
    return names.get(type(value), type(value).__name__) + (f" ({shown[:40]})" if shown else "")
