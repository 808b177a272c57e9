"""The one rule for what a post calls a paper: its short name ("AMR-SD", "Liu et al.").

Drafting writes the names into the prompt, the text and the front matter (``short_names``); rendering
names citation links with them. Both call :func:`short_names` over the same papers (the post's whole
selection), so the name a reader sees in the prose is the name on the link.

The rule, in order of preference for each paper:

1. the paper's own method name: the part of its title before a colon when it reads as a name
   ("AMR-SD: Adaptive ..."; at most three words and no comma, so never a title phrase such as "From
   Recognition to Reasoning" or "Rewarding Beliefs, Not Actions"; never a genre such as "Position:" or
   "Survey:"), else a name its abstract introduces ("We propose SAGE, ...", "... framework
   (R3-Streaming)"), never a part of a longer one ("VA" of "VA-OPD") - a name that also appears in the
   title comes first;
2. the authors: "Surname" (one author), "Surname et al." (two or more, so the name reads as a plural
   subject); the surname skips suffixes, so "Martin Luther King Jr." is "King", never "Jr.".

Names are unique within a post: papers whose names collide (ignoring case, punctuation and
"et al.", so one author's "Xu" and "Xu et al." collide too) each move on to their next candidate:
the method name with the authors ("SAGE (Liu et al.)"), then the first two surnames ("Liu, Chen et
al."), and last the id itself ("Liu et al. 2605.12345"), which is unique by construction.

Pure functions over :class:`~digest_publisher.models.Paper`; no I/O.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from typing import Any

from .models import Paper


@functools.cache
def _latex_reader() -> tuple[Any, Any]:
    """pylatexenc's walker context and text converter, built on first use (a command that reads no LaTeX, such
    as a publish whose title and alt text hold none, never loads pylatexenc).

    pylatexenc 2.11 knows no arguments of ``\\href`` (its text rule then indexes a missing argument and
    crashes): both link macros are taught here, and a link's text is kept while its URL never is."""
    from pylatexenc import latexwalker, macrospec
    from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

    walker_context = latexwalker.get_default_latex_context_db()
    walker_context.add_context_category(
        "digest-links", prepend=True, macros=[macrospec.MacroSpec("href", "{{"), macrospec.MacroSpec("url", "{")]
    )
    text_context = get_default_latex_context_db()
    text_context.add_context_category(
        "digest-links", prepend=True,
        macros=[MacroTextSpec("href", simplify_repl="%(2)s"), MacroTextSpec("url", simplify_repl="%(1)s")],
    )
    return walker_context, LatexNodes2Text(latex_context=text_context, math_mode="text")


# Math as Pandoc reads it: "$$...$$", or "$" followed by a non-space, closed by a "$" after a non-space
# and not followed by a digit. Any other "$" is a dollar sign ("the $20 baseline" keeps it).
MATH_SPAN = re.compile(r"\$\$(?:[^$\\]|\\.)+?\$\$|(?<![\\$])\$(?![\s$])(?:[^$\\]|\\.)+?(?<![\s\\])\$(?!\d)",
                       re.S)
# A link's target is never shown: only its text (``\href``) or nothing but the address as plain text (``\url``).
_URL_ARG = re.compile(r"\\(href|url)\s*\{([^{}]*)\}")
# Input past this size is not read by the LaTeX parser (a title or a sentence is far shorter).
MAX_LATEX_CHARS = 20_000

__all__ = [
    "MATH_SPAN", "author_name", "cite_key", "method_names", "readable_latex", "short_names", "surname", "surnames",
]

# A title prefix longer than this is a phrase, not a name ("From Recognition to Reasoning: ...").
MAX_NAME_WORDS = 3
MAX_NAME_CHARS = 32
_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "phd", "ph.d."})
_PARTICLES = frozenset({"de", "van", "von", "der", "den", "da", "di", "del", "della", "le", "la", "du", "dos"})
# Title prefixes that name a genre, not a paper ("Position: Let's ..."): never a short name.
_GENERIC_PREFIXES = frozenset({
    "position", "survey", "review", "tutorial", "perspective", "commentary", "editorial", "note",
    "technical report", "report", "case study", "a survey", "extended abstract",
})
# Acronyms of method families and common terms: a paper that uses GRPO is not named "GRPO".
_ACRONYM_TEXT = (
    "AI LLM LLMS LM LMS VLM VLMS MLLM MLLMS RL RLHF RLVR RLAIF GRPO DAPO GSPO PPO DPO SIMPO KTO ORPO SFT COT "
    "KL MOE LORA RAG QA GUI API GPU CPU OPD MDP POMDP KV VLA NLP CV ML DL NN CNN RNN GNN GAN VAE TTS ASR OCR "
    "SOTA PRM ORM RM IRL BC MCTS LRM LRMS SLM SLMS AGI GPT BERT MATH GSM8K SQL JSON HTML URL PDF USA UK EU"
)
_COMMON_ACRONYMS = frozenset(_ACRONYM_TEXT.split())
# A name token: starts with a capital, and has a second capital or a digit ("SAGE", "EnvFactory",
# "R3-Streaming", "Mem-$π$") - an ordinary capitalised word ("Reward") is not a name.
_NAME_PATTERN = r"[A-Z][\w$π≡\-+.]*?(?:[A-Z0-9$][\w$π≡\-+]*)"
_NAME_RE = re.compile(rf"^{_NAME_PATTERN}$")
_INTRODUCING = re.compile(r"\b(?:propose|proposes|introduce|introduces|present|presents|develop|develops|"
                          r"called|termed|dubbed|named)\b", re.I)
