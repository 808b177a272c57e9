"""The topic screen: a necessary condition of :func:`~.topics.match_topic`, checked before a listing record
becomes a :class:`~.models.Paper` (most of a year's 61,000 records cannot be selected by a topic).

Two stages, each a necessary condition of the next: :meth:`TopicScreen.may_select_line`, one RE2 search
of the record's raw JSON line (no decoding, no Python per word), and :meth:`TopicScreen.may_select`, regexes
over the words of the decoded title and abstract (RE2 too, Python's engine if RE2 refuses one). The
rules' own regexes decide (:func:`~.topics.match_topic`).
"""

from __future__ import annotations

import re
from typing import Any

from .models import TextMatcher, Topic, re2_regex, word_buffer


def _keyword_words(matcher: TextMatcher) -> set[tuple[bytes, ...]]:
    """The words of each of the matcher's keywords, in order: wherever the group's regex finds a keyword,
    a :func:`word_buffer` of the text holds its words in this order, between separators (a separator of
    the keyword, or a run of whitespace and hyphens, is one or more spaces in the buffer)."""
    return set(matcher.keywords)


def _trie(keywords: set[tuple[bytes, ...]], gap: bytes) -> bytes:
    """Any of ``keywords`` as one regex (no group captures), as a trie: a regex engine that tries the
    alternatives of a group one by one (Python's) then shares their first letters, which halves its time;
    ``gap`` is the regex between two words of a keyword."""
    tree: dict[bytes, Any] = {}
    for keyword in keywords:
        node = tree
        for word_index, word in enumerate(keyword):
            for step in ([b" "] if word_index else []) + [bytes([c]) for c in word]:
                node = node.setdefault(step, {})
        node[b""] = {}

    def pattern(node: dict[bytes, Any]) -> bytes:
        ends = b"" in node
        parts = [(gap if step == b" " else re.escape(step)) + pattern(child)
                 for step, child in sorted(node.items()) if step]  # fmt: skip
        if not parts:
            return b""
        if len(parts) == 1 and not ends:
            return parts[0]
        return b"(?:" + b"|".join(parts) + b")" + (b"?" if ends else b"")

    return pattern(tree)


def words_regex(keywords: set[tuple[bytes, ...]]) -> Any:
    """A search of a :func:`~.models.word_buffer` for any of ``keywords`` (words between single or
    repeated spaces): by RE2, or by Python's engine if RE2 refuses it (the same answers)."""
    pattern = b" " + _trie(keywords, b" +") + b" "
    return re2_regex(pattern) or re.compile(pattern)


# With IGNORECASE, Python's regex matches "i" to "ı" and "İ", and "s" to "ſ"; str.lower keeps "ı" and "ſ",
# and turns "İ" into "i" + a combining dot: a keyword found through them is not in the word buffer.
_CASE_SPECIAL = ("ı", "İ", "ſ")

# The raw line (:meth:`TopicScreen.may_select_line`). In a JSON string, a character the word buffer treats as
# a separator (anything but an ASCII letter or digit, once lower-cased) is written as itself (one byte, or
# the bytes of its UTF-8: none is an ASCII letter or digit), or as an escape: a backslash and one character
# (\" \\ \/ \b \f \n \r \t: the letter of \n is not a word's) or \u and four hex digits, which may also spell a letter.
_GAP = rb"(?:[^a-zA-Z0-9\\]|\\[^u])"  # one separator as a raw JSON string writes it (\u never: see _ALWAYS)
_END = rb"(?:[^a-zA-Z0-9]|$)"  # after a keyword's last word: a separator, an escape, or the string's end
_STRING_START = rb'"(?:[^a-zA-Z0-9\\"]|\\[^u])*'  # a JSON string's opening quote, then separators only
# A line with a \u escape, or with a letter that lower-casing or Python's case-insensitive matching turns
# into an ASCII one ("İ", "ı", "ſ" and the Kelvin sign: all there are, tested), passes whole.
ASCII_FOLDING = ("İ", "ı", "ſ", "\u212a")
_ALWAYS = b"|".join([rb"\\u", *(re.escape(letter.encode("utf-8")) for letter in ASCII_FOLDING)])


def line_regex(keywords: set[tuple[bytes, ...]]) -> bytes:
    """An RE2 pattern (bytes as Latin-1, case-insensitive) found in the raw JSON line of EVERY record whose
    title and abstract hold one of ``keywords`` in their :func:`~.models.word_buffer` (f"{title}\\n{abstract}"):
    a keyword inside one string is its words with raw separators between (:data:`_GAP`); one that runs from
    the end of the title into the start of the abstract (two strings of the line, in either order, with
    other fields between) leaves at least its last words at the start of a string."""
    body = _trie(keywords, _GAP + b"+")
    tails = {keyword[index:] for keyword in keywords for index in range(1, len(keyword))}
    pattern = b"(?i)" + _GAP + body + _END
    if tails:
        pattern += b"|" + _STRING_START + _trie(tails, _GAP + b"+") + _END
    return pattern + b"|" + _ALWAYS


