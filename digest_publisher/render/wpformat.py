"""Ports of the WordPress 6.1 and 6.8 display filters that our content can meet, byte for byte.

WordPress never shows post content as stored: ``the_content`` runs ``do_blocks`` (priority 9),
``wptexturize``, ``wpautop`` (classic content only), ``shortcode_unautop``, ``wp_filter_content_tags``
(10), ``do_shortcode``, ``capital_P_dangit`` (11) and ``convert_smilies`` (20) over it; titles get
``wptexturize``, ``convert_chars``, ``trim`` and ``capital_P_dangit``; excerpts their own chain. These
functions reproduce that chain so that the dry-run object and the preview show what the site will show.

The sources are ``wp-includes/formatting.php``, ``functions.php`` (smilies), ``blocks.php``,
``media.php`` and ``kses.php`` of WordPress 6.1.9 and 6.8.12. What changed between the two for content this
project emits: 6.8 renders ``core/heading`` and ``core/list`` through a callback that adds their class
(``wp-block-heading``, ``wp-block-list``) when the stored HTML lacks it (``blocks/heading.php``,
``blocks/list.php``), and ``core/quote`` gets the classes of the layout support's default "flow" layout
(``is-layout-flow wp-block-quote-is-layout-flow``); the text filters (checked against both versions' PHP)
did not change.

PHP's PCRE works on bytes without the ``u`` flag,
so ``\\d``, ``\\b`` and ``\\w`` are ASCII-only there: every pattern here is compiled with ``re.ASCII``.
PCRE constructs that Python's ``re`` lacks are rewritten into equivalents, each noted where it occurs.

Shortcodes: rendered content holds WordPress's own ones only escaped (``[[gallery]]``, see
:mod:`.sanitize`), so of ``do_shortcode`` only the unescaping is ported (:func:`unescape_shortcodes`), with
``WP_Embed::run_shortcode`` (priority 8), which unescapes ``[embed]`` once more. Not ported, because
rendered content cannot contain them: running shortcodes, oEmbed (bare-URL paragraphs become links), dynamic
blocks, attachment images (``wp-image-N``: srcset/width/height need the media library).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from ..wordpress.markup_versions import CURRENT_WP_VERSION, markup_version
from ..wordpress.migration import BLOCK_DELIMITER

# Shortcodes a stock WordPress 6.1 registers (media.php, class-wp-embed.php).
SHORTCODE_TAGS: tuple[str, ...] = ("embed", "wp_caption", "caption", "gallery", "playlist", "audio", "video")

_A = re.ASCII


@functools.lru_cache(maxsize=64)
def shortcode_regex(tags: tuple[str, ...]) -> re.Pattern[str]:
    """``get_shortcode_regex($tags)``: group 1 is an escaping second ``[``, 2 the name, 6 an escaping ``]``."""
    tagregexp = "|".join(re.escape(t) for t in tags)
    return re.compile(
        r"\[(\[?)(" + tagregexp + r")(?![\w-])([^\]/]*(?:/(?!\])[^\]/]*)*?)"
        r"(?:(/)\]|\](?:([^\[]*+(?:\[(?!/\2\])[^\[]*+)*+)\[/\2\])?)(\]?)",
        _A,
    )


STOCK_SHORTCODES = shortcode_regex(SHORTCODE_TAGS)
# WP_Embed::run_shortcode: the_content at priority 8 runs do_shortcode with only [embed] registered.
EMBED_SHORTCODE = shortcode_regex(("embed",))
# do_shortcode(): the names after a "[" (which of the registered shortcodes the text may hold).
_DO_SHORTCODE_PROBE = re.compile(r"\[([^<>&/\[\]\x00-\x20=]++)", _A)


def unescape_shortcodes(text: str, registered: tuple[str, ...] = SHORTCODE_TAGS) -> str:
    """``do_shortcode`` with the shortcodes ``registered`` (``("embed",)``: ``WP_Embed::run_shortcode``) on
    content whose shortcodes are all escaped: ``do_shortcode_tag`` returns an escaped one (``[[gallery]]``)
    without its outer brackets; an unescaped one (never in rendered content) is kept. When a registered name
    occurs, ``do_shortcodes_in_html_tags`` first pads ``&#91;``/``&#93;`` to ``&#091;``/``&#093;`` (so code
    blocks' ``&#91;`` come back padded); its placeholders for brackets inside tags are restored by
    ``unescape_invalid_shortcodes``, which changes nothing here (an escaped shortcode in an attribute is
    unescaped like one in text)."""
    if "[" not in text:
        return text
    present = {m.group(1) for m in _DO_SHORTCODE_PROBE.finditer(text)}
    names = tuple(name for name in registered if name in present)
    if not names:
        return text
    text = text.replace("&#91;", "&#091;").replace("&#93;", "&#093;")

    def tag(m: re.Match[str]) -> str:
        return m.group(0)[1:-1] if m.group(1) == "[" and m.group(6) == "]" else m.group(0)

    return shortcode_regex(names).sub(tag, text)


# wp_spaces_regexp(): '[\r\n\t ]|\xC2\xA0|&nbsp;'. The UTF-8 bytes C2 A0 are one character (U+00A0) here.
_SP = r"(?:[\r\n\t \u00a0]|&nbsp;)"
# PCRE's \Z also matches before a final newline; Python's does not.
_Z = r"(?:\n?\Z)"


def _preceded(char: str, start: bool, chars: str, *literals: str) -> str:
    """After ``char`` (a literal, matched first): "``char`` was at the start / after one of ``chars`` or
    ``literals``", i.e. ``(?:\\A|(?<=[chars])|(?<=literal)...)char`` with the literal in front.

    A pattern that opens with a look-behind has no literal prefix, so ``re`` tries it at every position
    of the text; opening with the literal lets ``re`` jump from one occurrence to the next (several
    times faster on long text). ``(?<![\\s\\S]X)`` after X holds exactly when X is at the start.
    """
    c = re.escape(char)
    alternatives = [rf"(?<![\s\S]{c})"] if start else []
    alternatives.append(rf"(?<=[{chars}]{c})")
    alternatives.extend(rf"(?<={re.escape(lit)}{c})" for lit in literals)
    return c + "(?:" + "|".join(alternatives) + ")"


# ---------------------------------------------------------------------------------------------------------------
# wptexturize
# ---------------------------------------------------------------------------------------------------------------

_OPEN_Q = "&#8220;"
_CLOSE_Q = "&#8221;"
_APOS = "&#8217;"
_PRIME = "&#8242;"
_DOUBLE_PRIME = "&#8243;"
_OPEN_SQ = "&#8216;"
_CLOSE_SQ = "&#8217;"
_EN_DASH = "&#8211;"
_EM_DASH = "&#8212;"
_OPEN_Q_FLAG = "<!--oq-->"
_OPEN_SQ_FLAG = "<!--osq-->"
_APOS_FLAG = "<!--apos-->"

_NO_TEXTURIZE_TAGS = ("pre", "code", "kbd", "style", "script", "tt")
_NO_TEXTURIZE_SHORTCODES = ("code",)

_COCKNEY = ["'tain't", "'twere", "'twas", "'tis", "'twill", "'til", "'bout", "'nuff", "'round", "'cause", "'em"]
_COCKNEY_REPLACE = [
    "&#8217;tain&#8217;t", "&#8217;twere", "&#8217;twas", "&#8217;tis", "&#8217;twill", "&#8217;til",
    "&#8217;bout", "&#8217;nuff", "&#8217;round", "&#8217;cause", "&#8217;em",
]  # fmt: skip
_STATIC: tuple[tuple[str, str], ...] = (
    ("...", "&#8230;"),
    ("``", _OPEN_Q),
    ("''", _CLOSE_Q),
    (" (tm)", " &#8482;"),
    *zip(_COCKNEY, _COCKNEY_REPLACE, strict=True),
)


def _php_replacement(template: str) -> str:
    """PHP's ``$1`` group references as Python's ``\\g<1>`` (the templates hold no backslashes)."""
    assert "\\" not in template
    return re.sub(r"\$(\d)", r"\\g<\1>", template)


_APOS_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p, _A), _php_replacement(r))
    for p, r in (
        # '99' and '99" are ambiguous; assume an abbreviated year at the end of a quotation.
        (r"'(\d\d)'(?=" + _Z + r"|[.,:;!?)}\-\]]|&gt;|" + _SP + ")", _APOS_FLAG + "$1" + _CLOSE_SQ),
        (r"'(\d\d)\"(?=" + _Z + r"|[.,:;!?)}\-\]]|&gt;|" + _SP + ")", _APOS_FLAG + "$1" + _CLOSE_Q),
        # '99 '99s '99's (apostrophe), but never '9 or '99% or '999 or '99.0.
        (r"'(?=\d\d(?:" + _Z + r"|(?![%\d]|[.,]\d)))", _APOS_FLAG),
        # Quoted numbers like '0.42'.
        (_preceded("'", True, r"\r\n\t \u00a0", "&nbsp;") + r"(\d[.,\d]*)'", _OPEN_SQ_FLAG + "$1" + _CLOSE_SQ),
        # Single quote at start, or preceded by (, {, <, [, ", -, or spaces.
        (_preceded("'", True, r"(\[{\"\-\r\n\t \u00a0", "&lt;", "&nbsp;"), _OPEN_SQ_FLAG),
        # Apostrophe in a word. No spaces, double apostrophes, or other punctuation.
        (r"'(?<![\r\n\t \u00a0]')(?<!&nbsp;')(?!" + _Z + r"|[.,:;!?\"'(){}\[\]\-]|&[lg]t;|" + _SP + ")", _APOS_FLAG),
    )
)
_QUOTE_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p, _A), _php_replacement(r))
    for p, r in (
        (_preceded('"', True, r"\r\n\t \u00a0", "&nbsp;") + r"(\d[.,\d]*)\"", _OPEN_Q_FLAG + "$1" + _CLOSE_Q),
        (_preceded('"', True, r"(\[{\-\r\n\t \u00a0", "&lt;", "&nbsp;") + r"(?!" + _SP + ")", _OPEN_Q_FLAG),
    )
)
_DASH_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p, _A), r)
    for p, r in (
        (r"---", _EM_DASH),
        (_preceded("--", True, r"\r\n\t \u00a0", "&nbsp;") + r"(?=$|" + _SP + ")", _EM_DASH),
        (r"--(?<!xn--)", _EN_DASH),
        (_preceded("-", True, r"\r\n\t \u00a0", "&nbsp;") + r"(?=$|" + _SP + ")", _EN_DASH),
    )
)
_QUOTE_DIGIT_PROBE = re.compile(r"'\d", _A)
# Only asked whether there is a match: a "-" (first, see _preceded) at the start or after a space or ";",
# or before the end, a space or "&".
_LONE_HYPHEN_PROBE = re.compile(r"-(?:(?<![\s\S]-)|(?<=[\r\n\t \u00a0;]-)|(?=$|[\r\n\t \u00a0&]))")
_TIMES_PROBE = re.compile(r"\dx\d", _A)
# PCRE: \b(\d(?(?<=0)[\d\.,]+|[\d\.,]*))x(\d[\d\.,]*)\b -- the conditional becomes an alternation.
_TIMES = re.compile(r"\b(0[\d.,]+|[1-9][\d.,]*)x(\d[\d.,]*)\b", _A)
_LONE_AMP = re.compile(r"&(?!#(?:\d+|x[a-f0-9]+);|[a-z1-4]{1,8};)", _A | re.IGNORECASE)
_SHORTCODE_NAME_PROBE = re.compile(r"\[/?([^<>&/\[\]\x00-\x20=]++)")
# _get_wptexturize_split_regex(): '<' then a comment (possessive loops) or an element; the PCRE
# conditional "(?(?=!--)A|B)" becomes "(?:(?=!--)A|(?!!--)B)".
_HTML_SPLIT = r"<(?:(?=!--)!(?:-(?!->)[^\-]*+)*+(?:-->)?|(?!!--)[^>]*>?)"


@functools.lru_cache(maxsize=64)
def _texturize_split_regex(tagnames: tuple[str, ...]) -> tuple[re.Pattern[str], re.Pattern[str] | None]:
    if not tagnames:
        return re.compile("(" + _HTML_SPLIT + ")", _A), None
    tagregexp = "(?:" + "|".join(re.escape(t) for t in tagnames) + r")(?=[\s\]/])"
    shortcode = r"\[[/\[]?" + tagregexp + r"(?:[^\[\]<>]+|<[^\[\]>]*>)*+\]\]?"
    return re.compile("(" + _HTML_SPLIT + "|" + shortcode + ")", _A), re.compile("^" + shortcode + "$", _A)


def _pushpop(text: str, stack: list[str], disabled: tuple[str, ...]) -> None:
    """``_wptexturize_pushpop_element``: track no-texturize elements (``<pre>``...) and shortcodes."""
    if len(text) > 1 and text[1] != "/":
        opening, offset = True, 1
    elif not stack:
        return
    else:
        opening, offset = False, 2
    space = text.find(" ")
    # substr($text, $offset, $space - $offset), or up to the last character when there is no space.
    tag = text[offset:-1] if space == -1 else text[offset : offset + max(space - offset, 0)]
    if tag in disabled:
        if opening:
            stack.append(tag)
        elif stack and stack[-1] == tag:
            stack.pop()


_PRIME_FLAG = "<!--wp-prime-or-quote-->"


@functools.lru_cache(maxsize=4)
def _prime_patterns(needle: str) -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    return (
        re.compile(re.escape(needle) + r"(?=" + _Z + r"|[.,:;!?)}\-\]]|&gt;|" + _SP + ")", _A),
        # (?<=\d)X written as X(?<=\dX): a literal first is found much faster (see _preceded).
        re.compile(re.escape(needle) + r"(?<=\d" + re.escape(needle) + ")", _A),
        re.compile(re.escape(_PRIME_FLAG) + r"(?<=\d" + re.escape(_PRIME_FLAG) + ")", _A),
        re.compile(re.escape(_PRIME_FLAG) + r"(?<!\d" + re.escape(_PRIME_FLAG) + ")", _A),
    )


def _texturize_primes(haystack: str, needle: str, prime: str, open_quote: str, close_quote: str) -> str:
    """``wptexturize_primes``: decide between a prime (5' 10") and a closing quote."""
    flag = _PRIME_FLAG
    quote_pattern, prime_pattern, flag_after_digit, flag_no_digit = _prime_patterns(needle)
    sentences = haystack.split(open_quote)
    for key, sentence in enumerate(sentences):
        if needle not in sentence:
            continue
        if key != 0 and sentence.count(close_quote) == 0:
            sentence, count = quote_pattern.subn(flag, sentence)
            if count > 1:
                # Several closing-quote candidates: "Vulcan logic" picks one.
                sentence, count2 = flag_no_digit.subn(close_quote, sentence)
                if count2 == 0:
                    pos = sentence.rfind(flag + ".") if sentence.count(flag + ".") > 0 else sentence.rfind(flag)
                    sentence = sentence[:pos] + close_quote + sentence[pos + len(flag) :]
                sentence = prime_pattern.sub(prime, sentence)
                sentence = flag_after_digit.sub(prime, sentence)
                sentence = sentence.replace(flag, close_quote)
            elif count == 1:
                sentence = sentence.replace(flag, close_quote)
                sentence = prime_pattern.sub(prime, sentence)
            else:
                sentence = prime_pattern.sub(prime, sentence)
        else:
            sentence = prime_pattern.sub(prime, sentence)
            sentence = quote_pattern.sub(close_quote, sentence)
        if needle == '"' and '"' in sentence:
            sentence = sentence.replace('"', close_quote)
        sentences[key] = sentence
    return open_quote.join(sentences)


def _texturize_text(curl: str) -> str:
    for search, replace in _STATIC:
        if search in curl:
            curl = curl.replace(search, replace)
    if "'" in curl:
        # the first four rules are about digits after the quote: skip them when there are none
        rules = _APOS_RULES if _QUOTE_DIGIT_PROBE.search(curl) else _APOS_RULES[4:]
        for pattern, repl in rules:
            curl = pattern.sub(repl, curl)
        curl = _texturize_primes(curl, "'", _PRIME, _OPEN_SQ_FLAG, _CLOSE_SQ)
        curl = curl.replace(_APOS_FLAG, _APOS).replace(_OPEN_SQ_FLAG, _OPEN_SQ)
    if '"' in curl:
        for pattern, repl in _QUOTE_RULES:
            curl = pattern.sub(repl, curl)
        curl = _texturize_primes(curl, '"', _DOUBLE_PRIME, _OPEN_Q_FLAG, _CLOSE_Q)
        curl = curl.replace(_OPEN_Q_FLAG, _OPEN_Q)
    if "-" in curl:
        if "--" in curl:
            for dash_pattern, dash in _DASH_RULES[:3]:
                curl = dash_pattern.sub(dash, curl)
        # the lone-hyphen rule needs a hyphen next to a space or at an end of the piece
        if _LONE_HYPHEN_PROBE.search(curl):
            curl = _DASH_RULES[3][0].sub(_EN_DASH, curl)
    if "x" in curl and _TIMES_PROBE.search(curl):
        curl = _TIMES.sub(r"\1&#215;\2", curl)
    if "&" in curl:
        curl = _LONE_AMP.sub("&#038;", curl)
    return curl


def _php_trim_empty(text: str) -> bool:
    return text.strip(" \t\n\r\0\x0b") == ""


def wptexturize(text: str, shortcode_tags: tuple[str, ...] = SHORTCODE_TAGS) -> str:
    """WordPress's ``wptexturize``: curly quotes, dashes, ellipses, ``&#038;``; not inside code/pre/kbd/tt."""
    if not text:
        return text
    found = {m.group(1) for m in _SHORTCODE_NAME_PROBE.finditer(text)}
    tagnames = tuple(t for t in shortcode_tags if t in found)
    split, shortcode_full = _texturize_split_regex(tagnames)
    parts = [p for p in split.split(text) if p]
    tags_stack: list[str] = []
    shortcodes_stack: list[str] = []
    for index, curl in enumerate(parts):
        first = curl[0]
        if first == "<":
            if curl.startswith("<!--"):
                continue
            if "&" in curl:
                curl = _LONE_AMP.sub("&#038;", curl)
            _pushpop(curl, tags_stack, _NO_TEXTURIZE_TAGS)
        elif _php_trim_empty(curl):
            continue
        elif first == "[" and shortcode_full is not None and shortcode_full.match(curl):
            if not curl.startswith("[[") and not curl.endswith("]]"):
                _pushpop(curl, shortcodes_stack, _NO_TEXTURIZE_SHORTCODES)
            continue
        elif not shortcodes_stack and not tags_stack:
            curl = _texturize_text(curl)
        parts[index] = curl
    return "".join(parts)


# ---------------------------------------------------------------------------------------------------------------
# convert_chars, capital_P_dangit, convert_smilies
# ---------------------------------------------------------------------------------------------------------------

_CONVERT_CHARS = re.compile(r"&([^#])(?![a-z1-4]{1,8};)", _A | re.IGNORECASE | re.DOTALL)


def convert_chars(content: str) -> str:
    """``convert_chars``: a lone ``&`` becomes ``&#038;``."""
    if "&" in content:
        content = _CONVERT_CHARS.sub(r"&#038;\1", content)
    return content


def capital_p_dangit(text: str, *, title: bool = False) -> str:
    """``capital_P_dangit``: "Wordpress" becomes "WordPress" (everywhere in titles, judiciously in content)."""
    if title:
        return text.replace("Wordpress", "WordPress")
    for before in (" ", "&#8216;", _OPEN_Q, ">", "("):
        text = text.replace(before + "Wordpress", before + "WordPress")
    return text


_SMILIES: dict[str, str] = {
    ":mrgreen:": "mrgreen.png",
    ":neutral:": "\U0001f610",
    ":twisted:": "\U0001f608",
    ":arrow:": "\u27a1",
    ":shock:": "\U0001f62f",
    ":smile:": "\U0001f642",
    ":???:": "\U0001f615",
    ":cool:": "\U0001f60e",
    ":evil:": "\U0001f47f",
    ":grin:": "\U0001f600",
    ":idea:": "\U0001f4a1",
    ":oops:": "\U0001f633",
    ":razz:": "\U0001f61b",
    ":roll:": "\U0001f644",
    ":wink:": "\U0001f609",
    ":cry:": "\U0001f625",
    ":eek:": "\U0001f62e",
    ":lol:": "\U0001f606",
    ":mad:": "\U0001f621",
    ":sad:": "\U0001f641",
    "8-)": "\U0001f60e",
    "8-O": "\U0001f62f",
    ":-(": "\U0001f641",
    ":-)": "\U0001f642",
    ":-?": "\U0001f615",
    ":-D": "\U0001f600",
    ":-P": "\U0001f61b",
    ":-o": "\U0001f62e",
    ":-x": "\U0001f621",
    ":-|": "\U0001f610",
    ";-)": "\U0001f609",
    "8O": "\U0001f62f",
    ":(": "\U0001f641",
    ":)": "\U0001f642",
    ":?": "\U0001f615",
    ":D": "\U0001f600",
    ":P": "\U0001f61b",
    ":o": "\U0001f62e",
    ":x": "\U0001f621",
    ":|": "\U0001f610",
    ";)": "\U0001f609",
    ":!:": "\u2757",
    ":?:": "\u2753",
}


def _smilies_regex() -> re.Pattern[str]:
    """``smilies_init``: one alternation per first character, longest codes first (krsort)."""
    start = r"(?:^|(?<=[\r\n\t \u00a0])|(?<=&nbsp;))"
    end = r"(?=" + _SP + "|$)"
    groups: list[str] = []
    current = ""
    rests: list[str] = []
    for smiley in sorted(_SMILIES, reverse=True):
        first, rest = smiley[0], smiley[1:]
        if first != current:
            if current:
                groups.append(start + re.escape(current) + "(?:" + "|".join(rests) + ")" + end)
            current, rests = first, []
        rests.append(re.escape(rest))
    groups.append(start + re.escape(current) + "(?:" + "|".join(rests) + ")" + end)
    return re.compile("|".join(groups), _A | re.MULTILINE)


_SMILIES_SEARCH = _smilies_regex()
_ANY_SMILEY = re.compile("|".join(re.escape(code) for code in sorted(_SMILIES, key=len, reverse=True)))
_SMILIES_SPLIT = re.compile(r"(<.*?>)")
# Every smiley code holds one of these; text without them cannot match (a cheap pre-check).
_SMILEY_CHARS = re.compile(r"[:;8]")
_SMILIES_IGNORE = re.compile(r"^<(code|pre|style|script|textarea)[^>]*>")


def convert_smilies(text: str, site_url: str = "") -> str:
    """``convert_smilies``: ``:)`` becomes U+1F642 outside code/pre/style/script/textarea."""

    def translate(m: re.Match[str]) -> str:
        smiley = m.group(0).strip()
        img = _SMILIES[smiley]
        if not img.endswith(".png"):
            return img
        src = f"{site_url.rstrip('/')}/wp-includes/images/smilies/{img}"
        return f'<img src="{src}" alt="{smiley}" class="wp-smiley" style="height: 1em; max-height: 1em;" />'

    if not _ANY_SMILEY.search(text):
        return text  # no smiley code anywhere: nothing can change
    parts = _SMILIES_SPLIT.split(text)
    ignore = ""
    out: list[str] = []
    for content in parts:
        if not ignore:
            found = _SMILIES_IGNORE.match(content)
            if found:
                ignore = found.group(1)
        if not ignore and content and content[0] != "<" and _SMILEY_CHARS.search(content):
            content = _SMILIES_SEARCH.sub(translate, content)
        if ignore and content == f"</{ignore}>":
            ignore = ""
        out.append(content)
    return "".join(out)


# ---------------------------------------------------------------------------------------------------------------
# wpautop, shortcode_unautop
# ---------------------------------------------------------------------------------------------------------------

# get_html_split_regex(): comments, CDATA or elements; conditionals rewritten as look-ahead alternations.
_HTML_SPLIT_FULL = re.compile(
    r"(<(?:(?=!--|!\[CDATA\[)(?:(?=!-)!(?:-(?!->)[^\-]*+)*+(?:-->)?|(?!!-)!\[CDATA\[[^\]]*+(?:](?!]>)[^\]]*+)*+(?:]]>)?)"
    r"|(?!!--|!\[CDATA\[)[^>]*>?))",
    _A,
)


def wp_replace_in_html_tags(haystack: str, replace_pairs: dict[str, str]) -> str:
    """``wp_replace_in_html_tags``: replace only inside tags and comments, not in text."""
    parts = _HTML_SPLIT_FULL.split(haystack)
    changed = False
    for i in range(1, len(parts), 2):
        for needle in replace_pairs:
            if needle in parts[i]:
                if len(replace_pairs) == 1:
                    parts[i] = parts[i].replace(needle, replace_pairs[needle])
                else:
                    parts[i] = _strtr(parts[i], replace_pairs)
                changed = True
                break
    return "".join(parts) if changed else haystack


def _strtr(text: str, pairs: dict[str, str]) -> str:
    keys = sorted(pairs, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(k) for k in keys))
    return pattern.sub(lambda m: pairs[m.group(0)], text)


