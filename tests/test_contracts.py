"""The architecture contracts of pyproject.toml [tool.importlinter] hold, and would catch a breach."""

from __future__ import annotations

import itertools
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]


def lint_imports(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", *args], cwd=cwd, capture_output=True, text=True, check=False)


def breaches() -> list[tuple[str, str, str]]:
    """One (contract id, importing module, imported module) per import each contract forbids."""
    cases = []
    for contract in CONFIG["contracts"]:
        if contract["type"] == "forbidden":
            cases += [(contract["id"], src, bad) for src in contract["source_modules"] for bad in contract["forbidden_modules"]]
        elif contract["type"] == "layers":
            layers = contract["layers"]
            cases += [(contract["id"], low, high) for high, low in itertools.pairwise(layers)]
    return cases


def test_every_contract_is_kept() -> None:
    """`lint-imports` passes on the code as it is, and reports every contract of pyproject.toml as kept."""
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Contracts: {len(CONFIG['contracts'])} kept, 0 broken." in result.stdout


@pytest.mark.parametrize(("contract", "importer", "imported"), breaches())
def test_a_forbidden_import_breaks_its_contract(tmp_path: Path, contract: str, importer: str, imported: str) -> None:
    """Adding an import a contract forbids, to a copy of the code, makes `lint-imports` fail on that contract."""
    for package in CONFIG["root_packages"]:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    module = tmp_path.joinpath(*importer.split("."))
    path = module / "__init__.py" if module.is_dir() else module.with_suffix(".py")
    path.write_text(path.read_text(encoding="utf-8") + f"\nimport {imported}  # noqa\n", encoding="utf-8")
    result = lint_imports(tmp_path, "--contract", contract)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "0 kept, 1 broken" in result.stdout
