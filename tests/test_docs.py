"""The README and docs/ keep up with the code: every command is documented, every module, file and link they name exists.

A failure here means a reader would look for something that is not there (or not find something that is).
Issue codes are kept in docs/ingest.md by tests/test_issue_codes.py.
"""

from __future__ import annotations

import argparse
import ast
import re
from pathlib import Path

import pytest

from stopdash.cli import _parser

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
PAGES = [README, *DOCS]
FILE_SUFFIXES = {"md", "duckdb", "toml", "json", "xlsx", "csv", "html", "key", "version", "wal", "gov", "py"}


def _commands(parser: argparse.ArgumentParser, prefix: str = "") -> list[str]:
    """Every command path of the parser, subcommands included ("export summary"), leaves only."""
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += _commands(sub, f"{prefix}{name} ") or [f"{prefix}{name}"]
    return found


COMMANDS = _commands(_parser())


def _text(path: Path) -> str:
    return " ".join(path.read_text(encoding="utf-8").split())


def test_the_command_walk_finds_the_commands() -> None:
    """The walk sees nested subcommands, so the tests below cover every command."""
    assert {"ingest", "backup", "restore", "export summary"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_in_the_readme_table(command: str) -> None:
    """README.md's command table has a row for each `stopdash` command."""
    rows = [line for line in README.read_text(encoding="utf-8").splitlines() if line.startswith("| `stopdash ")]
    assert any(re.match(rf"\| `stopdash {re.escape(command)}[ `]", row) for row in rows), f"no README table row for stopdash {command}"


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_described_in_docs(command: str) -> None:
    """Some page of docs/ shows how to use each `stopdash` command."""
    assert any(re.search(rf"stopdash {re.escape(command)}\b", _text(page)) for page in DOCS), f"docs/ never mentions stopdash {command}"


def _module_file(dotted: list[str]) -> Path | None:
    path = ROOT.joinpath(*dotted)
    for candidate in (path / "__init__.py", path.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def _top_level_names(source: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.parse(source.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.ImportFrom | ast.Import):
            names |= {alias.asname or alias.name for alias in node.names}
    return names


def _resolves(name: str) -> bool:
    """`pkg.module.attr` names a module of this project, or a top-level name defined in one."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        source = _module_file(parts[:cut])
        if source is not None:
            rest = parts[cut:]
            return not rest or (len(rest) == 1 and rest[0] in _top_level_names(source))
    return False


def _references(pattern: str) -> list[tuple[str, str]]:
    return sorted({(page.relative_to(ROOT).as_posix(), m) for page in PAGES for m in re.findall(pattern, page.read_text(encoding="utf-8"))})


MODULES = [
    (page, name)
    for page, name in _references(r"(?<![\w/.-])((?:ingest|stopdash|dashboard)(?:\.[A-Za-z_]\w*)+)")
    if name.rsplit(".", 1)[1] not in FILE_SUFFIXES
]
PATHS = _references(r"(?<![\w/.-])((?:ingest|stopdash|dashboard|bench|tests|docs|\.ci)/[\w./-]*\w)")


def test_the_reference_scan_finds_references() -> None:
    """The scans see the modules and files the docs name, so an empty scan cannot pass for a clean one."""
    assert ("docs/exports.md", "stopdash.queries.allocation.allocation_checks") in MODULES
    assert ("README.md", "dashboard/app.py") in PATHS


@pytest.mark.parametrize(("page", "name"), MODULES)
def test_every_module_named_exists(page: str, name: str) -> None:
    """A dotted name in the docs (`stopdash.queries.reader.ExportError`) is a module or a name defined in it."""
    assert _resolves(name), f"{page} names {name}, which is not in the code (renamed or removed?)"


@pytest.mark.parametrize(("page", "path"), PATHS)
def test_every_file_named_exists(page: str, path: str) -> None:
    """A source path in the docs (`ingest/issue_codes.py`) is a file or folder of the project (bench/results is written by make bench)."""
    assert (ROOT / path).exists() or path.startswith("bench/results/"), f"{page} names {path}, which does not exist"


LINKS = [
    (page, target)
    for page, target in _references(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
    if not re.match(r"[a-z]+:", target)  # web addresses are not checked offline
]


@pytest.mark.parametrize(("page", "target"), LINKS)
def test_every_relative_link_resolves(page: str, target: str) -> None:
    """A link from one page to another file of the project goes somewhere."""
    assert (ROOT / page).parent.joinpath(target).exists(), f"{page} links to {target}, which does not exist"


def _layout_section() -> str:
    text = README.read_text(encoding="utf-8")
    section = re.search(r"^## How the code is laid out\n(.*?)(?=^## )", text, re.S | re.M)
    assert section is not None, "README.md has no 'How the code is laid out' section"
    return section.group(1)


CODE = sorted(
    p.parent.relative_to(ROOT).as_posix() for top in ("ingest", "stopdash", "dashboard") for p in (ROOT / top).rglob("__init__.py")
)
PACKAGES = [*CODE, "data", "tests", "bench"]


@pytest.mark.parametrize("package", PACKAGES)
def test_every_package_is_in_the_layout_section(package: str) -> None:
    """README.md's 'How the code is laid out' names each package and folder of the code, so a new one gets described."""
    assert f"`{package}/`" in _layout_section()