_ALLBLOCKS = (
    r"(?:table|thead|tfoot|caption|col|colgroup|tbody|tr|td|th|div|dl|dd|dt|ul|ol|li|pre|form|map|area|blockquote"
    r"|address|math|style|p|h[1-6]|hr|fieldset|legend|section|article|aside|hgroup|header|footer|nav|figure"
    r"|figcaption|details|menu|summary)"
)
_AUTOP: dict[str, re.Pattern[str]] = {
    "br2": re.compile(r"<br\s*/?>\s*<br\s*/?>", _A),
    "open": re.compile(r"(<" + _ALLBLOCKS + r"[\s/>])", _A),
    "close": re.compile(r"(</" + _ALLBLOCKS + r">)", _A),
    "hr": re.compile(r"(<hr\s*?/?>)", _A),
    "multi_nl": re.compile(r"\n\n+"),
    "para_split": re.compile(r"\n\s*\n", _A),
    "empty_p": re.compile(r"<p>\s*</p>", _A),
    "close_in_div": re.compile(r"<p>([^<]+)</(div|address|form)>"),
    "unwrap": re.compile(r"<p>\s*(</?" + _ALLBLOCKS + r"[^>]*>)\s*</p>", _A),
    "li_in_p": re.compile(r"<p>(<li.+?)</p>"),
    "bq_in_p": re.compile(r"<p><blockquote([^>]*)>", _A | re.IGNORECASE),
    "p_before_block": re.compile(r"<p>\s*(</?" + _ALLBLOCKS + r"[^>]*>)", _A),
    "p_after_block": re.compile(r"(</?" + _ALLBLOCKS + r"[^>]*>)\s*</p>", _A),
    "preserve": re.compile(r"<(script|style|svg).*?</\1>", re.DOTALL),
    "newline_br": re.compile(r"(?<!<br />)\s*\n", _A),
    "br_after_block": re.compile(r"(</?" + _ALLBLOCKS + r"[^>]*>)\s*<br />", _A),
    "br_before_block": re.compile(r"<br />(\s*</?(?:p|li|div|dl|dd|dt|th|pre|td|ul|ol)[^>]*>)", _A),
    "final_nl_p": re.compile(r"\n</p>$"),
}


