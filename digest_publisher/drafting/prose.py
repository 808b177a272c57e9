"""Text helpers shared by both drafters and the grounding checks.

Pure functions over strings: sentence splitting of abstracts, light LaTeX clean-up for display,
number extraction, key-term extraction, name joining and date phrases. Markdown escaping and the window's
format are :mod:`digest_publisher.mdtext`'s (re-exported here); paper short names are :mod:`digest_publisher.names`'s.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from ..mdtext import format_window as format_window  # the one rule, shared with the series page
from ..mdtext import md_escape as md_escape
from ..mdtext import md_unescape as md_unescape
from ..models import Paper
from ..names import MATH_SPAN, readable_latex
from ..phrases import BASE_STOPWORDS as STOPWORDS
from ..phrases import wordlist

# --- LaTeX and Markdown -----------------------------------------------------------------------------

_LATEX_SYMBOLS = {
    r"\%": "%",
    r"\times": "×",
    r"\sim": "~",
    r"\approx": "≈",
    r"\pm": "±",
    r"\geq": "≥",
    r"\ge": "≥",
    r"\leq": "≤",
    r"\le": "≤",
    r"\to": "→",
    r"\rightarrow": "→",
    r"\cdot": "·",
    r"\alpha": "α",
    r"\beta": "β",
    r"\gamma": "γ",
    r"\delta": "δ",
    r"\epsilon": "ε",
    r"\lambda": "λ",
    r"\mu": "μ",
    r"\rho": "ρ",
    r"\sigma": "σ",
    r"\tau": "τ",
    r"\pi": "π",
    r"\,": " ",
    r"\ ": " ",
    r"\{": "{",
    r"\}": "}",
}
_LATEX_SYMBOL_RE = re.compile("|".join(re.escape(k) for k in sorted(_LATEX_SYMBOLS, key=len, reverse=True)))
_SIMPLE_MATH = re.compile(r"^[\w\s.,%+\-−×~≈±≥≤→·αβγδελμρστπ(){}:/<>=]*$")
_TEXT_CMD = re.compile(r"\\(?:textbf|textit|emph|mathrm|text|mathbf|texttt)\{([^{}]*)\}")


def detex(text: str) -> str:
    """Turn the simple LaTeX found in abstracts into plain Unicode text.

    ``$40.9\\%$`` -> ``40.9%``, ``$3\\times$`` -> ``3×``, ``\\textbf{X}`` -> ``X``; other math through
    pylatexenc (``PARAM$Δ$`` -> ``PARAMΔ``); :func:`is_displayable` tells whether a sentence is clean
    enough to quote.
    """

    def math(match: re.Match[str]) -> str:
        if len(match.group(0)) > 82:
            return readable_latex(match.group(0))
        inner = _TEXT_CMD.sub(r"\1", match.group(0).strip("$"))
        inner = _LATEX_SYMBOL_RE.sub(lambda m: _LATEX_SYMBOLS[m.group(0)], inner)
        inner = re.sub(r"\^\{?([\w.]+)\}?", r"^\1", inner)
        inner = re.sub(r"_\{?([\w.]+)\}?", r"_\1", inner)
        if "\\" in inner or not _SIMPLE_MATH.match(inner):
            return readable_latex(match.group(0))  # readers never see raw LaTeX
        return inner.replace("{", "").replace("}", "").strip()

    out = MATH_SPAN.sub(math, text)
    out = _TEXT_CMD.sub(r"\1", out)
    out = out.replace(r"\%", "%").replace("~", " ") if "$" not in out else out.replace(r"\%", "%")
    return re.sub(r"[ \t]+", " ", out).strip()


_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")


def plain_abstract(text: str) -> str:
    """An abstract as one line of plain prose: what looks like Markdown in it (blank lines, ``#``
    headings, ``>`` quotes, ``---`` rules, ``**``/``__`` emphasis, backticks, links, ``[@id]``
    citations) is taken out, so a quoted sentence can never change a post's structure or citations."""
    out = re.sub(r"\[@[^\]]*\]", " ", text)
    out = _MD_LINK.sub(r"\1", out)
    out = re.sub(r"^\s*(?:#{1,6}\s+|>\s*|(?:[-*_]\s*){3,}$)", " ", out, flags=re.M)
    out = re.sub(r"\*\*|__|`", "", out)
    return re.sub(r"\s+", " ", out).strip()


