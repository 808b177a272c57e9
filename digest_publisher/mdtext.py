"""The one rule for text that code writes into Markdown: escaping (so a title or a topic name is read as text,
never as syntax) and how a window of dates reads ("May 2025 – May 2026", as in seed 000).

Drafting writes both into post bodies; the series' index page and the posts' "More in the series" footer
(:mod:`digest_publisher.render.series`) write them too, so a window reads the same in a post and on the page.
"""

from __future__ import annotations

import re
from datetime import date

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")


def md_escape(text: str) -> str:
    """Escape characters that Markdown would read as syntax (emphasis, links, HTML, tables)."""
    return _MD_SPECIAL.sub(r"\\\1", text)


_ASCII_PUNCTUATION = re.compile(r"""([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])""")


def md_literal(text: str) -> str:
    """``text`` shown exactly as written, whatever it holds: every ASCII punctuation character escaped
    (CommonMark lets any of them be), so no emphasis, link, entity (``&lt;``), strikethrough, table cell break
    or citation (``[@id]``) is read in it. For names written into generated Markdown (the series' pages)."""
    return _ASCII_PUNCTUATION.sub(r"\\\1", text)


def md_unescape(text: str) -> str:
    return re.sub(r"\\([\\`*_\[\]<>#|!(){}.+\-])", r"\1", text)


def format_window(start: date, end: date) -> str:
    """"May 18 – 22, 2026" inside one month, "May 18 – June 2, 2026" inside a year, and month
    granularity ("May 2025 – May 2026") for windows longer than about two months, as in seed 000."""
    if (end - start).days > 62:
        return f"{start:%B} {start.year} – {end:%B} {end.year}"
    if start == end:
        return f"{start:%B} {start.day}, {start.year}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start:%B} {start.day} – {end.day}, {end.year}"
    if start.year == end.year:
        return f"{start:%B} {start.day} – {end:%B} {end.day}, {end.year}"
    return f"{start:%B} {start.day}, {start.year} – {end:%B} {end.day}, {end.year}"
