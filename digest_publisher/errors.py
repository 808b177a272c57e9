"""The one exception tree of digest-publisher.

Every error the tool raises on purpose derives from :class:`DigestError`. The CLI catches that root
once and prints ``Error: <what happened>. <what to do>`` with exit code 1; anything else is a bug.

    DigestError
     ├── ConfigError          settings, .env, topics.toml
     ├── CorpusError          a corpus file could not be read or holds a bad record
     │    └── EmptySelectionError   filters left no paper (names the filter)
     ├── FetchError           the arXiv API did not answer usefully
     ├── PostSourceError      posts/<slug>/post.md or its papers.json is malformed
     ├── RenderError          Markdown could not become clean WordPress content
     │    └── ResidueError         literal Markdown, empty section or unresolved citation left
     ├── DraftError           a drafting stage failed (model output, grounding checks)
     ├── WordPressError       the site answered with an error or something unexpected
 │    └── SiteUnreachable       no answer at all: down, wrong port, no HTTPS there
     └── LockError            another run holds the lock on a post
"""

from __future__ import annotations

# Credentials of this process (an Application Password, its Basic header's base64, the Claude key): a
# server or gateway that echoes request headers in its error text must not make us print or store them.
_SECRETS: set[str] = set()
_SHORTEST_SECRET = 6  # shorter values (a test's "x") would blank out ordinary words


def register_secret(value: str | None) -> None:
    """Remember a credential so that no error message of this process ever carries it (see :func:`scrub`)."""
    if value and len(value.strip()) >= _SHORTEST_SECRET:
        _SECRETS.add(value.strip())


def scrub(text: str) -> str:
    """``text`` with every registered credential replaced by ``[redacted]`` (longest first, so a Basic
    header's base64 goes before a password inside it)."""
    for secret in sorted(_SECRETS, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, "[redacted]")
    return text


class DigestError(Exception):
    """Root of all expected errors. ``hint`` says what the user can do next. Message and hint are scrubbed
    of the process's credentials (:func:`scrub`) when the error is made, so nothing shows or stores them."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        message = scrub(message)
        hint = scrub(hint) if hint else hint
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message.rstrip('.')}. {self.hint}"
        return self.message


class ConfigError(DigestError):
    """Settings, .env or topics.toml are missing or invalid."""


class CorpusError(DigestError):
    """A corpus file is unreadable or holds a record that cannot become a Paper."""

    def __reduce__(self) -> tuple[type[CorpusError], tuple[str, str | None]]:
        # Keep the hint when a worker process hands the error back to the parent (pickle).
        return (self.__class__, (self.message, self.hint))


class EmptySelectionError(CorpusError):
    """Nothing was left after filtering; the message names the filter that removed everything."""


class FetchError(DigestError):
    """The arXiv API could not be queried."""


class PostSourceError(DigestError):
    """A post source folder (post.md, papers.json) is missing or malformed."""


class RenderError(DigestError):
    """Markdown could not be turned into clean WordPress content."""


class ResidueError(RenderError):
    """Rendered HTML still holds literal Markdown, an empty section or an unresolved citation."""

    def __init__(self, problems: list[str], where: str = "") -> None:
        self.problems = problems
        prefix = f"{where}: " if where else ""
        super().__init__(
            f"{prefix}rendered content has {len(problems)} problem(s): " + "; ".join(problems),
            "Fix the Markdown source (or the draft) and render again",
        )


class DraftError(DigestError):
    """A drafting stage failed or its output did not pass the grounding checks."""


class WordPressError(DigestError):
    """WordPress answered with an error, or with something that is not what was sent."""

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        *,
        status: int | None = None,
        code: str | None = None,
        url: str | None = None,
    ) -> None:
        super().__init__(message, hint)
        self.status = status
        self.code = code
        self.url = url


class SiteUnreachable(WordPressError):
    """The site did not answer at all (connection refused, DNS, timeout, a TLS handshake with no TLS)."""


class LockError(DigestError):
    """Another run holds the lock."""
