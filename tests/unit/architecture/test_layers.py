"""The package tree reads as the data flow: no module imports one of a higher layer.

The layers are declared once, in ``[tool.importlinter]`` of ``pyproject.toml``;
import-linter (grimp) finds every import, including those inside functions.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
LINT = Path(sys.executable).parent / "lint-imports"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT), *args], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )


def test_no_import_runs_up_the_layers() -> None:
    result = run()

    assert 0 == result.returncode, result.stdout[-3000:]
    assert "Contracts: 1 kept, 0 broken." in result.stdout


def test_the_check_fails_on_an_upward_import(tmp_path: Path) -> None:
    # the same check with two layers swapped: delivery builds on config, so this must break
    swapped = tmp_path / "swapped.ini"
    swapped.write_text(
        "[importlinter]\nroot_package = hub\n\n"
        "[importlinter:contract:swapped]\nname = swapped\ntype = layers\n"
        "layers =\n    hub.config\n    hub.delivery\n"
    )

    result = run("--config", str(swapped))

    assert 0 != result.returncode
    assert "hub.delivery is not allowed to import hub.config" in result.stdout
