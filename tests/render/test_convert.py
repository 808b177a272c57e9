"""The converter: canonical block markup per core block, classic HTML, LLM-style Markdown, regressions."""

from __future__ import annotations

import re

import pytest

from digest_publisher.render import markdown_to_blocks, markdown_to_classic
from digest_publisher.render.serialize import code_block_content

SEPARATOR = '<!-- wp:separator -->\n<hr class="wp-block-separator has-alpha-channel-opacity"/>\n<!-- /wp:separator -->'


def test_paragraph_and_inline_markup_are_the_editors_serialisation() -> None:
    out = markdown_to_blocks('a **b** *c* `d & e` [l](https://x.org/?a=1&b=2) x < y "q" it\'s')
    assert out == (
        "<!-- wp:paragraph -->\n"
        '<p>a <strong>b</strong> <em>c</em> <code>d &amp; e</code> <a href="https://x.org/?a=1&amp;b=2">l</a>'
        ' x &lt; y "q" it\'s</p>\n'
        "<!-- /wp:paragraph -->"
    )


# What each version's editor saves (``wp.blocks.serialize(createBlock(...))``, measured in 6.1.9 and 6.8.12).
@pytest.mark.parametrize(
    ("md", "wp_version", "expected"),
    [
        ("## Title", "6.1", "<!-- wp:heading -->\n<h2>Title</h2>\n<!-- /wp:heading -->"),
        ("### Sub", "6.1", '<!-- wp:heading {"level":3} -->\n<h3>Sub</h3>\n<!-- /wp:heading -->'),
        ("# Top", "6.1", '<!-- wp:heading {"level":1} -->\n<h1>Top</h1>\n<!-- /wp:heading -->'),
        ("## Title", "6.8", '<!-- wp:heading -->\n<h2 class="wp-block-heading">Title</h2>\n<!-- /wp:heading -->'),
        (
            "### Sub",
            "6.8",
            '<!-- wp:heading {"level":3} -->\n<h3 class="wp-block-heading">Sub</h3>\n<!-- /wp:heading -->',
        ),
        ("---", "6.1", SEPARATOR),
        ("***", "6.1", SEPARATOR),
        ("---", "6.8", SEPARATOR),
    ],
)
def test_headings_and_separators(md: str, wp_version: str, expected: str) -> None:
    assert markdown_to_blocks(md, wp_version=wp_version) == expected


def test_blocks_default_to_the_current_line() -> None:
    assert markdown_to_blocks("## T\n\n- a") == markdown_to_blocks("## T\n\n- a", wp_version="6.8")
    assert markdown_to_blocks("## T\n\n- a") != markdown_to_blocks("## T\n\n- a", wp_version="6.1")


def test_lists_nested_ordered_with_start() -> None:
    out = markdown_to_blocks("3. three\n4. four\n   - a\n   - b", wp_version="6.1")
    assert out == (
        '<!-- wp:list {"ordered":true,"start":3} -->\n<ol start="3"><!-- wp:list-item -->\n<li>three</li>\n'
        "<!-- /wp:list-item -->\n\n<!-- wp:list-item -->\n<li>four<!-- wp:list -->\n<ul><!-- wp:list-item -->\n"
        "<li>a</li>\n<!-- /wp:list-item -->\n\n<!-- wp:list-item -->\n<li>b</li>\n<!-- /wp:list-item --></ul>\n"
        "<!-- /wp:list --></li>\n<!-- /wp:list-item --></ol>\n<!-- /wp:list -->"
    )
    # 6.8: the class goes after the start attribute, on nested lists too.
    assert markdown_to_blocks("3. three\n4. four\n   - a\n   - b", wp_version="6.8") == out.replace(
        '<ol start="3">', '<ol start="3" class="wp-block-list">'
    ).replace("<ul>", '<ul class="wp-block-list">')


def test_quote_holds_inner_paragraph_blocks() -> None:
    out = markdown_to_blocks("> q1\n>\n> q2")
    assert out == (
        '<!-- wp:quote -->\n<blockquote class="wp-block-quote"><!-- wp:paragraph -->\n<p>q1</p>\n'
        "<!-- /wp:paragraph -->\n\n<!-- wp:paragraph -->\n<p>q2</p>\n<!-- /wp:paragraph --></blockquote>\n"
        "<!-- /wp:quote -->"
    )


def test_table_with_head_and_alignment_classes() -> None:
    out = markdown_to_blocks("| A | B |\n|:--|--:|\n| 1 | 2 |", wp_version="6.1")
    # 6.8's table defaults to a fixed layout: an automatic one is stated.
    assert markdown_to_blocks("| A | B |\n|:--|--:|\n| 1 | 2 |", wp_version="6.8") == out.replace(
        "<!-- wp:table -->", '<!-- wp:table {"hasFixedLayout":false} -->'
    )
    assert out == (
        '<!-- wp:table -->\n<figure class="wp-block-table"><table><thead><tr>'
        '<th class="has-text-align-left" data-align="left">A</th>'
        '<th class="has-text-align-right" data-align="right">B</th></tr></thead><tbody><tr>'
        '<td class="has-text-align-left" data-align="left">1</td>'
        '<td class="has-text-align-right" data-align="right">2</td></tr></tbody></table></figure>\n'
        "<!-- /wp:table -->"
    )


