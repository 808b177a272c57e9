"""The README's map of the package and each package's docstring name the modules that exist (a docstring or
README line is a claim: a module added, renamed or removed without them fails here)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.paths import REPO_ROOT

PACKAGE = REPO_ROOT / "digest_publisher"
PACKAGES = sorted(p.parent for p in PACKAGE.glob("*/__init__.py"))


def _map() -> str:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("The package reads as its pipeline"):]
    return section[: section.index("```", section.index("```") + 3)]


def _modules(package: Path) -> set[str]:
    return {p.stem for p in package.glob("*.py") if p.name != "__init__.py"}


def _named(module: str, text: str) -> bool:
    """``module.py``, ``:mod:`.module``` or ````module````: a module, not a word that happens to be its name
    ("tree", "card", "client" and "text" are words of any docstring)."""
    return bool(re.search(rf"(?<![\w/.]){module}\.py\b|:mod:`~?\.{module}`|``{module}``", text))


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.name)
def test_each_package_docstring_names_its_modules(package: Path) -> None:
    doc = ast.get_docstring(ast.parse((package / "__init__.py").read_text(encoding="utf-8"))) or ""
    named = set(re.findall(r"(?<![\w/.])([a-z_][a-z0-9_]*)\.py\b", doc))
    extra = named - _modules(package)
    assert not extra, f"{package.name}/__init__ names modules that do not exist: {sorted(extra)}"
    missing = {m for m in _modules(package) if not _named(m, doc)}
    assert not missing, f"{package.name}/__init__'s docstring does not name {sorted(missing)}"


def test_the_readme_map_names_every_package_and_only_modules_that_exist() -> None:
    """A package is named as ``name/`` at the start of a line; a ``name.py`` on that line or the indented lines
    below it is one of ITS modules, any other ``name.py`` a top-level module, ``package/name.py`` that package's."""
    text = _map()
    packages = {p.name: _modules(p) for p in PACKAGES}
    top = {p.stem for p in PACKAGE.glob("*.py")}
    current: str | None = None
    for line in text.splitlines()[1:]:
        if line and not line[0].isspace():
            current = None
            starts = re.match(r"([a-z_]+)/", line)
            if starts:
                assert starts[1] in packages, f"README map names {starts[1]}/, which is not a package"
                current = starts[1]
        for owner, name in re.findall(r"(?<![\w.])(?:([a-z_]+)/)?([a-z_][a-z0-9_]*)\.py\b", line):
            if owner:
                assert name in packages.get(owner, ()), f"README map names {owner}/{name}.py, which does not exist"
            elif current:
                assert name in packages[current], f"README map names {name}.py under {current}/, not one of its modules"
            else:
                assert name in top, f"README map names {name}.py, which is not a top-level module"
    for package in packages:
        assert re.search(rf"(^|\s){package}/", text, re.M), f"README map does not name {package}/"
    for module in sorted(top - {"__init__", "__main__"}):
        assert re.search(rf"(?<![\w/.]){module}\.py\b", text), f"README map does not name {module}.py"
