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


class DigestError(Exception):
    """Root of all expected errors. ``hint`` says what the user can do next."""

    def __init__(self, message: str, hint: str | None = None) -> None:
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
