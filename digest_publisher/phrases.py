"""The one rule for naming a theme: a noun phrase the papers share, as an editor titles a section.

Used by the built-in drafter (its H2 headings, :mod:`digest_publisher.drafting.themes`) and by the built-in
curation scorer (the theme in curation.md and the coverage cap, :mod:`digest_publisher.curation.builtin`).

A theme's label is a phrase the corpus itself writes, never a composition of two loose words. A phrase is
a run of one to three words inside one clause (stopwords, punctuation, LaTeX and URLs break runs), and it
may name a theme only when:

* it occurs in at least ``min_papers`` papers' founding text (titles, or titles and abstracts), and in at
  most ``max_share`` of them (near-universal phrases such as "large language models" name nothing);
* its first and last words are not generic (:data:`GENERIC`: "gains", "accuracy", "enhancing",
  "efficient", "missing", ...), not adverbs ("-ly"), not numbers, and its first word is not a verb form
  in "-ing" (an "-ing" word opens a phrase only if the corpus mostly writes it after another content
  word, as in "multimodal reasoning", "reinforcement learning", "reward hacking");
* it is not half of a longer phrase: when one word before or after it follows it in 60% or more of its
  occurrences ("human" -> "human feedback", "large multimodal" -> "large multimodal models"), only the
  longer phrase may be a label;
* a single word names a theme only when it is an acronym as written ("GRPO", "RLVR") or a keyword of the
  topic (its rules or tags), has three letters or more and is not a model family ("LLMs"): a lone
  "Human", "Visual" or "RL" never does.

Themes are founded greedily: the phrase found in the most papers not yet themed (a two- or three-word
phrase counts 1.5 times, a phrase of the topic's vocabulary 1.25 times) founds the next theme; a phrase
sharing a word with an earlier founder is skipped, so headings never repeat a word. A paper takes the
first founder its title holds, else the first its founding text holds, else the founder its abstract
mentions most, else none. The label is the phrase as the corpus most often writes it, in title case
with acronyms kept ("Reward Models", "GRPO", "Multimodal Reasoning").

Pure functions; deterministic (ties by phrase text); standard library only.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .models import Topic


def wordlist(text: str) -> frozenset[str]:
    """The words, each also in its folded form (:func:`_fold`)."""
    return frozenset(text.split()) | frozenset(_fold(w) for w in text.split())


@functools.lru_cache(maxsize=65536)
def _fold(word: str) -> str:
    """Light plural folding, so "reward model" and "reward models" are one phrase (the label takes the
    form the corpus writes most)."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


#: Function words: never a term (drafting's vocabulary) nor a label's edge.
BASE_STOPWORDS = wordlist(
    """a about above across after again against all almost along also although always am among an and
    another any are around as at be because been before being below between both but by can cannot could
    did do does doing done down during each either enough especially even ever every few for from further
    had has have having here how however if in into is it its itself just least less like many may might
    more most much must near neither no nor not now of off often on once one only onto or other others
    otherwise our out over own per perhaps rather same several shall should since so some such than that
    the their them themselves then there these they this those though through thus to too toward towards
    under until up upon us very via was we well were what whatever when where whereas whether which while
    who whom whose why will with within without would yet you your"""
)
# A label also never holds these (abbreviations split into letters: "e.g." -> "e", "g").
STOPWORDS = BASE_STOPWORDS | wordlist("versus vs i e g eg ie etc")

# Words that never open or close a label: they name no subject ("Gains", "Accuracy", "Enhancing").
GENERIC = wordlist(
    """approach approaches method methods framework frameworks paper papers work works study studies
    propose proposes proposed present presents presented introduce introduces introduced show shows shown
    demonstrate demonstrates demonstrated result results experiment experiments experimental performance
    performances achieve achieves achieved state art sota state-of-the-art existing new novel task tasks
    based using use used uses analysis problem problems improve improves improved improvement improvements
    improving enhance enhances enhanced enhancing boost boosts boosting significant significantly
    outperform outperforms outperforming baseline baselines extensive code available github https http www
    com org html pdf effective effectively efficient efficiently evaluate evaluated different various key
    critical important first second however address addresses addressing challenge challenges challenging
    limited limitation limitations including specific general strong stronger best better high higher low
    lower level levels single multiple two three making make makes enable enables enabling provide provides
    providing leverage leverages leveraging consistently substantially gain gains accuracy accurate missing
    toward towards beyond rethinking revisiting unlocking unleashing understanding exploring incentivizing
    bridging advancing mitigating improving scaling-up simple simply recent recently large-scale
    comprehensive robust robustness capability capabilities ability abilities effectiveness efficiency
    way ways step steps end toward role roles impact impacts insight insights issue issues setting settings
    superior remarkable promising notable notably competitive overall across respectively wide widely
    often highly fully full potential lack large small big same similar typically standard standards
    open-source source available while still further much many across via per each towards yet"""
)

# Addresses, never words: "https://...", "www.x.y", "github.com/a/b", "evil.example/path", "site.example".
_URL = re.compile(r"https?://\S+|www\.\S+|\S+\.(?:com|org|io|ai|net|html)\S*|[\w-]+(?:\.[A-Za-z][\w-]+)+(?:/\S*)?",
                  re.I)