_INTRODUCED = [
    # "we propose SAGE", "we introduce EnvFactory, a ...", "a method called X", "termed X", "dubbed X"
    re.compile(rf"\b(?:propose|proposes|introduce|introduces|present|presents|develop|develops|call|called|"
               rf"term|termed|dub|dubbed|name|named)\s+(?:a\s+|an\s+|the\s+)?({_NAME_PATTERN})(?=[\s,.;:)])"
               # not the first word of a longer Title-Case phrase ("Self-Policy Distillation (SPD)")
               r"(?!\s+[A-Z][a-z])"),
    # "We propose Self-Evolving ... (SAGE)": an abbreviation in parentheses, in a sentence that introduces
    # something (an abbreviation of a term - "(RSV)", "(ToM)" - elsewhere is not the paper's name)
    re.compile(rf"{_INTRODUCING.pattern}[^.;]*?\(({_NAME_PATTERN})\)", re.I),
]


def cite_key(paper: Paper) -> str:
    """The id a post cites a paper by: its arXiv id (``[@2605.18529]``), else its key."""
    return paper.arxiv_id or paper.key


def surname(author: str) -> str:
    """The family name of an author as the corpus spells it: "Surname, Given" or "Given [particles] Surname
    [Jr.]"; suffixes are skipped ("Martin Luther King Jr." -> "King") and particles kept ("van Dyk")."""
    name = " ".join(author.split())
    if "," in name:
        head, tail = (part.strip() for part in name.split(",", 1))
        if tail.casefold() not in _SUFFIXES:  # "Surname, Given" (a suffix after a comma is not a given name)
            return head or tail
        name = head
    parts = name.split()
    while len(parts) > 1 and parts[-1].casefold() in _SUFFIXES:
        parts.pop()
    if not parts:
        return author.strip()
    last = len(parts) - 1
    start = last
    while start > 0 and parts[start - 1].casefold() in _PARTICLES:
        start -= 1
    return " ".join(parts[start:]).strip(",")


def surnames(paper: Paper) -> list[str]:
    """Surnames of the paper's authors, in order (blank author strings skipped)."""
    return [surname(a) for a in paper.authors if a.strip()]


def author_name(paper: Paper) -> str | None:
    """"Surname" (one author) or "Surname et al." (two or more); None for a paper without authors."""
    names = surnames(paper)
    if not names:
        return None
    if len(names) == 1:
        return names[0]
    # Two authors too: "Lin and Brown" reads as two people ("Lin and Brown goes" does not read).
    return f"{names[0]} et al."


def _is_name(token: str) -> bool:
    # Every hyphenated part starts with a capital or digit: "R3-Streaming" is a name, "OCR-aware" a phrase.
    parts = token.split("-")
    return (
        bool(_NAME_RE.match(token))
        and all(part[:1].isupper() or part[:1].isdigit() for part in parts if part)
        and token.upper().strip(".") not in _COMMON_ACRONYMS
        and len(token) >= 2
    )


def _protect_dollars(text: str) -> str:
    """Every "$" outside a math span escaped (``\\$``), so LaTeX keeps it as a dollar sign."""
    out: list[str] = []
    last = 0
    for match in MATH_SPAN.finditer(text):
        out.append(text[last:match.start()].replace("$", r"\$"))
        out.append(match.group(0))
        last = match.end()
    out.append(text[last:].replace("$", r"\$"))
    return "".join(out)


def _literal_url(match: re.Match[str]) -> str:
    if match.group(1) == "href":
        return r"\href{}"  # the address is dropped; the link text (the next group) stays
    return re.sub(r"([%#&_$~^{}])", r"\\\1", match.group(2)).replace(r"\~", "~").replace(r"\^", "^")


