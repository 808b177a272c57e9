"""Sanitising model/corpus text: allowlist, safe URLs, shortcodes; hypothesis properties of the converter."""

from __future__ import annotations

import html
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digest_publisher.render import markdown_to_blocks, markdown_to_classic, sanitize_html, wp_display, wpformat
from digest_publisher.render.sanitize import escape_shortcodes, sanitize_inline


def test_dangerous_elements_and_attributes_are_removed() -> None:
    dirty = (
        '<p onclick="x()">a</p><script>alert(1)</script><style>p{}</style><iframe src="https://e.x"></iframe>'
        '<form action="https://e.x"><input name="q"></form><svg onload="x"><circle/></svg>'
        '<a href="javascript:alert(1)">j</a><a href="JaVaScRiPt:x">k</a><a href="data:text/html,x">d</a>'
        '<img src="data:image/png;base64,AA" alt="d"><a href="https://ok.org/" onmouseover="x">ok</a>'
    )
    assert sanitize_html(dirty) == '<p>a</p>jkd<a href="https://ok.org/">ok</a>'


def test_only_http_https_mailto_and_anchors_survive_as_links() -> None:
    out = sanitize_inline(
        '<a href="http://a">1</a><a href="https://b">2</a><a href="mailto:x@y.z">3</a><a href="#fn1">4</a>'
        '<a href="/relative">5</a><a href="ftp://c">6</a><a href="vbscript:x">7</a>'
    )
    assert re.findall(r'href="([^"]*)"', out) == ["http://a", "https://b", "mailto:x@y.z", "#fn1"]


def test_shortcodes_are_escaped_numbers_in_brackets_are_not() -> None:
    out = sanitize_inline("[gallery] [/caption] [[embed]] [1] [@2605.1] [ x] [plugin_code id=2] [Smith 2020]")
    # WordPress's own: brackets doubled ([embed] twice: run_shortcode unescapes it once before do_shortcode);
    # a lone closing tag and other names (a plugin's, perhaps) as "&#091;".
    assert out == (
        "[[gallery]] &#091;/caption] [[[[embed]]]] [1] [@2605.1] [ x] &#091;plugin_code id=2] &#091;Smith 2020]"
    )


def test_escaped_shortcodes_show_as_written_after_wordpress_unescapes_them() -> None:
    texts = ["[gallery]", "[embed]https://youtu.be/x[/embed]", "[[gallery]]", "[caption id=1]c[/caption] [video]",
             "[gallery][embed]y[/embed][/gallery]", "[gallery ids=\"1\"/] and [audio"]  # fmt: skip
    for text in texts:
        shown = wpformat.unescape_shortcodes(wpformat.unescape_shortcodes(escape_shortcodes(text), ("embed",)))
        assert html.unescape(shown) == text, text


def test_a_shortcode_left_unescaped_would_run() -> None:
    """The port tells an escaped shortcode from one that WordPress would run (kept as is)."""
    assert wpformat.unescape_shortcodes("[gallery] [[gallery]]") == "[gallery] [gallery]"
    assert wpformat.unescape_shortcodes("[[embed]x[/embed]]", ("embed",)) == "[embed]x[/embed]"
    # As do_shortcodes_in_html_tags does once a registered name occurs: "&#91;" padded, else left alone.
    assert wpformat.unescape_shortcodes("&#91;1] [[video]]") == "&#091;1] [video]"
    assert wpformat.unescape_shortcodes("&#91;1] [[other]]") == "&#91;1] [[other]]"


def test_less_than_in_text_survives_as_escaped_text() -> None:
    assert sanitize_inline("a < b > c & d") == "a &lt; b &gt; c &amp; d"
    assert "<p>a &lt; b &gt; c</p>" in markdown_to_blocks("a < b > c")


def test_block_tags_never_enter_inline_content() -> None:
    # A <div> inside a paragraph would make the browser close the <p>: inline content keeps phrasing only.
    assert sanitize_inline("a <div>b</div> <p>c</p> <table><tr><td>d</td></tr></table>") == "a b c d"


# -- properties -------------------------------------------------------------------------------------------

# Markdown-ish fragments: single characters plus the pieces an attack or a converter bug is made of.
_PIECES = st.sampled_from(
    [*"ab c\n\t*_`#>-+=|:!()[]{}<>&\"'/\\.;0123456789",
     "<script>", "</script>", "javascript:", "onerror=", 'onclick="x"', "<img src=x ", "<a href=",
       "[@2605.18529]", "[^1]", "[^1]: n", "```", "    ", "<svg", "<iframe", "data:", "&#", "\u00a0", "中"]
)  # fmt: skip
_MARKDOWNISH = st.lists(_PIECES, max_size=60).map("".join)

_EVENT_ATTR = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)


def _assert_safe(out: str) -> None:
    low = out.lower()
    assert "<script" not in low
    assert "<iframe" not in low and "<svg" not in low and "<style" not in low and "<form" not in low
    assert not _EVENT_ATTR.search(out)
    for url in re.findall(r'(?:href|src)="([^"]*)"', out):
        assert not url.strip().lower().startswith(("javascript:", "data:", "vbscript:")), url


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_MARKDOWNISH)
def test_any_text_renders_safely_in_both_formats(text: str) -> None:
    for out in (markdown_to_blocks(text), markdown_to_classic(text)):
        _assert_safe(out)
        _assert_safe(wp_display(out))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_unicode_text_never_raises(text: str) -> None:
    _assert_safe(markdown_to_blocks(text))
    _assert_safe(markdown_to_classic(text))
    _assert_safe(sanitize_html(text))