_MATH = re.compile(r"\$[^$]*\$|\\[A-Za-z]+(?:\{[^}]*\})?")
_CLAUSE = re.compile(r"[.,;:!?()\[\]{}\"'`|/]+|\s[-–—]+\s")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*")
_ACRONYM = re.compile(r"[A-Z][A-Za-z0-9]*[A-Z][A-Za-z0-9]*s?$")  # "GRPO", "RLVR", "MLLMs", "DeepSeek"?
# Names of model families: part of a phrase ("Multimodal LLMs"), never a theme alone.
MODEL_WORDS = wordlist("llm llms lm lms mllm mllms vlm vlms lrm lrms slm slms vla vlas model models")
HALF_SHARE = 0.6
MAX_WORDS = 3


def _runs(text: str) -> list[list[str]]:
    """Runs of content words (as written) in ``text``: what a phrase may span."""
    text = _MATH.sub(" . ", _URL.sub(" . ", text))
    runs: list[list[str]] = []
    for clause in _CLAUSE.split(text):
        run: list[str] = []
        for word in _WORD.findall(clause):
            if word.lower() in STOPWORDS or len(word) < 2:
                if run:
                    runs.append(run)
                run = []
            else:
                run.append(word)
        if run:
            runs.append(run)
    return runs


def _grams(length: int, longest: int) -> Iterable[tuple[int, int]]:
    for i in range(length):
        for n in range(1, longest + 1):
            if i + n <= length:
                yield i, i + n


def topic_vocabulary(topic: Topic) -> frozenset[str]:
    """The topic's own words for its subject, lower case: its tags and every keyword of its include rules
    (a multi-word keyword as its sorted words, since rules keep a keyword's words as a set)."""
    keywords: list[list[str]] = [tag.lower().split() for tag in topic.tags]
    for rule in topic.include:
        for matcher in (*rule.patterns, *rule.title_patterns):
            keywords += [[w.decode()] for w in matcher.single_words]
            keywords += [[w.decode() for w in phrase] for phrase in matcher.phrases]
    return frozenset(" ".join(sorted(_fold(w) for w in words)) for words in keywords)


def _in_vocabulary(phrase: str, vocabulary: frozenset[str]) -> bool:
    return " ".join(sorted(phrase.split())) in vocabulary


@dataclass(frozen=True)
class PhraseThemes:
    """Founding phrases (lower case), their labels (as headings), and each paper's theme (an index into
    ``labels``, or None)."""

    phrases: list[str]
    labels: list[str]
    of_paper: list[int | None]


@functools.lru_cache(maxsize=1024)
def _pattern(phrase: str) -> re.Pattern[str]:
    """A folded, lower-case phrase as written in lower-case text: whole words, any plural, any spacing."""
    words = [re.escape(w[:-1]) + "(?:y|ies)" if w.endswith("y") else re.escape(w) + "(?:e?s)?"
             for w in phrase.split()]
    return re.compile(r"(?<![\w-])" + r"\s+".join(words) + r"(?![\w-])")


def uses_phrase(text: str, phrase: str) -> bool:
    """Whether ``text`` writes ``phrase`` inside one clause, plurals folded ("Reward Models" in "... train
    reward model ensembles ...")."""
    wanted = " " + " ".join(_fold(w) for w in phrase.lower().split()) + " "
    return wanted in " " + " | ".join(" ".join(_fold(w.lower()) for w in run) for run in _runs(text)) + " "


