"""Topics: what a post is about, read from ``topics.toml``.

A topic has include rules (a paper is in if ANY include rule matches), exclude rules (out if ANY matches)
and an optional scope of arXiv categories. Within one rule, every keyword group must match (``all``), each
group being any-of; ``title`` is an any-of group matched against the title alone; ``regex`` adds raw
patterns that must all match; ``categories`` restricts the rule.
Keywords match case-insensitively on word boundaries over title + abstract.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from .errors import ConfigError, DigestError
from .models import Paper, PostKind, Rule, TextMatcher, Topic, ascii_words, re2_options, word_buffer, word_set

DEFAULT_TOPICS_FILE = Path("topics.toml")


_SEPARATOR = r"[\s\-]+"  # a space in a keyword matches any run of spaces and hyphens
# The same on ASCII text, written with ASCII characters only (Python's \s there), as RE2 reads it alike.
_ASCII_SEPARATOR = r"[\t\n\x0b\x0c\r\x1c-\x1f \-]+"


def keyword_pattern(keywords: list[str]) -> re.Pattern[str]:
    """One regex for an any-of group; ``\\b`` only where the keyword starts/ends with a word character.

    Keywords that begin with the same words share them ("reinforcement learning stage", "reinforcement
    learning framework" -> ``reinforcement[\\s\\-]+learning[\\s\\-]+(?:stage|framework)``): the regex
    engine tries every alternative at every position of an abstract, so a group of forty keywords costs
    as many alternatives as it has distinct first words, not forty. Whether the pattern finds a match
    anywhere is the same as for the plain alternation of the keywords (all the selection asks).
    """
    return re.compile(keyword_source(keywords), re.IGNORECASE)


def keyword_source(keywords: list[str], separator: str = _SEPARATOR) -> str:
    """The source of :func:`keyword_pattern` (the trie of the keywords), without its flags; ``separator`` is
    the regex between two words of a keyword."""
    trie: dict[str, Any] = {}
    for keyword in sorted(set(keywords)):
        node, entry = trie, None
        for token in keyword.split(" "):
            entry = node.setdefault(token.lower(), {"token": token, "ends": set(), "next": {}})
            node = entry["next"]
        if entry is not None:
            entry["ends"].add(keyword[-1:].isalnum())
    return _alternatives(trie, separator, first=True)


def _alternatives(trie: dict[str, Any], separator: str, *, first: bool) -> str:
    parts = []
    for entry in trie.values():
        token = entry["token"]
        left = r"\b" if first and token[:1].isalnum() else ""
        body = left + re.escape(token)
        ends: set[bool] = entry["ends"]
        endings = [r"\b" if bounded else "" for bounded in sorted(ends)]
        if entry["next"]:
            endings.append(separator + _alternatives(entry["next"], separator, first=False))
        parts.append(body + (endings[0] if len(endings) == 1 else "(?:" + "|".join(endings) + ")"))
    return parts[0] if len(parts) == 1 and not first else "(?:" + "|".join(parts) + ")"


def keyword_matcher(keywords: list[str]) -> TextMatcher:
    """The group's regex, guarded by the words of its keywords.

    A keyword that starts with a letter or digit is matched from a word boundary, and its inner
    separators are non-word characters, so a match covers each of its words as a whole word of the
    text: a paper lacking one of a keyword's words cannot match that keyword. Only for ASCII keywords
    without underscores: for others ``str.lower``, the regex's case folding and ``\\w`` may disagree
    with :func:`~digest_publisher.models.word_set`, so the regex always runs.
    """
    source = keyword_source(keywords)  # compiled when a text is matched (TextMatcher.pattern)
    split = [ascii_words(k) for k in keywords]
    if not (all(k.isascii() and k[:1].isalnum() and "_" not in k for k in keywords) and all(split)):
        return TextMatcher(source)
    return TextMatcher(
        source,
        lowered=keyword_source([k.lower() for k in keywords], _ASCII_SEPARATOR),
        guarded=True,
        single_words=frozenset(w[0] for w in split if len(w) == 1),
        phrases=tuple(frozenset(w) for w in split if len(w) > 1),
        phrase_keys=frozenset(max(w, key=len) for w in split if len(w) > 1),
        keywords=tuple(tuple(w) for w in split),
    )


def _str_list(value: Any, where: str, problems: list[str]) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value):
        return list(value)
    problems.append(f"{where} must be a list of non-empty strings")
    return []


def _parse_rule(raw: Any, where: str, problems: list[str]) -> Rule | None:
    if not isinstance(raw, dict):
        problems.append(f"{where} must be a table")
        return None
    unknown = set(raw) - {"name", "title", "any", "all", "regex", "categories"}
    if unknown:
        problems.append(
            f"{where} has unknown key(s) {', '.join(sorted(unknown))} (use name, title, any, all, regex, categories)"
        )
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        problems.append(f"{where} needs a name")
        name = where
    patterns: list[TextMatcher] = []
    groups: list[list[str]] = []
    if "any" in raw:
        groups.append(_str_list(raw["any"], f"{where}.any", problems))
    all_groups = raw.get("all", [])
    if not isinstance(all_groups, list):
        problems.append(f"{where}.all must be a list of keyword lists")
        all_groups = []
    for index, group in enumerate(all_groups):
        groups.append(_str_list(group, f"{where}.all[{index}]", problems))
    patterns.extend(keyword_matcher(g) for g in groups if g)
    for index, expr in enumerate(_str_list(raw.get("regex"), f"{where}.regex", problems)):
        try:
            re.compile(expr, re.IGNORECASE)  # refused here, with the file's other problems
            patterns.append(TextMatcher(expr))
        except re.error as exc:
            problems.append(f"{where}.regex[{index}] {expr!r} is not a valid regex ({exc})")
    categories = frozenset(_str_list(raw.get("categories"), f"{where}.categories", problems))
    title_words = _str_list(raw.get("title"), f"{where}.title", problems)
    title_patterns = (keyword_matcher(title_words),) if title_words else ()
    if not patterns and not categories and not title_patterns:
        problems.append(f"{where} matches nothing: give title, any, all, regex or categories")
    return Rule(name=name, patterns=tuple(patterns), categories=categories, title_patterns=title_patterns)


def _parse_date(value: Any, where: str, problems: list[str]) -> date | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        problems.append(f"{where} {value!r} is not a date (YYYY-MM-DD)")
        return None


def _parse_topic(raw: Any, index: int, problems: list[str]) -> Topic | None:
    where = f"topic #{index + 1}"
    if not isinstance(raw, dict):
        problems.append(f"{where} must be a table")
        return None
    if isinstance(raw.get("number"), str):
        where = f"topic {raw['number']}"
    missing = [k for k in ("number", "name", "slug") if not isinstance(raw.get(k), str) or not raw.get(k)]
    if missing:
        problems.append(f"{where} lacks {', '.join(missing)} (strings)")
        return None
    category = raw.get("category") or {}
    if not isinstance(category, dict):
        problems.append(f"{where}.category must be a table with name and slug")
        category = {}
    kind_text = raw.get("kind", "backfill")
    try:
        kind = PostKind(kind_text)
    except ValueError:
        problems.append(f"{where}.kind {kind_text!r} is unknown (backfill or brief)")
        kind = PostKind.BACKFILL
    include = [_parse_rule(r, f"{where}.include[{i}]", problems) for i, r in enumerate(raw.get("include", []))]
    exclude = [_parse_rule(r, f"{where}.exclude[{i}]", problems) for i, r in enumerate(raw.get("exclude", []))]
    if not include:
        problems.append(f"{where} has no include rule")
    window = raw.get("window") or {}
    scope = raw.get("scope") or {}
    return Topic(
        number=raw["number"],
        name=raw["name"],
        slug=raw["slug"],
        category_name=str(category.get("name") or raw["name"]),
        category_slug=str(category.get("slug") or f"topic-{raw['number']}"),
        include=tuple(r for r in include if r),
        exclude=tuple(r for r in exclude if r),
        scope_categories=frozenset(_str_list(scope.get("categories"), f"{where}.scope.categories", problems)),
        kind=kind,
        series=str(raw.get("series") or "Frontier AI Research Digest"),
        tags=tuple(_str_list(raw.get("tags"), f"{where}.tags", problems)),
        window_from=_parse_date(window.get("from"), f"{where}.window.from", problems),
        window_to=_parse_date(window.get("to"), f"{where}.window.to", problems),
        pins=tuple(_str_list(raw.get("pin"), f"{where}.pin", problems)),
        exclude_ids=tuple(_str_list(raw.get("exclude_ids"), f"{where}.exclude_ids", problems)),
    )


@dataclass(frozen=True)
class Topics:
    path: Path
    topics: tuple[Topic, ...]

    def __iter__(self) -> Iterator[Topic]:
        return iter(self.topics)

    def get(self, ref: str) -> Topic:
        """By number (``07`` or ``7``), slug, or label (``07 - RL & Post-Training``, as post.md records it)."""
        wanted = ref.strip().lower()
        for topic in self.topics:
            if wanted in (topic.number.lower(), topic.slug.lower(), topic.label.lower()) or (
                wanted.isdigit() and topic.number.isdigit() and int(wanted) == int(topic.number)
            ):
                return topic
        known = ", ".join(f"{t.number} ({t.slug})" for t in self.topics)
        raise ConfigError(f"unknown topic {ref!r} in {self.path}", f"Use one of: {known}")


_LOADED: dict[Path, tuple[str, Topics]] = {}


def load_topics(path: Path = DEFAULT_TOPICS_FILE) -> Topics:
    """Read and validate topics.toml, reporting every problem at once. The same text read again is not
    parsed again (``status`` and ``republish`` ask for every post's topic label and category)."""
    try:
        text = path.read_text(encoding="utf-8")
        read_before = _LOADED.get(path)
        if read_before is not None and read_before[0] == text:
            return read_before[1]
        data = tomllib.loads(text)
    except FileNotFoundError:
        raise ConfigError(
            f"no topics file at {path}", "Run from the project folder or pass --topics PATH"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path} ({exc})", "Check the file's permissions") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML ({exc})", "Fix the syntax") from exc
    problems: list[str] = []
    raw_topics = data.get("topics")
    if not isinstance(raw_topics, list) or not raw_topics:
        raise ConfigError(f"{path} defines no [[topics]]", "Add at least one [[topics]] table")
    topics = [_parse_topic(raw, i, problems) for i, raw in enumerate(raw_topics)]
    found = [t for t in topics if t]
    seen: dict[str, str] = {}
    for topic in found:
        for ident in (topic.number, topic.slug):
            if ident in seen:
                problems.append(f"topic id {ident!r} is used twice")
            seen[ident] = topic.number
    if problems:
        raise ConfigError(
            f"{path} has {len(problems)} problem(s): " + "; ".join(problems), "Fix them and run again"
        )
    loaded = Topics(path=path, topics=tuple(found))
    _LOADED[path] = (text, loaded)
    return loaded


def match_topic(topic: Topic, paper: Paper) -> str | None:
    """The name of the first include rule that selects ``paper``, or None if the topic rejects it."""
    if topic.scope_categories and topic.scope_categories.isdisjoint(paper.categories):
        return None
    text = f"{paper.title}\n{paper.abstract}"
    compiled = _compiled(topic)
    if compiled.groups is not None and text.isascii():
        found = compiled.groups.find(paper.title, text)
        if found is not None:
            plans, count = compiled.groups.plans, len(topic.include)
            rules = zip(topic.include, plans[:count], strict=True)
            name = next((rule.name for rule, plan in rules if _rule_found(rule, plan, paper, text, found)), None)
            excluded = zip(topic.exclude, plans[count:], strict=True)
            if name is None or any(_rule_found(rule, plan, paper, text, found) for rule, plan in excluded):
                return None
            return name
    title_words = word_set(paper.title)
    words = compiled.vocabulary.intersection(word_buffer(text).split()) if compiled.vocabulary else frozenset()
    # Include rules first: most papers match none, and then the exclude rules need not run (same answer).
    name = next((rule.name for rule in topic.include if rule.matches(paper, text, words, title_words)), None)
    if name is None or any(rule.matches(paper, text, words, title_words) for rule in topic.exclude):
        return None
    return name


# How a rule's matchers are answered from a _Groups pass: (on the title alone?, index in that Set, the matcher);
# the index is None for a matcher not in the Sets (a raw regex, non-ASCII keywords): it searches itself.
_Plan = tuple[tuple[bool, int | None, TextMatcher], ...]


def _rule_found(rule: Rule, plan: _Plan, paper: Paper, text: str, found: tuple[list[int], list[int]]) -> bool:
    """:meth:`Rule.matches`, with the keyword groups' answers from one :meth:`_Groups.find`."""
    if rule.categories and rule.categories.isdisjoint(paper.categories):
        return False
    for on_title, index, matcher in plan:
        if not (matcher.search(paper.title if on_title else text) if index is None else index in found[on_title]):
            return False
    return bool(rule.patterns or rule.categories or rule.title_patterns)


class _Groups:
    """The topic's keyword groups as two RE2 Sets (those matched against the title alone, and the others), so
    that one pass over a lower-cased ASCII text finds every group that occurs in it, each as its own lowered
    regex would (:attr:`TextMatcher.lowered`). Each Set also holds the empty pattern, which every text
    matches: an answer without it is RE2's failure (a Set whose DFA runs out of memory matches nothing), and
    the caller then matches the usual way."""

    def __init__(self, topic: Topic) -> None:
        import re2

        self._sets = (re2.Set.SearchSet(re2_options()), re2.Set.SearchSet(re2_options()))  # text, title
        for groups in self._sets:
            groups.Add(b"")  # index 0: every text
        plans = []
        for rule in (*topic.include, *topic.exclude):
            matchers = [(True, m) for m in rule.title_patterns] + [(False, m) for m in rule.patterns]
            plans.append(tuple(
                (on_title, None if m.lowered is None else self._sets[on_title].Add(m.lowered.encode("ascii")), m)
                for on_title, m in matchers
            ))  # fmt: skip
        for groups in self._sets:
            groups.Compile()
        self.plans: list[_Plan] = plans

    def find(self, title: str, text: str) -> tuple[list[int], list[int]] | None:
        """The indices of the groups found in ``text`` and in ``title`` (ASCII), or None if RE2 failed."""
        on_text = self._sets[0].Match(text.lower().encode("ascii"))
        on_title = self._sets[1].Match(title.lower().encode("ascii"))
        if not on_text or not on_title or 0 not in on_text or 0 not in on_title:
            return None
        return on_text, on_title


class _Compiled:
    """What :func:`match_topic` keeps of a topic in this process: its :class:`_Groups` (None if RE2 refuses
    them) and the vocabulary of its guards, for the texts the Sets do not take (non-ASCII)."""

    def __init__(self, topic: Topic) -> None:
        import re2

        self.topic = topic
        try:
            self.groups: _Groups | None = _Groups(topic)
        except re2.error:
            self.groups = None
        # The words of the guarded groups' keywords: a guard (``TextMatcher.may_match``) asks only about those,
        # so it answers on the text's words among them as on all of its words; kept from the split buffer in
        # one C call (no frozenset of every word is built).
        self.vocabulary = frozenset(
            word for rule in (*topic.include, *topic.exclude) for matcher in rule.patterns
            if matcher.guarded for keyword in matcher.keywords for word in keyword
        )  # fmt: skip


_COMPILED: dict[int, _Compiled] = {}  # by id(topic): the topics matched last in this process (at most 16)


def _compiled(topic: Topic) -> _Compiled:
    known = _COMPILED.get(id(topic))
    if known is None or known.topic is not topic:
        if len(_COMPILED) >= 16:
            del _COMPILED[next(iter(_COMPILED))]  # the oldest: a process matches against a few topics
        known = _COMPILED[id(topic)] = _Compiled(topic)
    return known


def _topic_of(topic: str | None, topics_path: Path) -> Topic | None:
    """A post's topic as the topics file describes it; None without a topic, file or entry for it."""
    if not topic or not topics_path.is_file():
        return None
    try:
        return load_topics(topics_path).get(topic)
    except (DigestError, KeyError, LookupError):
        return None


def topic_label(topic: str | None, topics_path: Path) -> str | None:
    """The editor-facing label of a post's topic ("07 - RL & Post-Training") from the topics file; the
    front matter's own text when the file or the topic is not there; None for a post without a topic."""
    found = _topic_of(topic, topics_path)
    return found.label if found is not None else topic or None


def topic_category_slugs(topic: str | None, topics_path: Path) -> dict[str, str]:
    """``{category name: slug}`` of a post's topic from the topics file (its ``category = {name, slug}``);
    empty for a post without a topic, or when the file or the topic is not there."""
    found = _topic_of(topic, topics_path)
    return {found.category_name: found.category_slug} if found is not None else {}