def wpautop(text: str, br: bool = True) -> str:
    """``wpautop``: wrap double-newline-separated text in ``<p>``; single newlines become ``<br />``."""
    if text.strip(" \t\n\r\0\x0b") == "":
        return ""
    text = text + "\n"
    pre_tags: dict[str, str] = {}
    if "<pre" in text:
        text_parts = text.split("</pre>")
        last_part = text_parts.pop()
        text = ""
        for i, text_part in enumerate(text_parts):
            start = text_part.find("<pre")
            if start == -1:
                text += text_part
                continue
            name = f"<pre wp-pre-tag-{i}></pre>"
            pre_tags[name] = text_part[start:] + "</pre>"
            text += text_part[:start] + name
        text += last_part
    text = _AUTOP["br2"].sub("\n\n", text)
    text = _AUTOP["open"].sub(lambda m: "\n\n" + m.group(1), text)
    text = _AUTOP["close"].sub(lambda m: m.group(1) + "\n\n", text)
    text = _AUTOP["hr"].sub(lambda m: m.group(1) + "\n\n", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = wp_replace_in_html_tags(text, {"\n": " <!-- wpnl --> "})
    # <option>, <object>, <audio>/<video> and <figcaption> handling: our sanitizer admits only figcaption.
    if "<figcaption" in text:
        text = re.sub(r"\s*(<figcaption[^>]*>)", r"\1", text, flags=_A)
        text = re.sub(r"</figcaption>\s*", "</figcaption>", text, flags=_A)
    text = _AUTOP["multi_nl"].sub("\n\n", text)
    paragraphs = [p for p in _AUTOP["para_split"].split(text) if p]
    text = "".join("<p>" + p.strip("\n") + "</p>\n" for p in paragraphs)
    text = _AUTOP["empty_p"].sub("", text)
    text = _AUTOP["close_in_div"].sub(r"<p>\1</p></\2>", text)
    text = _AUTOP["unwrap"].sub(r"\1", text)
    text = _AUTOP["li_in_p"].sub(r"\1", text)
    text = _AUTOP["bq_in_p"].sub(r"<blockquote\1><p>", text)
    text = text.replace("</blockquote></p>", "</p></blockquote>")
    text = _AUTOP["p_before_block"].sub(r"\1", text)
    text = _AUTOP["p_after_block"].sub(r"\1", text)
    if br:
        text = _AUTOP["preserve"].sub(lambda m: m.group(0).replace("\n", "<WPPreserveNewline />"), text)
        text = text.replace("<br>", "<br />").replace("<br/>", "<br />")
        text = _AUTOP["newline_br"].sub("<br />\n", text)
        text = text.replace("<WPPreserveNewline />", "\n")
    text = _AUTOP["br_after_block"].sub(r"\1", text)
    text = _AUTOP["br_before_block"].sub(r"\1", text)
    text = _AUTOP["final_nl_p"].sub("</p>", text)
    for name, original in pre_tags.items():
        text = text.replace(name, original)
    if "<!-- wpnl -->" in text:
        text = text.replace(" <!-- wpnl --> ", "\n").replace("<!-- wpnl -->", "\n")
    return text


def _shortcode_unautop_regex(tags: tuple[str, ...]) -> re.Pattern[str]:
    tagregexp = "|".join(re.escape(t) for t in tags)
    pattern = (
        r"<p>(?:" + _SP + r")*+"
        r"(\[(" + tagregexp + r")(?![\w-])[^\]/]*(?:/(?!\])[^\]/]*)*?"
        r"(?:/\]|\](?:[^\[]*+(?:\[(?!/\2\])[^\[]*+)*+\[/\2\])?))"
        r"(?:" + _SP + r")*+</p>"
    )
    return re.compile(pattern, _A)


_SHORTCODE_UNAUTOP = _shortcode_unautop_regex(SHORTCODE_TAGS)


def shortcode_unautop(text: str) -> str:
    """``shortcode_unautop``: unwrap ``<p>[shortcode]</p>``."""
    return _SHORTCODE_UNAUTOP.sub(r"\1", text)


# ---------------------------------------------------------------------------------------------------------------
# Blocks: the parser's delimiter grammar, do_blocks for static blocks, excerpt_remove_blocks
# ---------------------------------------------------------------------------------------------------------------



def has_blocks(content: str) -> bool:
    """``has_blocks``: WordPress decides on ``<!-- wp:`` alone."""
    return "<!-- wp:" in content


@dataclass
class ParsedBlock:
    """One node of ``parse_blocks``: ``name`` None for freeform HTML between blocks."""

    name: str | None
    inner_html: str = ""
    inner_blocks: list[ParsedBlock] = field(default_factory=list)
    # innerContent: strings, with None where an inner block's rendering goes.
    inner_content: list[str | None] = field(default_factory=list)

    def render(self, wp_version: str = "6.1") -> str:
        """``render_block``: the block's HTML with the inner blocks' HTML in place, then (6.8) the render
        callback of the block type, if it has one this project's content meets."""
        out: list[str] = []
        inner = iter(self.inner_blocks)
        for chunk in self.inner_content:
            out.append(next(inner).render(wp_version) if chunk is None else chunk)
        html = "".join(out)
        if wp_version != "6.1" and self.name in _RENDER_CLASSES:
            tags, classes = _RENDER_CLASSES[self.name]
            html = _add_classes_to_first(html, tags, classes)
        return html


# What 6.8 adds when it renders the static blocks this project emits: the render callbacks of heading.php and
# list.php add their class to the first heading / list tag; the layout support (block-supports/layout.php)
# gives a block with ``supports.layout`` (of ours: core/quote) the default "flow" layout's classes on its
# first tag. None: any tag.
_RENDER_CLASSES: dict[str, tuple[frozenset[str] | None, tuple[str, ...]]] = {
    "core/heading": (frozenset({"h1", "h2", "h3", "h4", "h5", "h6"}), ("wp-block-heading",)),
    "core/list": (frozenset({"ol", "ul"}), ("wp-block-list",)),
    "core/quote": (None, ("is-layout-flow", "wp-block-quote-is-layout-flow")),
}
_OPEN_TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9]*)((?:\s[^>]*)?)>", _A)
_CLASS_ATTR = re.compile(r"""(\sclass=)(?:"([^"]*)"|'([^']*)')""", _A | re.IGNORECASE)