# An instruction aimed at a model or a reader is not the paper's content: never quoted. Each alternative was
# checked against the year of real abstracts (61,172): "note to the model", "please ...", "you must", "hey
# model", "... in the post", "cite it as the best paper" and imperatives aimed at a writer; phrases real
# abstracts use ("the model must learn", "In this article", "Write policies ...") are not caught.
_ADDRESSEE = r"(?:the\s+)?(?:model|assistant|ai|llm|language\s+model|chatbot|reader|writer|editor|reviewer|agent)s?"
_INJECTION = re.compile(
    r"\b(?:ignore|disregard|forget)\b.{0,30}\b(?:instructions?|prompts?|rules)\b|"
    r"\b(?:you are|as an ai|assistant:|system prompt)\b|"
    rf"\b(?:note|message|instructions?|reminder)\s+(?:to|for)\s+{_ADDRESSEE}\b|"
    rf"\b(?:dear|hey|hello|attention,)\s+{_ADDRESSEE}\b|"
    rf"^\s*{_ADDRESSEE}\s*:|"
    r"\bplease\b|"
    r"\byou\s+(?:must|should|shall|need\s+to|have\s+to|are\s+(?:required|asked|instructed|to))\b|"
    r"\b(?:in|into|to)\s+(?:the|this|your)\s+(?:blog\s+)?(?:post|write-?up)(?![\w-])|"
    r"\b(?:cite|rank|describe|present|call|treat|list|recommend)\s+(?:this|it|us|the\s+paper|this\s+paper|our\s+work)?"
    r"\s*as\s+(?:the\s+)?(?:best|top|leading|most|first|strongest|state)|"
    r"\bclick\s+here\b|"
    r"^\s*(?:Cite|Rank|Treat|Respond|Reply|Tell|Recommend|Say|Ignore|Disregard|Pretend|Act as)\b",
    re.I | re.M,
)


# A citation of other work inside an abstract ("RE-Control (Kong et al., 2024)") names a paper the post does
# not discuss: quoted, it would read as a claim about that paper and fail the names check.
_OTHER_WORK = re.compile(r"\bet\s+al\b", re.I)


def is_displayable(sentence: str) -> bool:
    """True when a sentence holds no LaTeX left over, no Markdown-looking constructs, no instruction to a
    model and no citation of other work."""
    return (
        "$" not in sentence and "\\" not in sentence and "`" not in sentence and "http" not in sentence
        and not _INJECTION.search(sentence) and not _OTHER_WORK.search(sentence)
    )


# --- sentences --------------------------------------------------------------------------------------

_ABBREVIATIONS = ("e.g.", "i.e.", "et al.", "vs.", "etc.", "Fig.", "Eq.", "cf.", "resp.", "approx.", "No.")
# A sentence may open with a citation ("[@a] does X."), as a post's sentences often do.
_SPLIT_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\"“']|\[@)")


def split_sentences(text: str) -> list[str]:
    """Split an abstract (or a post's paragraph) into sentences, keeping decimals and common abbreviations
    intact; a citation that opens a sentence ("[@a] does X.") starts it."""
    protected = text
    for i, abbr in enumerate(_ABBREVIATIONS):
        protected = protected.replace(abbr, f"\x00{i}\x00")
    parts = [p.strip() for p in _SPLIT_RE.split(protected) if p.strip()]
    out: list[str] = []
    for part in parts:
        for i, abbr in enumerate(_ABBREVIATIONS):
            part = part.replace(f"\x00{i}\x00", abbr)
        out.append(part)
    return out


_FIRST_PERSON = [
    (re.compile(r"^In this (?:paper|work|study), we\b", re.I), "The authors"),
    (re.compile(r"^In this (?:paper|work|study),\s*", re.I), ""),
    (re.compile(r"^This (?:paper|work|study)\b"), "The paper"),
    (re.compile(r"^Here,? we\b"), "The authors"),
    (re.compile(r"^We\b"), "The authors"),
    (re.compile(r"^To (?:address|tackle|bridge|close|fill|overcome|mitigate|solve) (?:this|these)"
                r" (?:gap|gaps|issue|issues|problem|problems|challenge|challenges|limitation|limitations),"
                r" we\b", re.I), "The authors"),
    (re.compile(r"\bwe\b"), "the authors"),
    (re.compile(r"\bWe\b"), "The authors"),
    (re.compile(r"\bour\b"), "their"),
    (re.compile(r"\bOur\b"), "Their"),
    (re.compile(r"\bus\b"), "them"),
]