def test_code_block_escaping_follows_core_code_escape() -> None:
    # core/code 6.1 escapes every "[" and the "//" of the FIRST line that is only a URL.
    out = markdown_to_blocks("```python\na = [1] && b < c\nhttps://example.com/x\nhttps://example.com/y\n```")
    assert out == (
        '<!-- wp:code -->\n<pre class="wp-block-code"><code>a = &#91;1] &amp;&amp; b &lt; c\n'
        "https:&#47;&#47;example.com/x\nhttps://example.com/y</code></pre>\n<!-- /wp:code -->"
    )
    assert code_block_content("x\u00a0y\n") == "x&nbsp;y"


def test_image_paragraph_becomes_image_block() -> None:
    # "<" and ">" never reach an attribute (browsers and the block serializer escape them differently).
    out = markdown_to_blocks('![A "fig" & <b>](https://example.com/f.png?a=1&b=2)')
    assert out == (
        '<!-- wp:image -->\n<figure class="wp-block-image"><img src="https://example.com/f.png?a=1&amp;b=2"'
        ' alt="A &quot;fig&quot; &amp; b"/></figure>\n<!-- /wp:image -->'
    )


def test_footnotes_become_a_separator_and_an_html_block() -> None:
    out = markdown_to_blocks("Text[^1].\n\n[^1]: The note.")
    assert '<sup class="footnote-ref"><a href="#fn1" id="fnref1">[1]</a></sup>' in out
    assert out.endswith(
        SEPARATOR + '\n\n<!-- wp:html -->\n<section class="footnotes"><ol class="footnotes-list">'
        '<li id="fn1" class="footnote-item">The note. <a href="#fnref1" class="footnote-backref">\u21a9\ufe0e</a>'
        "</li></ol></section>\n<!-- /wp:html -->"
    )


def test_blocks_are_joined_by_a_blank_line() -> None:
    out = markdown_to_blocks("a\n\nb")
    assert out == "<!-- wp:paragraph -->\n<p>a</p>\n<!-- /wp:paragraph -->\n\n<!-- wp:paragraph -->\n<p>b</p>\n" \
        "<!-- /wp:paragraph -->"  # fmt: skip


def test_soft_breaks_become_spaces_and_hard_breaks_br() -> None:
    assert "<p>one two<br>three</p>" in markdown_to_blocks("one\ntwo  \nthree")


# -- LLM-style Markdown that the old converter mangled ------------------------------------------------


def test_list_right_after_a_line_of_text_is_a_list() -> None:
    out = markdown_to_classic("Three papers:\n- A\n- B")
    assert out == "<p>Three papers:</p>\n\n<ul><li>A</li><li>B</li></ul>"


@pytest.mark.parametrize("src", ["1. **X**: y\n   - OPPO\n   - ReBel", "- **X**: y\n  - OPPO\n  - ReBel"])
def test_nested_list_indented_two_or_three_spaces(src: str) -> None:
    out = markdown_to_classic(src)
    assert re.search(r"<li><strong>X</strong>: y<ul><li>OPPO</li><li>ReBel</li></ul></li>", out), out


# -- regressions of the old system (seed 000) ------------------------------------------------------------


def test_markdown_rule_is_a_separator_never_an_em_dash_paragraph() -> None:
    for fmt in (markdown_to_blocks, markdown_to_classic):
        out = fmt("before\n\n---\n\nafter")
        assert "&#8212;" not in out
        assert "<p>---</p>" not in out
        assert "<hr" in out


def test_quote_marker_becomes_a_quote_block() -> None:
    out = markdown_to_blocks("> **Key implication:** audit the pipeline.")
    assert out.startswith('<!-- wp:quote -->\n<blockquote class="wp-block-quote">')
    assert "&gt;" not in out and "<p>> " not in out


# -- classic format ---------------------------------------------------------------------------------------


def test_classic_has_no_newline_inside_paragraphs_or_list_items() -> None:
    md = "one\ntwo\n\n- a\n  b\n- c\n\n> q\n> r\n\n| x |\n|---|\n| y |\n\n<div>\nraw\nhtml\n</div>"
    out = markdown_to_classic(md)
    for element in re.findall(r"<(p|li|td|th|blockquote|div)\b[^>]*>(.*?)</\1>", out, re.DOTALL):
        assert "\n" not in element[1], element
    assert "<div> raw html </div>" in out


def test_classic_code_escapes_every_isolated_url_and_bracket() -> None:
    out = markdown_to_classic("```py\nx = [1]\nhttps://a.org/x\nhttps://a.org/y\n```")
    assert out == (
        '<pre><code class="language-py">x = &#091;1]\nhttps:&#047;&#047;a.org/x\nhttps:&#047;&#047;a.org/y</code></pre>'
    )


def test_list_item_holding_code_falls_back_to_an_html_block() -> None:
    out = markdown_to_blocks("- item\n\n  ```\n  code\n  ```")
    assert out == "<!-- wp:html -->\n<ul><li><p>item</p><pre><code>code</code></pre></li></ul>\n<!-- /wp:html -->"


def test_bare_url_paragraph_becomes_a_link_so_wordpress_does_not_embed_it() -> None:
    out = markdown_to_blocks("https://www.youtube.com/watch?v=x&y=1")
    url = "https://www.youtube.com/watch?v=x&amp;y=1"
    assert f'<p><a href="{url}">{url}</a></p>' in out