def _add_classes_to_first(html: str, tags: frozenset[str] | None, classes: tuple[str, ...]) -> str:
    """``WP_HTML_Tag_Processor::add_class`` of each of ``classes`` on the first tag named in ``tags`` (any
    tag: None), for the markup this project stores: a class already there is not added again, others are
    appended to an existing ``class``; without one, a new ``class`` attribute goes right after the tag name
    (where the tag processor inserts new attributes)."""
    for m in _OPEN_TAG.finditer(html):
        if tags is not None and m.group(1).lower() not in tags:
            continue
        attrs = m.group(2)
        found = _CLASS_ATTR.search(attrs)
        value = "" if found is None else (found.group(2) if found.group(2) is not None else found.group(3))
        missing = [css for css in classes if css not in value.split()]
        if not missing:
            return html
        joined = " ".join([value.rstrip(), *missing]) if value.strip() else " ".join(missing)
        if found is None:
            new = f'<{m.group(1)} class="{joined}"{attrs}>'
        else:
            new = f'<{m.group(1)}{attrs[: found.start()]}{found.group(1)}"{joined}"{attrs[found.end() :]}>'
        return html[: m.start()] + new + html[m.end() :]
    return html


def parse_blocks(content: str) -> list[ParsedBlock]:
    """A port of ``WP_Block_Parser`` sufficient for well-formed content (what this renderer emits)."""
    top: list[ParsedBlock] = []
    stack: list[ParsedBlock] = []
    pos = 0

    def add_freeform(text: str) -> None:
        if not text:
            return
        if stack:
            parent = stack[-1]
            parent.inner_html += text
            parent.inner_content.append(text)
        else:
            top.append(ParsedBlock(None, text, [], [text]))

    for m in BLOCK_DELIMITER.finditer(content):
        add_freeform(content[pos : m.start()])
        pos = m.end()
        name = (m.group("namespace") or "core/") + m.group("name")
        if m.group("void"):
            block = ParsedBlock(name)
            if stack:
                stack[-1].inner_blocks.append(block)
                stack[-1].inner_content.append(None)
            else:
                top.append(block)
        elif m.group("closer"):
            if stack:
                done = stack.pop()
                if stack:
                    stack[-1].inner_blocks.append(done)
                    stack[-1].inner_content.append(None)
                else:
                    top.append(done)
        else:
            stack.append(ParsedBlock(name))
    add_freeform(content[pos:])
    while stack:  # unclosed blocks: WordPress closes them at the end of the document
        done = stack.pop()
        (stack[-1].inner_blocks if stack else top).append(done)
        if stack:
            stack[-1].inner_content.append(None)
    return top


