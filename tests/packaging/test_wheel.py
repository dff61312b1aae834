"""A built wheel works anywhere: installed into a fresh venv outside the checkout.

Builds the wheel, installs it (with its dependencies, from the package index or pip's cache)
into a venv in a temporary directory, and runs the installed hub from there: its help, a
configuration check, a codec round trip on the schemas it carries as package data, the
built-in connectors from its own namespace, and a clear answer from the development-only
``hub kafka``.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def sh(*args: str | Path, cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The bin/ directory of a fresh venv with the wheel installed."""
    where = tmp_path_factory.mktemp("wheel")
    built = sh(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "-q",
        "--no-deps",
        "-w",
        where / "dist",
        ROOT,
        cwd=where,
    )
    assert 0 == built.returncode, built.stderr[-2000:]
    wheel = next((where / "dist").glob("ikz_hub-*.whl"))
    created = sh("python3.11", "-m", "venv", where / "venv", cwd=where)
    assert 0 == created.returncode, created.stderr
    pip = sh(where / "venv" / "bin" / "pip", "install", "-q", wheel, cwd=where, timeout=900)
    assert 0 == pip.returncode, pip.stderr[-3000:]
    yield where / "venv" / "bin"


def test_installed_hub_answers_help_from_outside_the_checkout(
    installed: Path, tmp_path: Path
) -> None:
    result = sh(installed / "hub", "--help", cwd=tmp_path)

    assert 0 == result.returncode, result.stderr
    assert "config" in result.stdout and "routes" in result.stdout


def test_installed_hub_validates_the_example_configuration(installed: Path, tmp_path: Path) -> None:
    result = sh(
        installed / "hub", "config", "validate", ROOT / "config", "--no-secrets", cwd=tmp_path
    )

    assert 0 == result.returncode, result.stdout + result.stderr
    assert "valid (4 tenants" in result.stdout


def test_installed_codec_round_trips_with_the_schemas_it_carries(
    installed: Path, tmp_path: Path
) -> None:
    script = textwrap.dedent(
        """
        import hub, hub.connectors.dms_xdomea
        from hub.events.catalog import SCHEMA_DIR
        from hub.events.codec import SingleObjectCodec
        from hub.events.models import Envelope, Replayed
        event = Replayed(envelope=Envelope(case_id="c", tenant="t", correlation_id="c"),
                         entry_id="e", entry_topic="a", target_topic="b")
        codec = SingleObjectCodec()
        assert codec.decode(codec.encode(event)) == event
        print(hub.__file__, SCHEMA_DIR, hub.connectors.dms_xdomea.__file__, sep="\\n")
        """
    )

    result = sh(installed / "python", "-c", script, cwd=tmp_path)

    assert 0 == result.returncode, result.stderr
    venv = str(installed.parent)
    assert all(line.startswith(venv) for line in result.stdout.splitlines())


def test_installed_hub_says_kafka_is_a_development_tool(installed: Path, tmp_path: Path) -> None:
    result = sh(installed / "hub", "kafka", "status", cwd=tmp_path)

    assert 2 == result.returncode
    assert "development tool" in result.stderr and "Traceback" not in result.stderr
