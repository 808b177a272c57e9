"""The closed sets of values a user picks from, each written once: the CLI offers them as choices, the
stages check them. Nothing is imported here, so ``digest-publisher --help`` can list them without
loading the render or publishing stacks."""

from __future__ import annotations

#: What a post's content is written as: WordPress block markup, or classic HTML (render stage).
CONTENT_FORMATS = ("blocks", "classic")
#: How a post reaches WordPress: the REST API, or XML-RPC for sites whose REST API is turned off.
TRANSPORTS = ("rest", "xmlrpc")
#: The corpus formats the readers know (corpus/readers.py), for ``--format`` of the corpus commands.
CORPUS_FORMATS: tuple[str, ...] = ("listing", "json", "csv", "bibtex", "atom", "snapshot")