def do_blocks(content: str, wp_version: str | None = CURRENT_WP_VERSION) -> str:
    """``do_blocks`` for the core blocks this project emits: the delimiters go, the HTML stays (6.8: with
    the heading and list classes its render callbacks add)."""
    version = markup_version(wp_version)
    return "".join(block.render(version) for block in parse_blocks(content))


_EXCERPT_INNER = {
    None,
    "core/freeform",
    "core/heading",
    "core/html",
    "core/list",
    "core/media-text",
    "core/paragraph",
    "core/preformatted",
    "core/pullquote",
    "core/quote",
    "core/table",
    "core/verse",
}
_EXCERPT_WRAPPERS = {"core/columns", "core/column", "core/group"}


def _excerpt_parts(content: str, wp_version: str | None = CURRENT_WP_VERSION) -> list[str]:
    """``excerpt_remove_blocks``, block by block (the same lists of blocks in 6.1 and 6.8).

    Lists are dropped: their ``core/list-item`` inner blocks are not in the allowed inner list.
    """
    version = markup_version(wp_version)
    out: list[str] = []
    for block in parse_blocks(content):
        if block.name not in _EXCERPT_INNER | _EXCERPT_WRAPPERS:
            continue
        if block.inner_blocks:
            if block.name in _EXCERPT_WRAPPERS:
                out.append("".join(b.render(version) for b in block.inner_blocks if b.name in _EXCERPT_INNER))
                continue
            if any(b.name not in _EXCERPT_INNER or b.inner_blocks for b in block.inner_blocks):
                continue
        out.append(block.render(version))
    return out


