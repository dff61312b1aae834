"""Stand-in back offices of the shipped partners, run beside a local hub (demo, tests, bench).

The shipped tenant files point their procedure connectors at environment
variables with a default (``${BENSHEIM_GEWERBE_URL:-http://127.0.0.1:8804/...}``);
a :class:`StandIn` is one stand-in program of ``tests/peers/`` as a process on a
free port, with its URL and bearer token as the environment those files read.
"""

from __future__ import annotations

import re
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

PROJECT_ROOT = Path(__file__).resolve().parents[2]
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)")
_SECRET_ENV = re.compile(r"secret_ref:\s*\{\s*env:\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}")


@dataclass(frozen=True)
class StandInSpec:
    """A stand-in program and the environment variables a tenant file reaches it by."""

    name: str
    module: str  # python -m <module> --port P --state DIR --token T
    path: str  # the import endpoint below its base URL
    url_env: str
    token_env: str


SHIPPED = (
    StandInSpec(
        "gewerberegister",
        "tests.peers.gewerberegister",
        "/xgewerbeanzeige",
        "BENSHEIM_GEWERBE_URL",
        "BENSHEIM_GEWERBE_TOKEN",
    ),
    StandInSpec(
        "standesamt",
        "tests.peers.standesamt",
        "/auftraege",
        "VIERNHEIM_STANDESAMT_URL",
        "VIERNHEIM_STANDESAMT_TOKEN",
    ),
)


def referenced_env(config_dir: Path) -> tuple[set[str], set[str]]:
    """(every ``${NAME}`` the tenant files read, every ``secret_ref: {env: NAME}``)."""
    names: set[str] = set()
    secret_names: set[str] = set()
    for path in sorted((config_dir / "tenants").glob("*.y*ml")):
        text = path.read_text(encoding="utf-8")
        names.update(_ENV_REF.findall(text))
        secret_names.update(_SECRET_ENV.findall(text))
    return names, secret_names


def available(spec: StandInSpec) -> bool:
    """Whether this checkout has the stand-in program (an installed hub has no tests/)."""
    return (PROJECT_ROOT / Path(*spec.module.split("."))).with_suffix(".py").is_file()


@dataclass
class StandIn:
    """One stand-in process; ``start()`` waits until its ``/healthz`` answers."""

    spec: StandInSpec
    state_dir: Path
    port: int
    token: str = field(default_factory=lambda: secrets.token_hex(16))
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Base URL (``/_control``, ``/_stats``, ``/healthz`` lie below it)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def endpoint(self) -> str:
        """The import endpoint a connector posts to."""
        return self.url + self.spec.path

    def env(self) -> dict[str, str]:
        """What the tenant file reads to reach this stand-in."""
        return {self.spec.url_env: self.endpoint, self.spec.token_env: self.token}

    def start(self, timeout: float = 20.0) -> StandIn:
        """Start the process and wait until it answers."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        args = ["--port", str(self.port), "--state", str(self.state_dir), "--token", self.token]
        with (self.state_dir.parent / f"{self.spec.name}-{self.port}.log").open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", self.spec.module, *args],
                stdout=log,
                stderr=log,
                cwd=PROJECT_ROOT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                code = self.process.returncode
                raise RuntimeError(f"stand-in {self.spec.name} exited with {code}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise TimeoutError(f"stand-in {self.spec.name} did not answer within {timeout}s")

    def stop(self) -> None:
        """Stop it (connections are refused from then on)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def control(self, **settings: object) -> None:
        """Change its behaviour (``mode``, ``delay_seconds``, ``retry_after``)."""
        httpx.post(f"{self.url}/_control", json=settings, timeout=5).raise_for_status()

    def stats(self) -> dict[str, Any]:
        """Its exact counts and what it took."""
        data: dict[str, Any] = httpx.get(f"{self.url}/_stats", timeout=5).json()
        return data
