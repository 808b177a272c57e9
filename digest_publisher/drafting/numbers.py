"""Numbers as careful writers state them, matched against the numbers a paper states.

A written number is faithful to a stated one when it is the same number in another dress or the
stated value rounded to the written precision:

- number words and digits are the same number ("three benchmarks" = "3 benchmarks");
- units are dress, not value: ``x`` = ``×`` = "times" = "-fold"; ``pp`` = "points" = "percentage
  points"; ``%`` = "percent" - so only the value is compared;
- rounding: "76" for 76.36, "1.2" for 1.23 (half a unit of the last written digit either way);
- hedges match the way they read: "about/roughly/around/approximately/~" round as plain numbers do;
  "over/more than/above/at least" need a stated value up to one unit above ("over 45%" for 45.8%,
  not for 44.9%), "nearly/almost/under/less than/up to" up to one unit below ("nearly 45%" for
  44.75%); a hedged round figure of three digits or more counts to its first zero ("over 1,000" for
  1,034);
- a hedged round figure of two digits (a multiple of 5: "about 40%", "nearly 80%", "over 90%") stands
  within 5% of itself in the hedge's direction: "nearly 80%" for 78.6%, never "about 40%" for 33%;
- a range ("5-10%", "between 5 and 10") is faithful when both ends are;
- ratio words ("doubles", "twice", "triples", "halves", "half of", "a third of", "a quarter of"), with
  their hedges ("more than doubles", "nearly twice"), are faithful when the paper states that ratio: as a
  factor ("2.1x", "doubles"), as a percentage change ("+104%", "a 52% cut") or share ("34% of"), or
  as two numbers of one sentence ("from 20.1% to 41.3%"): within 5% of the word's ratio, 10% with
  "about", up to 12% below with "nearly", up to 50% above with "more than".

Written number words count as claims only with a unit ("forty percent"): in running text "two
papers" or "one of the few" are counts of the post's own, not claims of a paper.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .prose import detex

_SMALL = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
          "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen")
_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
WORD_VALUES: dict[str, float] = {w: i for i, w in enumerate(_SMALL)}
WORD_VALUES.update({w: 20 + 10 * i for i, w in enumerate(_TENS)})
WORD_VALUES.update({f"{t}-{u}": 20 + 10 * i + j for i, t in enumerate(_TENS) for j, u in enumerate(_SMALL[1:10], 1)})
WORD_VALUES.update({"hundred": 100, "a hundred": 100, "thousand": 1000, "a thousand": 1000, "dozen": 12,
                    "a dozen": 12, "twice": 2, "double": 2, "triple": 3, "half": 0.5})
_WORDS = "|".join(sorted((re.escape(w) for w in WORD_VALUES), key=len, reverse=True))

_UNIT = (r"(?:\s?(?:%|pp\b|x\b|×|-fold\b|[kKMB]\b)|\s(?:percent(?:age points?)?\b|points?\b|times\b|fold\b))")
_DIGITS = r"\d+(?:,\d{3})*(?:\.\d+)?"
_APPROX = r"about|around|approximately|roughly|some|close to|~|≈|∼"
_ABOVE = r"over|more than|above|at least|upwards of|exceeding|beyond"
_BELOW = r"nearly|almost|under|less than|below|up to|just under|at most|fewer than"
_HEDGE = re.compile(rf"(?:^|[\s(])(?P<hedge>{_APPROX}|{_ABOVE}|{_BELOW})\s*$", re.I)
# A claimed number: standalone digits (not inside identifiers such as Qwen2.5-7B, GPT-4o or 2605.18529),
# an optional sign, an optional range end, an optional unit.
_WRITTEN = re.compile(
    rf"(?<![\w.\-/@$])(?P<sign>[+\-−±]?)(?P<low>{_DIGITS})"
    rf"(?:(?P<sep>\s?(?:-|–|—|to)\s?)(?P<high>{_DIGITS}))?(?P<unit>{_UNIT})?(?![\w])(?!\.\d)"
)
_WRITTEN_WORD = re.compile(rf"\b(?P<word>{_WORDS})(?P<unit>{_UNIT})", re.I)
_BETWEEN = re.compile(rf"\bbetween\s+(?P<low>{_DIGITS})\s+and\s+(?P<high>{_DIGITS})(?P<unit>{_UNIT})?", re.I)
_STATED_WORD = re.compile(rf"\b({_WORDS})\b", re.I)
COUNT_WORD = re.compile(rf"(?<![\w-])(?:{_WORDS})(?![\w-])", re.I)  # a number word standing alone
_ANY_DIGITS = re.compile(_DIGITS)


@dataclass(frozen=True)
class Written:
    """One number as a text writes it; ``start``/``end`` span the hedge, the number and its unit."""

    text: str
    value: Decimal
    step: Decimal  # one unit of the last written digit: 0.1 for "1.2", 1 for "76"
    hedge: str  # "", "approx", "above" or "below"
    start: int
    end: int
    high: Decimal | None = None  # the range's upper end
    high_step: Decimal | None = None
    ratio: bool = False  # a ratio word ("doubles", "a third of"): ``value`` is the ratio


def _decimal(raw: str) -> Decimal:
    return Decimal(raw.replace(",", ""))


def _step(raw: str, hedge: str) -> Decimal:
    digits = raw.replace(",", "")
    if "." in digits:
        return Decimal(1).scaleb(-len(digits.split(".", 1)[1]))
    # A round figure written with a hedge is rounded to its first zero ("about 1,000" ~ 1,034, "over 1,000"
    # ~ 1,034); only for figures of three digits or more: "about 50%" for 46% would be a stretch.
    if hedge and len(digits) >= 3:
        zeros = len(digits) - len(digits.rstrip("0"))
        return Decimal(10) ** zeros
    # A hedged round figure of two digits (a multiple of 5) stands within 5% of itself: "nearly 80%" for
    # 78.6%, "about 40%" for 39%, "over 90%" for 93.5%; never "about 40%" for 33%.
    if hedge and len(digits) == 2 and int(digits) % 5 == 0:
        return _decimal(digits) * Decimal("0.1" if hedge == "approx" else "0.05")
    return Decimal(1)


def _hedge_before(text: str, start: int) -> tuple[str, int]:
    found = _HEDGE.search(text[max(0, start - 24):start])
    if not found:
        return "", start
    word = found.group("hedge").lower()
    kind = "approx" if re.fullmatch(_APPROX, word) else "above" if re.fullmatch(_ABOVE, word) else "below"
    return kind, start - (len(text[max(0, start - 24):start]) - found.start("hedge"))


def written_numbers(text: str) -> list[Written]:
    """The numbers a sentence of a post claims, with their hedges and precision (citations and links
    blanked first, so spans index into ``text`` itself: their digits are not claims)."""
    plain = re.sub(r"\[@[^\]]*\]", lambda m: " " * len(m.group(0)), text)
    plain = re.sub(r"https?://\S+|\b\d{4}\.\d{4,5}(?:v\d+)?\b", lambda m: " " * len(m.group(0)), plain)
    found: list[Written] = []
    taken: list[tuple[int, int]] = []
    for m in _BETWEEN.finditer(plain):
        hedge, start = _hedge_before(plain, m.start())
        found.append(Written(plain[start:m.end()].strip(), _decimal(m["low"]), _step(m["low"], hedge), hedge, start,
                             m.end(), _decimal(m["high"]), _step(m["high"], hedge)))
        taken.append((m.start(), m.end()))
    for m in _WRITTEN.finditer(plain):
        if any(a <= m.start() < b for a, b in taken):
            continue
        hedge, start = _hedge_before(plain, m.start())
        high = m["high"]
        # "2-3" is a range only with a dash or "to" between two numbers; "10-fold" is a unit.
        found.append(Written(plain[start:m.end()].strip(), _decimal(m["low"]), _step(m["low"], hedge), hedge, start,
                             m.end(), _decimal(high) if high else None, _step(high, hedge) if high else None))
    for m in _WRITTEN_WORD.finditer(plain):
        hedge, start = _hedge_before(plain, m.start())
        value = Decimal(str(WORD_VALUES[m["word"].lower()]))
        found.append(Written(plain[start:m.end()].strip(), value, Decimal(1), hedge, start, m.end()))
    return sorted(found, key=lambda w: w.start)


def stated_values(text: str) -> set[Decimal]:
    """Every number a source (title, abstract, card) states, as a value: digits after LaTeX clean-up and
    number words alike; signs dropped (a "-0.5" drop supports a written "0.5 lower")."""
    plain = detex(text)
    values: set[Decimal] = set()
    for m in _ANY_DIGITS.finditer(plain):
        try:
            values.add(_decimal(m.group(0)))
        except InvalidOperation:
            continue
    for m in _STATED_WORD.finditer(plain):
        values.add(Decimal(str(WORD_VALUES[m.group(1).lower()])))
    return values


def _supports_one(stated: Decimal, value: Decimal, step: Decimal, hedge: str) -> bool:
    # A direction is a claim too: "over 47%" for 46.8% is wrong, though 47 is 46.8 rounded.
    if hedge == "above":
        return value <= stated <= value + step
    if hedge == "below":
        return value - step <= stated <= value
    return abs(stated - value) <= step / 2


def is_faithful(written: Written, stated: set[Decimal]) -> bool:
    """True when some stated value supports the written number (both ends of a range)."""
    low_ok = any(_supports_one(abs(s), written.value, written.step, written.hedge) for s in stated)
    if written.high is None or written.high_step is None:
        return low_ok
    return low_ok and any(_supports_one(abs(s), written.high, written.high_step, written.hedge) for s in stated)


_LEAD_IN = re.compile(r"(?:\s+(?:by|of|to|at|from|with|reaching|reached|hitting))?\s*$", re.I)


def remove_number(sentence: str, written: Written) -> str:
    """The sentence without the number (and its hedge, unit and the preposition that introduced it):
    "improves accuracy by about 12.3% over GRPO" -> "improves accuracy over GRPO". A parenthesis that held
    only the number goes with it. The claim is lost, the sentence (and its citation) kept."""
    before, after = sentence[:written.start], sentence[written.end:]
    paren_open = re.search(r"\(\s*$", before)
    paren_close = re.match(r"^\s*\)", after)
    if paren_open and paren_close:
        before, after = before[:paren_open.start()], after[paren_close.end():]
    else:
        before = before[:_LEAD_IN.search(before).start()]  # type: ignore[union-attr]
    after = after.lstrip()
    joined = before.rstrip() + (" " if after[:1].isalnum() or after[:1] in "[(" else "") + after
    joined = re.sub(r"\s+([,.;:)])", r"\1", joined)
    joined = re.sub(r"\(\s*\)", "", joined)
    return re.sub(r"\s{2,}", " ", joined).strip()


# --- ratio words ------------------------------------------------------------------------------------

_RATIO_WORDS: dict[str, Decimal] = {}
for _words, _ratio in (
    ("doubles doubled doubling twice twofold", "2"),
    ("triples tripled tripling thrice threefold", "3"),
    ("quadruples quadrupled quadrupling fourfold", "4"),
    ("halves halved halving", "0.5"),
):
    _RATIO_WORDS.update(dict.fromkeys(_words.split(), Decimal(_ratio)))
_RATIO_PHRASES = {  # a fraction reads as a claim only where it measures something
    r"(?:by|in|to) half|half (?:of|the|as)": Decimal("0.5"),
    r"(?:by|to) (?:a|one) third|(?:a|one)[ -]third of": Decimal(1) / 3,
    r"two[ -]thirds": Decimal(2) / 3,
    r"(?:by|to) (?:a|one) quarter|(?:a|one)[ -]quarter of": Decimal("0.25"),
    r"three[ -]quarters": Decimal("0.75"),
}
_RATIO = re.compile(
    rf"(?<![\w-])(?P<ratio>{'|'.join(sorted(_RATIO_WORDS, key=len, reverse=True))}|"
    + "|".join(f"(?:{p})" for p in _RATIO_PHRASES) + r")(?![\w-])", re.I)
_FACTOR = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s?(?:x\b|×|-?fold\b|times\b)", re.I)
_PERCENT = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s?(?:%|percent\b)", re.I)


_NOT_A_SHARE = frozenset({"first", "second", "latter", "former", "other", "last", "early", "late", "top", "bottom"})


def _ratio_value(word: str) -> Decimal:
    lowered = word.lower()
    if lowered in _RATIO_WORDS:
        return _RATIO_WORDS[lowered]
    return next(v for p, v in _RATIO_PHRASES.items() if re.fullmatch(p, lowered))


def written_ratios(text: str) -> list[Written]:
    """The ratio words a sentence of a post claims ("more than doubles", "a third of"), as numbers."""
    plain = re.sub(r"\[@[^\]]*\]", lambda m: " " * len(m.group(0)), text)
    found: list[Written] = []
    for m in _RATIO.finditer(plain):
        before = plain[:m.start()].split()[-1:]
        if m["ratio"].lower().startswith("half") and before and before[0].lower() in _NOT_A_SHARE:
            continue  # "the second half of training"
        hedge, start = _hedge_before(plain, m.start())
        found.append(Written(plain[start:m.end()].strip(), _ratio_value(m["ratio"]), Decimal(0), hedge, start,
                             m.end(), ratio=True))
    return found


def stated_ratios(text: str) -> set[Decimal]:
    """Every ratio a source states: factors, percentage changes and shares, ratio words, and the ratio of
    any two numbers of one sentence."""
    from .prose import split_sentences

    ratios: set[Decimal] = set()
    for sentence in split_sentences(detex(text)):
        factors = {Decimal(m.group(1)) for m in _FACTOR.finditer(sentence)}
        factors |= {_ratio_value(m["ratio"]) for m in _RATIO.finditer(sentence)}
        ratios |= factors | {1 / f for f in factors if f}  # "halves the cost" is "2x cheaper"
        percents = [Decimal(m.group(1)) for m in _PERCENT.finditer(sentence)]
        for p in (v / 100 for v in percents):
            ratios |= {1 + p, abs(1 - p), p}
        # Two percentages of one sentence ("from 20.1% to 41.3%"), or "from X to Y" in any unit.
        pairs = [(a, b) for a in percents[:8] for b in percents[:8] if a != b]
        pairs += [(_decimal(m["a"]), _decimal(m["b"])) for m in _FROM_TO.finditer(sentence)]
        ratios |= {a / b for a, b in pairs if a > 0 and b > 0} | {b / a for a, b in pairs if a > 0 and b > 0}
    return {r for r in ratios if r > 0}


_FROM_TO = re.compile(rf"\bfrom\s+(?P<a>{_DIGITS})\S*\s+to\s+(?P<b>{_DIGITS})", re.I)


def is_faithful_ratio(written: Written, stated: set[Decimal]) -> bool:
    """True when a ratio the source states fits the ratio word (see the module's rule)."""
    r = written.value
    low, high = {"approx": (r * Decimal("0.9"), r * Decimal("1.1")), "above": (r, r * Decimal("1.5")),
                 "below": (r * Decimal("0.88"), r)}.get(written.hedge, (r * Decimal("0.95"), r * Decimal("1.05")))
    return any(low <= s <= high for s in stated)


# A number can leave its sentence whole only from these places: "(12%)", "by 12% over GRPO", "rises 12% on
# MATH"; anywhere else ("accounts for 60% of latency", "ranging from 5% on A to 9% on B") its words need it.
_CHANGE_VERB = re.compile(r"(?:\b(?:rises?|rose|falls?|fell|drops?|dropped|grows?|grew|climbs?|climbed|jumps?|jumped|"
                          r"increases?|increased|decreases?|decreased|improves?|improved|declines?|declined|"
                          r"shrinks?|shrank)\s*)$", re.I)
_BY = re.compile(r"\bby\s*$", re.I)
_CLOSED_AFTER = re.compile(r"^\s*(?:$|[,.;:!?)\]—–]|\[@|\((?:\[@|$)|(?:over|on|across|compared|relative|against|versus|"
                           r"vs\.?|than|in|for|with|when|while|and|but|after|at|from|under|without|thanks|through|"
                           r"using|via|as)\b)", re.I)


def remove_claim(sentence: str, written: Written) -> str | None:
    """The sentence without the number when its prose stays whole ("improves accuracy by about 12.3% over
    GRPO" -> "improves accuracy over GRPO"; "rises 12% on MATH" -> "rises on MATH"; a parenthesis that held
    only the number goes with it); ``None`` when the number's words need it, so the caller rewrites or drops
    the sentence rather than leave a hole ("accounts for of latency")."""
    before, after = sentence[:written.start], sentence[written.end:]
    alone = re.search(r"\(\s*$", before) and re.match(r"^\s*\)", after)
    if alone or ((_BY.search(before) or _CHANGE_VERB.search(before)) and _CLOSED_AFTER.match(after)):
        return remove_number(sentence, written)
    return None


def sentence_claims(sentence: str) -> list[Written]:
    """A sentence's numbers and ratio words, in order (a ratio word inside a number's span is the number's)."""
    numbers = written_numbers(sentence)
    ratios = [r for r in written_ratios(sentence) if not any(n.start < r.end and r.start < n.end for n in numbers)]
    return sorted(numbers + ratios, key=lambda w: w.start)
