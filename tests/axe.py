"""axe-core for the accessibility tests: the pinned version from the npm registry, installed once into a cache folder."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

AXE_VERSION = "4.14"
CACHE = Path(os.environ.get("STOPDASH_AXE_DIR", Path.home() / ".cache" / "stopdash" / f"axe-core-{AXE_VERSION}"))


def axe_script() -> Path:
    """The path of axe.min.js, running `npm install axe-core@4.14` first when it is not there yet."""
    script = CACHE / "node_modules" / "axe-core" / "axe.min.js"
    if script.exists():
        return script
    npm = shutil.which("npm")
    assert npm, "npm is needed to fetch axe-core for the accessibility tests: apt-get install npm (or install Node.js)"
    CACHE.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [npm, "install", "--prefix", str(CACHE), "--no-audit", "--no-fund", "--silent", f"axe-core@{AXE_VERSION}"],
        check=True,
        timeout=300,
    )
    assert script.exists(), f"npm did not install axe-core {AXE_VERSION} into {CACHE}"
    return script