def excerpt_remove_blocks(content: str, wp_version: str | None = CURRENT_WP_VERSION) -> str:
    """``excerpt_remove_blocks``: the blocks WordPress uses for an automatic excerpt."""
    return "".join(_excerpt_parts(content, wp_version))


# ---------------------------------------------------------------------------------------------------------------
# wp_filter_content_tags (img/iframe attributes)
# ---------------------------------------------------------------------------------------------------------------

_MEDIA_TAG = re.compile(r"<(img|iframe)\s[^>]+>")


def wp_filter_content_tags(content: str) -> str:
    """``wp_filter_content_tags`` for images that are not attachments (no ``wp-image-N`` class).

    ``loading="lazy"`` needs width and height on the tag; ``decoding="async"`` needs a double-quoted src.
    """
    matches = _MEDIA_TAG.findall(content)
    if not matches:
        return content
    seen: set[str] = set()
    for m in _MEDIA_TAG.finditer(content):
        tag, name = m.group(0), m.group(1)
        if tag in seen:
            continue
        seen.add(tag)
        new = tag
        if name == "img":
            if " loading=" not in new and ' src="' in new and ' width="' in new and ' height="' in new:
                new = new.replace("<img", '<img loading="lazy"')
            if " decoding=" not in new and ' src="' in new:
                new = new.replace("<img ", '<img decoding="async" ')
        elif " loading=" not in new:
            new = new.replace("<iframe", '<iframe loading="lazy"')
        if new != tag:
            content = content.replace(tag, new)
    return content