# Openers that point back at a sentence the post does not quote ("To address this, ...").
_DANGLING = re.compile(
    r"^(?:(?:To (?:address|tackle|bridge|close|fill|overcome|mitigate|solve|remedy|fix)"
    r" (?:this|these|that|the)[^,]{0,40}|To this end|Based on (?:this|these|that|our)[^,]{0,40}"
    r"|Building on (?:this|these|that)[^,]{0,40}|Motivated by (?:this|these|that)[^,]{0,40}"
    r"|In this (?:paper|work|study)|Specifically|Furthermore|Moreover|Additionally|In addition"
    r"|Empirically|For example|For instance|Concretely|Here|As a result|Therefore|Thus"
    r"|Consequently|Importantly|Notably|Finally|First|Second|Third|Overall|In particular|To do so"
    r"|for the first time|Accordingly|Instead|Crucially),\s*)+",
    re.I,
)


def third_person(sentence: str) -> str:
    """Rewrite an abstract's first person ("We propose ...") as reported speech ("The authors propose"),
    dropping openers that refer to sentences the post does not quote ("To address this, we ...")."""
    out = _DANGLING.sub("", sentence)
    out = out[:1].upper() + out[1:]
    for pattern, repl in _FIRST_PERSON:
        out = pattern.sub(repl, out)
    out = out.strip()
    return out[:1].upper() + out[1:] if out else out


# --- titles ----------------------------------------------------------------------------------------

def title_rest(paper: Paper) -> str:
    """The descriptive part of a title (after the colon), or the whole title."""
    title = re.sub(r"\s+", " ", detex(paper.title)).strip()
    if ":" in title:
        rest = title.split(":", 1)[1].strip()
        if rest:
            return rest
    return title


# --- numbers ----------------------------------------------------------------------------------------

# A number as a claim: standalone (not inside identifiers like Qwen2.5-7B or GPT-4o), with an optional
# sign and unit. "+16.2pp", "3x", "40.9%", "1,000", "0.208".
_CLAIM_NUMBER = re.compile(
    r"(?<![\w.\-/@])([+\-−±]?)(\d+(?:,\d{3})*(?:\.\d+)?)(\s?(?:%|pp|x|×|[kKMB]\b))?(?![\w])(?!\.\d)"
)
_ANY_NUMBER = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")


def normalise_number(raw: str) -> str:
    """``1,000`` -> ``1000``; ``16.20`` -> ``16.2``; ``.5`` forms are left to the caller."""
    text = raw.replace(",", "")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.lstrip("0") or "0"


def claim_numbers(text: str) -> list[str]:
    """The numbers a sentence states, as written (``+16.2pp``), for grounding."""
    plain = md_unescape(text)
    # Citations, ids and links carry digits that are not claims.
    plain = re.sub(r"\[@[^\]]*\]", " ", plain)
    plain = re.sub(r"https?://\S+", " ", plain)
    found: list[str] = []
    for m in _CLAIM_NUMBER.finditer(plain):
        found.append("".join(g or "" for g in m.groups()).strip())
    return found


def number_core(claim: str) -> str:
    m = _ANY_NUMBER.search(claim)
    return normalise_number(m.group(0)) if m else claim


def source_numbers(text: str) -> set[str]:
    """Every number present in a source text (abstract or card), normalised, LaTeX removed."""
    return {normalise_number(m.group(0)) for m in _ANY_NUMBER.finditer(detex(text))}


# --- key terms --------------------------------------------------------------------------------------