def phrase_themes(titles: Sequence[str], abstracts: Sequence[str], vocabulary: frozenset[str] = frozenset(),
                  *, themes: int, min_papers: int = 2, max_share: float = 0.45,
                  found_in_abstracts: bool = True) -> PhraseThemes:
    """Up to ``themes`` themes over the papers, named and founded by the rule in the module docstring.
    ``max_share`` bounds the share of papers whose title or abstract uses a founder. ``found_in_abstracts``
    False founds themes on titles alone (fast at thousands of papers); the abstracts then only place
    papers whose title holds no founder."""
    n = len(titles)
    founding = [f"{t}. {a}" if found_in_abstracts else t for t, a in zip(titles, abstracts, strict=True)]
    df: Counter[str] = Counter()  # papers whose founding text holds the phrase
    count: Counter[str] = Counter()  # occurrences (up to one word longer than a label may be)
    forms: dict[str, Counter[str]] = {}
    ing_first: Counter[str] = Counter()  # "-ing" word: occurrences opening a run
    ing_inside: Counter[str] = Counter()  # "-ing" word: occurrences after another content word
    bags: list[set[str]] = []
    for text in founding:
        bag: set[str] = set()
        for run in _runs(text):
            low = [_fold(word.lower()) for word in run]
            for j, word in enumerate(low):
                if word.endswith("ing"):
                    (ing_inside if j else ing_first)[word] += 1
            for a, b in _grams(len(run), MAX_WORDS + 1):
                phrase = " ".join(low[a:b])
                count[phrase] += 1
                if b - a <= MAX_WORDS:
                    bag.add(phrase)
                    forms.setdefault(phrase, Counter())[" ".join(run[a:b])] += 1
        bags.append(bag)
        df.update(bag)
    title_bags = bags if not found_in_abstracts else [
        {" ".join(_fold(w.lower()) for w in run[a:b]) for run in _runs(t) for a, b in _grams(len(run), MAX_WORDS)}
        for t in titles
    ]
    # Lower-case texts for the share and placement checks, searched with :func:`_pattern` (one regex per
    # phrase examined: far cheaper than splitting thousands of abstracts into phrases).
    full = [f"{t}. {a}".lower() for t, a in zip(titles, abstracts, strict=True)]
    ceiling = max(min_papers, int(n * max_share))
    best_extension: dict[str, int] = {}  # "phrase \x00r": occurrences of its commonest one-word extension
    for phrase, c in count.items():
        if " " in phrase:
            words = phrase.split()
            for side, short in (("r", words[:-1]), ("l", words[1:])):
                key = " ".join(short) + f" \x00{side}"
                best_extension[key] = max(best_extension.get(key, 0), c)

    def acceptable(phrase: str) -> bool:
        words = phrase.split()
        if not min_papers <= df[phrase] <= ceiling:
            return False
        for edge in (words[0], words[-1]):
            if edge in GENERIC or edge.endswith("ly") or edge[0].isdigit() or len(edge) < 2:
                return False
        first = words[0]
        if first.endswith("ing") and ing_inside[first] < ing_first[first]:
            return False  # "enhancing ...", "incentivizing ...": a verb, not a subject
        if len(words) == 1 and (phrase in MODEL_WORDS or len(phrase) < 3 or not (
                _ACRONYM.match(_form(forms[phrase])) or _in_vocabulary(phrase, vocabulary))):
            return False
        # Not half of a longer phrase ("human" of "human feedback").
        return all(best_extension.get(f"{phrase} \x00{side}", 0) < HALF_SHARE * count[phrase] for side in "rl")

    postings: dict[str, set[int]] = {}
    for i, bag in enumerate(bags):
        for phrase in bag:
            if df[phrase] >= min_papers:
                postings.setdefault(phrase, set()).add(i)
    postings = {p: s for p, s in postings.items() if acceptable(p)}
    share: dict[str, bool] = {}

    def too_common(phrase: str) -> bool:  # in titles or abstracts of more than max_share of the papers
        if phrase not in share:
            search = _pattern(phrase).search
            share[phrase] = sum(1 for text in full if phrase.split()[0][:4] in text and search(text)) > ceiling
        return share[phrase]

    def weight(phrase: str, open_papers: set[int]) -> float:
        return (len(postings[phrase] & open_papers) * (1.5 if " " in phrase else 1.0)
                * (1.25 if _in_vocabulary(phrase, vocabulary) else 1.0))

    founders: list[str] = []
    used_words: set[str] = set()
    open_papers = set(range(n))
    order = sorted(postings, key=lambda p: (-len(postings[p]), p))
    while len(founders) < themes and open_papers:
        best: tuple[float, str] | None = None
        for phrase in order:
            if best is not None and len(postings[phrase]) * 1.5 * 1.25 < best[0]:
                break  # no later phrase can win: postings only shrink
            if used_words.intersection(phrase.split()):
                continue
            w = weight(phrase, open_papers)
            if (len(postings[phrase] & open_papers) >= min_papers and (best is None or w > best[0])
                    and not too_common(phrase)):
                best = (w, phrase)
        if best is None:
            break
        founders.append(best[1])
        used_words.update(best[1].split())
        open_papers -= postings[best[1]]
    of_paper: list[int | None] = []
    for bag, title_bag, text in zip(bags, title_bags, full, strict=True):
        held = next((k for k, f in enumerate(founders) if f in title_bag), None)
        if held is None:
            held = next((k for k, f in enumerate(founders) if f in bag), None)
        if held is None:
            mentions = [(len(found), -k) for k, f in enumerate(founders)
                        if f.split()[0][:4] in text and (found := _pattern(f).findall(text))]
            held = -max(mentions)[1] if mentions else None
        of_paper.append(held)
    return PhraseThemes(founders, [label_of(_form(forms[f])) for f in founders], of_paper)


def _form(forms: Counter[str]) -> str:
    """The form the corpus writes most; a plural one when it is written at least half as often
    ("Reward Models" rather than "Reward Model": a section is about many)."""
    ranked = sorted(forms.items(), key=lambda kv: (-kv[1], kv[0]))
    plural = [f for f, c in ranked if f.endswith("s") and c * 2 >= ranked[0][1]]
    return plural[0] if plural else ranked[0][0]


def label_of(phrase: str) -> str:
    """Title case, keeping a word's own capitals ("RLVR", "MLLMs", "DeepSeek"): "reward models" ->
    "Reward Models", "post-training" -> "Post-Training"."""
    def word(w: str) -> str:
        return "-".join(p if any(c.isupper() for c in p) else p[:1].upper() + p[1:] for p in w.split("-"))
    return " ".join(word(w) for w in phrase.split())