# ---------------------------------------------------------------------------------------------------------------
# Filter chains
# ---------------------------------------------------------------------------------------------------------------


def the_content(content: str, *, site_url: str = "", wp_version: str | None = CURRENT_WP_VERSION) -> str:
    """``apply_filters('the_content', $content)`` on a stock WordPress ``wp_version`` (as the REST API
    renders it). 6.8 runs ``wp_filter_content_tags`` at 12 instead of 10, after ``capital_P_dangit`` (11):
    the two never touch the same text in this project's content, so the order here is 6.1's. Shortcodes: see
    :func:`unescape_shortcodes`."""
    blocks = has_blocks(content)
    text = unescape_shortcodes(content, ("embed",))  # WP_Embed::run_shortcode (8)
    text = do_blocks(text, wp_version)
    text = wptexturize(text)
    if not blocks:  # do_blocks() unhooks wpautop for block content
        text = wpautop(text)
    text = shortcode_unautop(text)
    text = wp_filter_content_tags(text)
    text = unescape_shortcodes(text)  # do_shortcode (11)
    text = capital_p_dangit(text)
    return convert_smilies(text, site_url)


def the_title(title: str, *, status: str = "publish") -> str:
    """``get_the_title``: "Private: " prefix for private posts, then the ``the_title`` filters."""
    if status == "private":
        title = f"Private: {title}"
    text = convert_chars(wptexturize(title)).strip(" \t\n\r\0\x0b")
    return capital_p_dangit(text, title=True)


_STRIP_SCRIPT_STYLE = re.compile(r"<(script|style)[^>]*?>.*?</\1>", re.DOTALL | re.IGNORECASE)
_PHP_STRIP_TAGS = re.compile(r"<!--.*?-->|<[^>]*>?", re.DOTALL)


def wp_strip_all_tags(text: str) -> str:
    """``wp_strip_all_tags`` (PHP ``strip_tags`` approximated for well-formed HTML)."""
    text = _STRIP_SCRIPT_STYLE.sub("", text)
    text = _PHP_STRIP_TAGS.sub("", text)
    return text.strip(" \t\n\r\0\x0b")


# wp_pre_kses_less_than(): a "<" that opens no complete tag is escaped (esc_html) before tags are stripped.
_LESS_THAN = re.compile(r"<[^>]*?((?=<)|>|$)", re.DOTALL)
_ENTITY_START = re.compile(r"&(?!(?:[A-Za-z][A-Za-z0-9]*|#[0-9]+|#[xX][0-9A-Fa-f]+);)")
_TEXT_FIELD_SPACE = re.compile(r"[\r\n\t ]+")
_OCTET = re.compile(r"%[a-f0-9]{2}", re.IGNORECASE)
_PHP_TRIM = " \t\n\r\0\x0b"
# PHP's strip_tags: "<" followed by whitespace opens no tag ("a < b > c" keeps its text). Quotes inside a
# tag are not modelled (no realistic name or alt text has them).
_TEXT_STRIP_TAGS = re.compile(r"<!--.*?-->|<(?![ \t\n\r\x0b\x0c])[^>]*>?", re.DOTALL)