GENERIC = wordlist(
    """approach approaches method methods model models framework frameworks paper papers work works propose
    proposes proposed present presents presented introduce introduces introduced show shows shown demonstrate
    demonstrates result results experiment experiments experimental performance performances achieve
    achieves achieved state art existing new novel task tasks based using use used uses study studies
    analysis analyze problem problems data dataset datasets benchmark benchmarks improve improves improved
    improvement improvements significant significantly outperform outperforms outperforming baseline
    baselines extensive code available github https com large language llm llms lm lms ai learning
    training trained train effective effectively efficient efficiently evaluate evaluation evaluated
    different various key critical important first however while address challenge challenges limited
    limitation limitations across including specific general generalization existing prior strong stronger
    best better high higher low lower level levels single multiple two three making make makes enables
    enable enabling provide provides providing leverage leverages leveraging consistently substantially
    remain remains even often number range wide set settings setting open source release released
    relative due yet still less across further thereby able ability abilities capability capabilities
    time times way ways issue issues directly simple simply recent recently widely commonly typically
    within available apply applied applying across output outputs input inputs step steps process
    end small diverse lead leads leading real world hard via one fine fine-tuning tuning original empirical
    overall current standard additional potential practical systematic comprehensive unified simple novel
    toward towards despite whose across among"""
)

_DANGLING_TAIL = frozenset({"large", "small", "new", "novel", "based", "driven", "aware", "level", "scale", "free",
                            "specific", "guided", "related", "existing", "first", "single", "multiple"})
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9\-]*[A-Za-z0-9]|[A-Za-z]")


# An address is not the paper's vocabulary: "https://evil.example/x" must never give a theme, a tag or a
# heading the words "evil example". URLs, bare host names ("github.com/org") and e-mail addresses go first.
_ADDRESS = re.compile(
    r"\b(?:[a-z][a-z0-9+.-]*://|www\.)\S+|\S+@[\w-]+(?:\.[\w-]+)+|"
    r"\b[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|io|ai|dev|edu|gov|example|app|info|co|me|xyz|github\.io)\b\S*",
    re.I,
)


def vocabulary_text(text: str) -> str:
    """The part of a title or an abstract its terms are taken from: without addresses and without the
    sentences that address a model or a reader (their words are no theme, tag or heading either)."""
    sentences = split_sentences(_ADDRESS.sub(" ", text))
    return " ".join(s for s in sentences if not _INJECTION.search(s))


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(detex(vocabulary_text(text)))]


def content_terms(text: str) -> list[str]:
    """Unigrams and bigrams of content words, in order, for theme discovery."""
    tokens = words(text)
    terms: list[str] = []
    prev: str | None = None
    for tok in tokens:
        if tok in STOPWORDS or len(tok) < 3:
            prev = None
            continue
        if tok not in GENERIC:
            terms.append(tok)
        # "multimodal large" (of "multimodal large language models") is half a phrase, not a term.
        if prev is not None and not (prev in GENERIC and tok in GENERIC) and tok not in _DANGLING_TAIL:
            terms.append(f"{prev} {tok}")
        prev = tok
    return terms


def stem(term: str) -> str:
    """Very light plural folding so "reward models" and "reward model" count as one term."""
    out = []
    for w in term.split():
        if len(w) > 4 and w.endswith("ies"):
            w = w[:-3] + "y"
        elif len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
            w = w[:-1]
        out.append(w)
    return " ".join(out)


# --- dates and words --------------------------------------------------------------------------------

def window_phrase(start: date, end: date) -> str:
    """How prose refers to the window: "this day" for one day, "this week" up to seven days, "this month"
    for a calendar month or about a month, "this period" otherwise (never "this week" for one day)."""
    days = (end - start).days + 1
    if days == 1:
        return "this day"
    if days <= 7:
        return "this week"
    if days <= 31:
        return "this month"
    return "this period"


def word_count(text: str) -> int:
    plain = re.sub(r"\[@[^\]]*\]", " ", text)
    return len(re.findall(r"[\w’'\-]+", plain))


def join_names(names: Iterable[str]) -> str:
    items = list(names)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def title_case(term: str) -> str:
    small = {"and", "or", "of", "for", "in", "on", "the", "a", "to", "with"}
    out = []
    for i, w in enumerate(term.split()):
        if w.isupper() or any(c.isdigit() for c in w) or (len(w) <= 5 and w.upper() in _ACRONYMS):
            out.append(w.upper() if w.upper() in _ACRONYMS else w)
        elif i > 0 and w in small:
            out.append(w)
        else:
            out.append(w[:1].upper() + w[1:])
    return " ".join(out)


_ACRONYMS = wordlist(
    """RL RLHF RLVR RLAIF GRPO DPO PPO SFT LLM LLMS VLM VLMS KL MOE LORA CoT COT RAG QA GUI API GPU OPD
    MDP POMDP KV VLA"""
)
