"""JSON arrays of listing-shaped records: parsed whole (such files are small), element by element so
that each record keeps its line number."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

from ..models import Paper
from .fields import bad_record, date_in_name, json_problem, listing_paper
from .file_io import read_text

_WHITESPACE = re.compile(r"[ \t\r\n]*")


def iter_json_array(path: Path) -> Iterator[Paper]:
    text = read_text(path)
    name = str(path)
    decoder = json.JSONDecoder()
    pos = _WHITESPACE.match(text, 0).end()  # type: ignore[union-attr]  # `*` always matches
    if not text.startswith("[", pos):
        line = text.count("\n", 0, pos) + 1
        raise bad_record(
            f"{name}:{line}",
            "expected a JSON array of paper records ('[' ...)",
            "Use a .jsonl file for one record per line, or pass --format",
        )
    pos += 1
    line, counted_to = 1, 0
    index = 0
    listing_date = date_in_name(path)
    while True:
        pos = _WHITESPACE.match(text, pos).end()  # type: ignore[union-attr]
        if text.startswith("]", pos):
            break
        if index:
            if not text.startswith(",", pos):
                line += text.count("\n", counted_to, pos)
                raise bad_record(
                    f"{name}:{line}",
                    f"malformed JSON: expected ',' or ']' after record {index}",
                    "Fix the JSON array",
                )
            pos = _WHITESPACE.match(text, pos + 1).end()  # type: ignore[union-attr]
        line += text.count("\n", counted_to, pos)
        counted_to = pos
        where = f"{name}:{line}"
        try:
            record, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise bad_record(
                f"{name}:{exc.lineno}",
                json_problem(exc),
                "Fix the JSON array",
            ) from None
        index += 1
        if not isinstance(record, dict):
            raise bad_record(where, f"record {index} is a JSON {type(record).__name__}, expected an object")
        yield listing_paper(record, where, listing_date)
    rest = text[pos + 1 :].strip()
    if rest:
        line += text.count("\n", counted_to, pos)
        raise bad_record(f"{name}:{line}", "unexpected content after the closing ']'", "Fix the JSON array")