class TopicScreen:
    """A necessary condition of :func:`~.topics.match_topic`, checked on a record's title and abstract text before
    a :class:`Paper` is built: when :meth:`may_select` is False, no include rule of the topic can match.

    A rule matches only if each of its keyword groups finds one of its keywords, so one group per include
    rule is enough to rule the rule out. The screen looks for the keywords of one group of every rule at
    once: one regex over the words of the title (groups matched against the title alone), one over the
    words of title + abstract (:func:`word_buffer`; a keyword is its words in order there, wherever the
    group's own regex finds it). Which group of a rule it uses is chosen by the first ``sample`` texts it
    sees (those are checked against every group of every rule): the one they satisfied least often. The
    choice changes the speed, never the answer. A text with a letter that case-insensitive matching treats
    specially ("ı", "İ", "ſ") always passes. A topic with an include rule that has no keyword group (a raw
    regex or categories only) has no screen (:func:`topic_screen`).

    Once the groups are chosen, :meth:`may_select_line` answers before the line is decoded, with one RE2
    search of the raw JSON line for the same keywords (:func:`line_regex`): a necessary condition of
    :meth:`may_select` (on the real year it passes 10,811 lines of 61,172, :meth:`may_select` then 6,236).
    If RE2 refuses the pattern, every line passes.
    The screen crosses to reader processes pickled; its RE2 regexes, which do not pickle, are compiled again.
    """

    def __init__(self, rules: list[list[tuple[bool, set[tuple[bytes, ...]]]]], sample: int = 128) -> None:
        # per include rule: (on the title alone?, the words of its keywords) of each keyword group
        self._rules = rules
        self._passes = [[0] * len(checks) for checks in rules]
        self._left = sample
        # the keywords of the chosen groups, searched in the title and in the whole text (None: not chosen yet)
        self._on_title: set[tuple[bytes, ...]] | None = None
        self._on_text: set[tuple[bytes, ...]] | None = None
        if self._left <= 0:
            self._choose()
        else:
            self._compile()

    # What is compiled (RE2 regexes do not pickle) is left out of a copy and compiled again from the rest.
    _COMPILED = ("_checks", "_title", "_text", "_line")

    def __getstate__(self) -> dict[str, Any]:
        return {key: value for key, value in self.__dict__.items() if key not in self._COMPILED}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._compile()

    def _compile(self) -> None:
        """The regexes of the current state: every group's while learning; the chosen groups' once chosen."""
        learning = self._on_title is None or self._on_text is None
        self._checks = [[words_regex(keywords) for _, keywords in checks] for checks in self._rules] if learning else []
        self._title: Any = words_regex(self._on_title) if self._on_title else None
        self._text: Any = words_regex(self._on_text) if self._on_text else None
        self._line: Any = None  # line_regex compiled by RE2, once the groups are chosen (None: every line passes)
        if not learning:
            assert self._on_title is not None and self._on_text is not None
            # a title's keyword is anywhere in the line too
            self._line = re2_regex(line_regex(self._on_title | self._on_text))

    @property
    def chosen(self) -> bool:
        """Whether the screen has chosen its groups (its learning sample is over)."""
        return self._left <= 0

    def may_select_line(self, line: bytes) -> bool:
        """False only if :meth:`may_select` is False for the title and abstract of every JSON object this
        line can hold (True while the screen is still learning which groups to use)."""
        return self._line is None or self._line.search(line) is not None

    def may_select(self, title: str, abstract: str) -> bool:
        """False only if no include rule can match a paper with this title and abstract (whitespace
        as in the record: it does not change the words)."""
        if not (title.isascii() and abstract.isascii()) and any(
            letter in title or letter in abstract for letter in _CASE_SPECIAL
        ):
            return True
        text = word_buffer(f"{title}\n{abstract}")
        # The title's own buffer is the head of the text's (b" " + title + b" ") when lower-casing and
        # UTF-8 keep its length, as for an ASCII title: searched in place, up to there.
        title_end = len(title) + 2 if title.isascii() else -1
        if self._left > 0:
            return self._learn(text[:title_end] if title_end >= 0 else word_buffer(title), text)
        if self._title is not None and (
            self._title.search(text, 0, title_end) if title_end >= 0 else self._title.search(word_buffer(title))
        ):
            return True
        return self._text is not None and self._text.search(text) is not None

    def _learn(self, title: bytes, text: bytes) -> bool:
        """Count which groups this text satisfies; True if some rule has all its groups satisfied (else
        no rule can match: the same necessary condition, checked group by group)."""
        possible = False
        for rule, checks, passes in zip(self._rules, self._checks, self._passes, strict=True):
            found = [regex.search(title if rule[index][0] else text) is not None for index, regex in enumerate(checks)]
            possible = possible or all(found)
            for index, hit in enumerate(found):
                passes[index] += hit
        self._left -= 1
        if self._left == 0:
            self._choose()
        return possible

    def _choose(self) -> None:
        """For each rule, the group the sample satisfied least often; the screen's regexes from them."""
        on_title: set[tuple[bytes, ...]] = set()
        on_text: set[tuple[bytes, ...]] = set()
        for rule, passes in zip(self._rules, self._passes, strict=True):
            title_only, keywords = rule[min(range(len(rule)), key=passes.__getitem__)]
            (on_title if title_only else on_text).update(keywords)
        self._on_title, self._on_text = on_title, on_text
        self._compile()


def topic_screen(topic: Topic, sample: int = 128) -> TopicScreen | None:
    """The topic's :class:`TopicScreen`; None when an include rule has no keyword guard to screen by."""
    rules: list[list[tuple[bool, set[tuple[bytes, ...]]]]] = []
    for rule in topic.include:
        checks = [(True, _keyword_words(m)) for m in rule.title_patterns if m.guarded]
        checks += [(False, _keyword_words(m)) for m in rule.patterns if m.guarded]
        if not checks:
            return None
        rules.append(checks)
    return TopicScreen(rules, sample) if rules else None