def readable_latex(text: str) -> str:
    """LaTeX made readable for people: ``$\\textit{Don't Guess}$`` -> "Don't Guess", ``PARAM$Δ$`` ->
    "PARAMΔ", ``$40.9\\%$`` -> "40.9%", ``Res$^2$CLIP`` -> "Res²CLIP", ``\\href{url}{this}`` -> "this".
    A "$" that opens no math span stays ("the $20 baseline"). Text without ``$`` or ``\\`` is returned
    as it is; text longer than :data:`MAX_LATEX_CHARS` only loses its backslashes. Never raises."""
    if "\\" not in text and "$" not in text:
        return text
    if len(text) > MAX_LATEX_CHARS:
        return " ".join(text.replace("\\", " ").split())
    # a bare "%" or "&" is the character in a title, not a LaTeX comment or column ("40% with $\\alpha$")
    source = re.sub(r"(?<!\\)([%&])", r"\\\1", _protect_dollars(_URL_ARG.sub(_literal_url, text)))
    from pylatexenc import latexwalker

    walker_context, latex = _latex_reader()
    try:
        nodes = latexwalker.LatexWalker(source, latex_context=walker_context, tolerant_parsing=True)
        out = latex.nodelist_to_text(nodes.get_latex_nodes()[0])
    except (latexwalker.LatexWalkerError, IndexError, KeyError, ValueError, TypeError, RecursionError):
        # pylatexenc's tolerant mode still trips on some malformed input: the text without its markup
        out = re.sub(r"\\(?![A-Za-z])", "", re.sub(r"\\[A-Za-z]+\*?|[{}]", " ", source))
    out = " ".join(out.split())
    # pylatexenc keeps "^2" and "_0"; single-digit scripts have Unicode forms readers know ("Res²CLIP").
    out = re.sub(r"\^\{?(\d)\}?", lambda m: "⁰¹²³⁴⁵⁶⁷⁸⁹"[int(m.group(1))], out)
    return re.sub(r"_\{?(\d)\}?", lambda m: "₀₁₂₃₄₅₆₇₈₉"[int(m.group(1))], out)


def _title_prefix(title: str) -> str | None:
    if ":" not in title:
        return None
    head = readable_latex(title.split(":", 1)[0].strip())  # readers see "Mem-π", never "Mem-$π$"
    if (
        head
        and len(head) <= MAX_NAME_CHARS
        and len(head.split()) <= MAX_NAME_WORDS
        and "," not in head  # "Rewarding Beliefs, Not Actions" is a slogan, not a name
        and not re.search(r"\s(?:and|&)\s", head)  # "LIFT and PLACE" names two things: a plural subject
        and head.casefold() not in _GENERIC_PREFIXES
    ):
        return head
    return None


def method_names(paper: Paper) -> list[str]:
    """The paper's own names for its method, most telling first: the title's prefix before a colon,
    then names the abstract introduces (those that the title also uses first). Empty when it has none."""
    title = " ".join(paper.title.split())
    found: list[str] = []
    prefix = _title_prefix(title)
    if prefix:
        found.append(prefix)
    abstract = " ".join(paper.abstract.split())
    introduced: list[str] = []
    for pattern in _INTRODUCED:
        for match in pattern.finditer(abstract):
            if pattern.flags & re.I and not match.group(1)[:1].isupper():
                continue
            token = match.group(1).rstrip(".-")
            if _is_name(token) and token not in introduced:
                introduced.append(token)
    # A part of a longer name ("VA" of "VA-OPD": the advantage it measures) is not the method's name.
    introduced = [t for t in introduced if not any(o != t and t in o.split("-") for o in introduced)]
    title_words = set(re.findall(r"[\w$π≡\-+]+", title))
    introduced.sort(key=lambda token: token not in title_words)  # stable: abstract order within each group
    found += [t for t in introduced if t not in found]
    return found


def _candidates(paper: Paper) -> list[str]:
    """Every name the paper may go by, in order of preference; the last one is unique by construction."""
    key = cite_key(paper)
    authors = author_name(paper)
    methods = method_names(paper)
    names = surnames(paper)
    out: list[str] = list(methods)
    if authors:
        out += [f"{m} ({authors})" for m in methods[:1]]
        out.append(authors)
        if len(names) > 2:
            out.append(f"{names[0]}, {names[1]} et al.")
    out.append(f"{(methods[:1] or [authors or 'Paper'])[0]} {key}")
    return out


def _collision_key(name: str) -> str:
    """What makes two names read as the same: "Xu" and "Xu et al." do, so do "R3 Streaming" and "R3-Streaming"."""
    base = re.sub(r"\bet al\.?", "", name.casefold())
    return re.sub(r"[\W_]+", "", base)


def short_names(papers: Iterable[Paper]) -> dict[str, str]:
    """Cite key -> short name for every paper of a post, unique within it (see the module docstring).

    Deterministic: the same papers in the same order always get the same names.
    """
    ordered: Sequence[Paper] = list(papers)
    options = {cite_key(p): _candidates(p) for p in ordered}
    choice = dict.fromkeys(options, 0)
    # Each round moves every member of a colliding group one candidate on; the last candidate holds the
    # unique cite key, so the loop ends after at most max(len(candidates)) rounds.
    for _ in range(max((len(v) for v in options.values()), default=0) + 1):
        groups: dict[str, list[str]] = {}
        for key, index in choice.items():
            groups.setdefault(_collision_key(options[key][index]), []).append(key)
        clashing = [keys for keys in groups.values() if len(keys) > 1]
        if not clashing:
            break
        for keys in clashing:
            # Members with a readable next name move first; the id-bearing last resort only when none has one
            # (so one author's "Xu" stays "Xu" while the "Xu et al." paper becomes "Xu, Chen et al.").
            movable = [k for k in keys if choice[k] + 2 < len(options[k])] or keys
            for key in movable:
                choice[key] = min(choice[key] + 1, len(options[key]) - 1)
    return {key: options[key][index] for key, index in choice.items()}
