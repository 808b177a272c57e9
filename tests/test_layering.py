"""The package's import layering, read from the source (``ast``, nothing imported):

    cli ─► series ─► pipeline ─► stages (corpus, selection, topics, drafting, render, publishing)
                          ─► wordpress · records · config ─► models · errors

* only ``cli`` and ``series`` (the whole series as one job, composing the pipeline's functions) import
  ``pipeline``; only ``cli`` imports ``series``, and nothing imports ``cli``;
* a stage never imports the pipeline, the CLI or another stage's internals (only its package entry, and
  only along the edges listed in ``STAGE_EDGES``);
* ``wordpress``, ``records``, ``config``, ``retry`` and ``claude`` import no stage; ``models``, ``errors`` and
  ``choices`` import only each other;
* no module is longer than ~450 lines, except the WordPress filter port (render/wpformat.py) and the
  modules listed in ``TOO_LONG_FOR_NOW`` with the issue that is splitting them.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.paths import REPO_ROOT

PACKAGE = REPO_ROOT / "digest_publisher"
STAGES = frozenset({"corpus", "selection", "topics", "curation", "drafting", "render", "publishing"})
LOWER = frozenset({"wordpress", "records", "config", "retry", "claude"})
BASE = frozenset({"models", "errors", "choices"})
ABOVE_PIPELINE = frozenset({"cli", "series"})
# Which stage may use which other stage (through that stage's package entry only).
STAGE_EDGES = frozenset({("selection", "corpus"), ("selection", "topics"), ("publishing", "render")})
MAX_LINES = 450
TOO_LONG_FOR_NOW = {
    "render/wpformat.py": "the WordPress filter port, checked byte for byte against PHP: one file on purpose",
}


def _module(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> list[tuple[str, str]]:
    """(importing module, imported module) for every import of the package inside the package."""
    edges: list[tuple[str, str]] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = _module(path)
        package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package[: len(package) - node.level + 1]
                    targets = [".".join([*base, node.module] if node.module else base)]
                    if node.module is None:  # "from . import x": x may be a module
                        targets = [f"{targets[0]}.{alias.name}" for alias in node.names]
                else:
                    targets = [node.module or ""]
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                continue
            edges += [(name, t) for t in targets if t.split(".")[0] == "digest_publisher"]
    return edges


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "<package>"


def test_the_parser_sees_the_package() -> None:
    edges = _imports()
    assert ("digest_publisher.cli.publish", "digest_publisher.pipeline") in edges
    assert ("digest_publisher.publishing.publish", "digest_publisher.records.record") in edges


def test_imports_point_one_way() -> None:
    problems: list[str] = []
    for source, target in _imports():
        a, b = _layer(source), _layer(target)
        if a == b or a == "<package>" or a == "__main__":
            continue
        where = f"{source} imports {target}"
        if b == "cli":
            problems.append(f"{where}: nothing outside cli may import the CLI")
        elif b == "pipeline" and a not in ABOVE_PIPELINE:
            problems.append(f"{where}: only the CLI and the series call the pipeline")
        elif b == "series" and a != "cli":
            problems.append(f"{where}: only the CLI calls the series")
        elif a in STAGES and b in STAGES:
            if (a, b) not in STAGE_EDGES:
                problems.append(f"{where}: stage {a} may not use stage {b}")
            elif target != f"digest_publisher.{b}":
                problems.append(f"{where}: use the {b} stage's package entry, not its internals")
        elif a in LOWER and b in STAGES | {"pipeline"}:
            problems.append(f"{where}: {a} is below the stages")
        elif a in BASE and b not in BASE:
            problems.append(f"{where}: models and errors import nothing else of the package")
    assert problems == []


def test_no_module_is_longer_than_about_450_lines() -> None:
    too_long = {
        str(path.relative_to(PACKAGE)): n
        for path in PACKAGE.rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert {name: n for name, n in too_long.items() if name not in TOO_LONG_FOR_NOW} == {}
    # The list shrinks as modules are split: an entry that is short enough now must be removed.
    assert sorted(set(TOO_LONG_FOR_NOW) - set(too_long)) == []


def test_the_environment_is_read_only_by_config() -> None:
    readers = sorted(
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if "os.environ" in (text := path.read_text(encoding="utf-8")) or "os.getenv" in text
    )
    assert readers == ["config.py"]
