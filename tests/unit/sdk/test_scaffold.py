"""``hub connector new`` creates a package that installs, registers and passes the kit unchanged."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hub.cli import main
from hub.runtime.local import PROJECT_ROOT


def run(
    args: list[str], cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_scaffolded_connector_installs_registers_and_passes_the_kit(tmp_path: Path) -> None:
    assert 0 == main(
        ["connector", "new", "enaio-dms", "--kind", "dms.enaio", "--dir", str(tmp_path)]
    )
    package = tmp_path / "hub-connector-enaio-dms"
    site = tmp_path / "site"  # installed beside, not into, the project's environment

    installed = run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(site),
            str(package),
        ],
        tmp_path,
    )
    assert 0 == installed.returncode, installed.stderr
    env = {"PYTHONPATH": str(site)}
    registered = run(
        [
            sys.executable,
            "-c",
            "from hub.delivery.connector import connector_kinds as k; print(k()['dms.enaio'].__name__)",
        ],
        tmp_path,
        env,
    )
    kit = run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], package, env)
    lint = run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--config",
            str(PROJECT_ROOT / "pyproject.toml"),
            "--ignore",
            "I001",  # import order differs by where `hub` counts as first-party
            "--exclude",
            "build",
            str(package),
        ],
        tmp_path,
    )

    assert "EnaioDmsConnector" == registered.stdout.strip(), registered.stderr
    assert 0 == kit.returncode, kit.stdout + kit.stderr
    assert "7 passed" in kit.stdout
    assert 0 == lint.returncode, lint.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Bad Name"], "use lower-case letters"),
        (["ok", "--kind", "nodot"], "'<family>.<product>'"),
    ],
)
def test_scaffold_refuses_bad_names_with_a_clear_message(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert 2 == main(["connector", "new", *args, "--dir", str(tmp_path)])
    assert message in capsys.readouterr().err


def test_scaffold_does_not_overwrite_an_existing_package(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "hub-connector-x").mkdir()

    assert 2 == main(["connector", "new", "x", "--dir", str(tmp_path)])
    assert "exists already" in capsys.readouterr().err
