"""promtool and prometheus from Debian's package: missing tools fail the tests, they never skip."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

INSTALL_HINT = "run `scripts/prometheus.sh install` (Debian's prometheus package)"

Promtool = Callable[..., subprocess.CompletedProcess[str]]


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is missing: {INSTALL_HINT}", pytrace=False)
    return path


@pytest.fixture(scope="session")
def promtool() -> Promtool:
    """Run promtool with arguments; its result with text output, whatever the exit code."""
    binary = _tool("promtool")

    def run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [binary, *map(str, args)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            cwd=cwd,
        )

    return run


@pytest.fixture(scope="session")
def prometheus_bin() -> str:
    """Path of the prometheus server binary."""
    return _tool("prometheus")
