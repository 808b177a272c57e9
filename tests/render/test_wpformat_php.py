"""The Python ports of WordPress's display filters against WordPress's own PHP, on thousands of inputs.

The PHP side is each WordPress the tests cover, run by ``php`` through ``php/wp_formatting.php``: 6.1
(Debian 12's ``/usr/share/wordpress``) and 6.8 (Debian 13's, cached by scripts/wordpress-server.sh in
/var/cache/digest-publisher/wordpress-6.8); a version is skipped when php or its tree is missing.
Inputs are random mixtures of the characters and fragments each filter reacts to (quotes, dashes, tags,
comments, entities, shortcodes, smilies, code/pre), generated from fixed seeds so a failure reproduces.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from digest_publisher.render import wpformat as W

HARNESS = Path(__file__).parent / "php" / "wp_formatting.php"
#: wp-includes of each version (the 6.8 tree: the script's default cache, see its header).
WP_INCLUDES = {
    "6.1": Path("/usr/share/wordpress/wp-includes"),
    "6.8": Path("/var/cache/digest-publisher/wordpress-6.8/usr/share/wordpress/wp-includes"),
}


@pytest.fixture(params=sorted(WP_INCLUDES), ids=lambda version: f"wp{version}")
def wp_includes(request: pytest.FixtureRequest) -> Path:
    """The real wp-includes of one version; skips when php or that tree is missing
    (``scripts/wordpress-server.sh install`` provides both)."""
    found: Path = WP_INCLUDES[request.param]
    if shutil.which("php") is None or not (found / "formatting.php").is_file():
        pytest.skip(
            f"needs php and WordPress {request.param}'s {found}/formatting.php (scripts/wordpress-server.sh install)"
        )
    return found


PIECES = [*"ab x9 0'\"-.,;:!?()[]{}<>&/\n\t", "&nbsp;", "&lt;", "&gt;", "&amp;", "\u00a0", "...", "--", "---",
          "<code>", "</code>", "<pre>", "</pre>", "<p>", "</p>", "<kbd>", "</kbd>", "<!-- c -->", "[gallery]",
          "[/caption]", "[code]", "[/code]", "'99", "19x20", "0x12", "'tis", "(tm)", " (tm)", "Wordpress",
          ":)", ";-)", ":mrgreen:", "<br>", "<br />", "\n\n", "<blockquote>", "</blockquote>", "<li>", "<ul>",
          "</ul>", "</li>", "<div>", "</div>", "é", "中", '<img src="x">', '<img src="x" width="1" height="2">',
          "<h2>", "</h2>", "<figcaption>", "</figcaption>", "<hr>", "<hr />", "&#8217;", "5'", '10"']  # fmt: skip

SITE = "http://127.0.0.1"
PORTS: dict[str, Callable[[str], str]] = {
    "wptexturize": W.wptexturize,
    "wpautop": W.wpautop,
    "convert_smilies": lambda text: W.convert_smilies(text, SITE),
    "convert_chars": W.convert_chars,
    "shortcode_unautop": W.shortcode_unautop,
    "capital_P_dangit": W.capital_p_dangit,
    "wp_trim_words": lambda text: W.wp_trim_words(text, 55, " [&hellip;]"),
}

CURATED = [
    "<p>It's the paper's 'quoted' claim, rock 'n' roll, '90s</p>",
    '<p>He said "hello" and "bye".</p>',
    "<p>a--b, a---b, a -- b, a --- b, 2019-2020, -1</p>",
    "<p>Wait... 1920x1080, 3x faster, Foo(tm) (c) (r)</p>",
    "<p>5' 10\" tall, 'single' \"double\"</p>",
    "<p>R&D, Q&amp;A, AT&T, &copy; &#169; &lt;tag&gt;</p>",
    '<p>Use <code>it\'s "x" -- y && z</code> here</p>',
    "<p><kbd>it's</kbd> <tt>it's</tt> <samp>it's</samp> <var>it's</var></p>",
    "<p>Nice :) and ;) and 8) and :-( end</p>",
    "<p>line one\nline two</p>",
    "Para one\nstill one\n\nPara two",
    "<ul><li>a</li><li>b</li></ul>",
    '<blockquote>\n<p>Quoted "text".</p>\n</blockquote>',
    '<pre><code>def f(x):\n    return x -- 1  # it\'s "ok"\n\n\nprint(f(2))\n</code></pre>',
]


def _run_php(cases: list[tuple[str, str]], wp_includes: Path) -> list[str]:
    done = subprocess.run(
        ["php", str(HARNESS)],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "WP_INCLUDES": str(wp_includes)},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result: list[str] = json.loads(done.stdout)
    return result


def _random_text(rng: random.Random, size: int, well_formed: bool) -> str:
    text = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, size)))
    if well_formed:
        # PHP's strip_tags() treats a bare "<" as the start of a tag; rendered content never has one.
        text = text.replace("<", "\x00").replace("\x00!--", "<!--")
        for tag in ("code", "pre", "p", "kbd", "br", "blockquote", "li", "ul", "div", "img", "h2", "figcaption", "hr"):
            text = text.replace(f"\x00{tag}", f"<{tag}").replace(f"\x00/{tag}", f"</{tag}")
        text = text.replace("\x00", "")
    return text


@pytest.mark.parametrize("function", sorted(PORTS))
def test_port_equals_wordpress_php(function: str, wp_includes: Path) -> None:
    rng = random.Random(f"wpformat-{function}")
    texts = CURATED + [_random_text(rng, 30, function == "wp_trim_words") for _ in range(1500)]
    expected = _run_php([(function, t) for t in texts], wp_includes)
    mismatches = [(t, e, PORTS[function](t)) for t, e in zip(texts, expected, strict=True) if PORTS[function](t) != e]
    assert not mismatches, f"{len(mismatches)}/{len(texts)} differ; first: {mismatches[0]!r}"