def _esc_html(text: str) -> str:
    """``esc_html``: ``& < > " '`` escaped, entities that are already there kept."""
    text = _ENTITY_START.sub("&amp;", text)
    return text.replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;").replace("'", "&#039;")


def sanitize_text_field(text: str) -> str:
    """``sanitize_text_field``: what WordPress keeps of a one-line text field (term names, alt text).

    Tags are stripped (``<script>``/``<style>`` with their content), a ``<`` that opens no tag is escaped,
    runs of whitespace become one space, percent-encoded octets (``%2F``) are removed. WordPress applies it to
    every term name (``pre_term_name``) and to an attachment's ``alt_text``.
    """
    filtered = text
    if "<" in filtered:
        filtered = _LESS_THAN.sub(lambda m: m.group(0) if ">" in m.group(0) else _esc_html(m.group(0)), filtered)
        filtered = _TEXT_STRIP_TAGS.sub("", _STRIP_SCRIPT_STYLE.sub("", filtered)).strip(_PHP_TRIM)
        filtered = filtered.replace("<\n", "&lt;\n")
    filtered = _TEXT_FIELD_SPACE.sub(" ", filtered).strip(_PHP_TRIM)
    found = False
    while match := _OCTET.search(filtered):
        filtered = filtered.replace(match.group(0), "")
        found = True
    if found:
        filtered = re.sub(" +", " ", filtered).strip(_PHP_TRIM)
    return filtered


_WORD_SPLIT = re.compile(r"[\n\r\t ]+")


def wp_trim_words(text: str, num_words: int = 55, more: str = "&hellip;") -> str:
    """``wp_trim_words`` (word-based, as in English locales)."""
    text = wp_strip_all_tags(text)
    words = [w for w in _WORD_SPLIT.split(text, maxsplit=num_words) if w]
    # preg_split with a limit leaves the rest of the text in the last piece; PREG_SPLIT_NO_EMPTY drops blanks.
    if len(words) > num_words:
        return " ".join(words[:num_words]) + more
    return " ".join(words)


_EXCERPT_WORDS = 55
# Words of slack when rendering only a prefix of the content: display filters can remove a word
# (":mrgreen:" becomes an image) but never split or join words, so a prefix with this many extra
# words gives the same first 56 words as the whole content.
_PREFIX_SLACK = 24


def wp_trim_excerpt(
    content: str, *, site_url: str = "", rendered: str | None = None, wp_version: str | None = CURRENT_WP_VERSION
) -> str:
    """``wp_trim_excerpt`` for an empty excerpt: 55 words of the rendered content + `` [&hellip;]``.

    Only as many leading blocks as the 56 words need go through ``the_content`` (same result, and an
    automatic excerpt of a long post costs a few blocks instead of the whole post).

    ``rendered``, when given, must be ``the_content(content, site_url=site_url)``: it is reused when the
    excerpt's text is the whole content (classic content is one freeform block), instead of filtering
    the same text twice.

    6.8 also takes ``do_blocks`` and ``wp_filter_content_tags`` out of ``the_content`` here, and removes
    core footnote markers (``data-fn``): none of that changes the words of content without blocks left
    (``excerpt_remove_blocks`` has rendered them) and without core footnotes.
    """

    def filtered(text: str) -> str:
        if rendered is not None and text == content:
            return rendered
        return the_content(text, site_url=site_url, wp_version=wp_version)

    parts = _excerpt_parts(content, wp_version)
    taken: list[str] = []
    words = 0
    for part in parts:
        taken.append(part)
        words += len(_WORD_SPLIT.split(wp_strip_all_tags(part)))
        if words > _EXCERPT_WORDS + 1 + _PREFIX_SLACK:
            break
    text = wp_trim_words(filtered("".join(taken)).replace("]]>", "]]&gt;"),
                         _EXCERPT_WORDS, " [&hellip;]")  # fmt: skip
    if len(taken) < len(parts) and not text.endswith(" [&hellip;]"):
        # Fewer words than expected survived the filters: fall back to the whole content.
        full = filtered("".join(parts)).replace("]]>", "]]&gt;")
        text = wp_trim_words(full, _EXCERPT_WORDS, " [&hellip;]")
    return text


def the_excerpt(
    raw_excerpt: str,
    content: str,
    *,
    site_url: str = "",
    rendered: str | None = None,
    wp_version: str | None = CURRENT_WP_VERSION,
) -> str:
    """``excerpt.rendered`` in the REST API: ``get_the_excerpt`` then the ``the_excerpt`` filters.

    ``rendered``: ``the_content(content, site_url=site_url, wp_version=wp_version)`` if the caller has it
    (see ``wp_trim_excerpt``).
    """
    if raw_excerpt.strip(" \t\n\r\0\x0b"):
        text = raw_excerpt
    else:
        text = wp_trim_excerpt(content, site_url=site_url, rendered=rendered, wp_version=wp_version)
    text = wptexturize(text)
    text = convert_smilies(text, site_url)
    text = convert_chars(text)
    text = wpautop(text)
    text = shortcode_unautop(text)
    return wp_filter_content_tags(text)


# ---------------------------------------------------------------------------------------------------------------
# kses (users without unfiltered_html)
# ---------------------------------------------------------------------------------------------------------------

_SELF_CLOSING = re.compile(r"(?<! )/>")
_NUMERIC_ENTITY = re.compile(r"&#(0*)([0-9]{1,7});")


def kses_normalize(content: str) -> str:
    """What kses does on save, for authors, to markup THIS renderer emits (not a general kses port).

    ``wp_kses_attr`` rebuilds tags with attributes as ``<tag attrs />`` (a space before ``/>``), and
    ``wp_kses_normalize_entities`` pads decimal entities to three digits (``&#91;`` -> ``&#091;``).
    Measured against WordPress 6.1.9 in the project's WordPress tests.
    """

    def pad(m: re.Match[str]) -> str:
        digits = m.group(2)
        value = int(digits) if digits else 0
        if value == 0 or value > 0x10FFFF:
            return m.group(0)
        return "&#" + str(value).rjust(3, "0") + ";"

    return _NUMERIC_ENTITY.sub(pad, _SELF_CLOSING.sub(" />", content))
