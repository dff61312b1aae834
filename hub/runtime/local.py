"""Run a hub on this machine in a subprocess: for the demo, the end-to-end tests, the bench.

Each :class:`LocalHub` gets its own topic prefix, consumer group, ports and
directories, so several can share one broker without seeing each other. A hub that runs
connectors also gets a stand-in DMS (``tests/peers/dms.py --root``) watching its var dir,
so the shipped DMS connectors, which wait for the import confirmation, complete.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import yaml

from hub.config.portals import PortalsFile
from hub.runtime.standins import SHIPPED, StandIn, available, referenced_env

PROJECT_ROOT = Path(__file__).resolve().parents[2]
KAFKA_SCRIPT = PROJECT_ROOT / "scripts" / "kafka.sh"
STAND_IN_DMS = PROJECT_ROOT / "tests" / "peers" / "dms.py"
DMS_POLL_SECONDS = "0.05"  # stat calls on a few folders: cheap, and confirmations come fast


def portal_secret_envs(config_dir: Path) -> dict[str, str]:
    """Portal name -> environment variable of its secret, from ``portals.yaml``."""
    portals = PortalsFile.model_validate(yaml.safe_load((config_dir / "portals.yaml").read_text()))
    return {name: c.secret.env for name, c in portals.portals.items() if c.secret.env}


def in_checkout() -> bool:
    """True when this hub runs from a source checkout (the local broker script is there)."""
    return KAFKA_SCRIPT.is_file()


# the shipped portals of a checkout; an installed wheel has no config/ of its own
PORTAL_SECRET_ENV = portal_secret_envs(PROJECT_ROOT / "config") if in_checkout() else {}


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def kafka(command: str) -> int:
    """Run ``scripts/kafka.sh COMMAND`` with this interpreter; return its exit code."""
    env = {**os.environ, "PYTHON": sys.executable}
    return subprocess.call(["bash", str(KAFKA_SCRIPT), command], env=env)  # noqa: S603, S607


@dataclass
class LocalHub:
    """One hub process (``hub run`` or a single role) with isolated names and paths."""

    workdir: Path
    roles: tuple[str, ...] = ("run",)
    bootstrap: str = "127.0.0.1:9092"
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    config_dir: Path = PROJECT_ROOT / "config"
    extra_env: dict[str, str] = field(default_factory=dict)
    intake_port: int = field(default_factory=free_port)
    web_port: int = field(default_factory=free_port)
    portal_secrets: dict[str, str] = field(default_factory=dict)  # generated when empty
    wait_for: str = "readyz"  # "healthz" for a process that must start without a broker
    tracker_url: str | None = None  # where intake asks for journeys (default: this web port)
    dms: bool | None = None  # run the stand-in DMS; None: when this process runs connectors
    dms_port: int = field(default_factory=free_port)
    #: start the shipped stand-in back offices the tenant files point at, unless their URL is
    #: given (environment or ``extra_env``); they stop with the hub
    standins: bool = True
    process: subprocess.Popen[bytes] | None = None
    dms_process: subprocess.Popen[bytes] | None = None
    running_standins: dict[str, StandIn] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._secret_envs = portal_secret_envs(self.config_dir)
        if not self.portal_secrets:
            self.portal_secrets = {p: secrets.token_hex(16) for p in self._secret_envs}
        self._reads, tokens = referenced_env(self.config_dir)
        # connector secrets nobody set: generated, so the hub starts (stand-ins get the same)
        given = {**os.environ, **self.extra_env}
        self.connector_secrets = {n: secrets.token_hex(16) for n in sorted(tokens - set(given))}

    @property
    def intake_url(self) -> str:
        """Base URL of intake."""
        return f"http://127.0.0.1:{self.intake_port}"

    @property
    def web_url(self) -> str:
        """Base URL of the faust roles' web server."""
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def var_dir(self) -> Path:
        """Where inboxes live (``HUB_VAR_DIR`` in the tenant files)."""
        return self.workdir / "var"

    @property
    def dms_url(self) -> str:
        """Base URL of the stand-in DMS (``/_control``, ``/_stats``)."""
        return f"http://127.0.0.1:{self.dms_port}"

    def runs_connectors(self) -> bool:
        """True when the process runs the connector role."""
        if self.roles[0] == "connector":
            return True
        if self.roles[0] != "run":
            return False
        return "--roles" not in self.roles or "connector" in self.roles[
            self.roles.index("--roles") + 1
        ].split(",")

    @property
    def blob_dir(self) -> Path:
        """The blob store."""
        return self.workdir / "blobs"

    @property
    def topic_prefix(self) -> str:
        """Topic prefix of this hub."""
        return f"t{self.run_id}"

    def env(self) -> dict[str, str]:
        """Environment of the hub process."""
        env = {
            **os.environ,
            "HUB_KAFKA_BOOTSTRAP": self.bootstrap,
            "HUB_TOPIC_PREFIX": self.topic_prefix,
            "HUB_APP_ID": f"hub-{self.run_id}",
            "HUB_CONFIG_DIR": str(self.config_dir),
            "HUB_BLOB_DIR": str(self.blob_dir),
            "HUB_DATA_DIR": str(self.workdir / "data"),
            "HUB_VAR_DIR": str(self.var_dir),
            "HUB_INTAKE_PORT": str(self.intake_port),
            "HUB_WEB_PORT": str(self.web_port),
            "HUB_TRACKER_URL": self.tracker_url or self.web_url,
            "PYTHONUNBUFFERED": "1",
        }
        env.update({self._secret_envs[p]: s for p, s in self.portal_secrets.items()})
        env.update(self.connector_secrets)
        for standin in self.running_standins.values():
            env.update(standin.env())
        env.update(self.extra_env)
        return env

    def _runs_connectors(self) -> bool:
        if self.roles[0] == "run":
            given = self.roles[self.roles.index("--roles") + 1] if "--roles" in self.roles else ""
            return not given or "connector" in given.split(",")
        return self.roles[0] == "connector"

    def _start_standins(self) -> None:
        if not (self.standins and self._runs_connectors()):
            return
        given = {**os.environ, **self.extra_env}
        for spec in SHIPPED:
            if spec.url_env in self._reads and spec.url_env not in given and available(spec):
                token = given.get(spec.token_env) or self.connector_secrets.get(spec.token_env)
                standin = StandIn(spec, self.workdir / "standins" / spec.name, free_port())
                if token:
                    standin.token = token
                self.running_standins[spec.name] = standin.start()

    def start(self, timeout: float = 60.0) -> LocalHub:
        """Start the process and wait until what it serves is ready."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        wants_dms = self.dms if self.dms is not None else self.runs_connectors()
        if wants_dms and STAND_IN_DMS.exists():
            self.start_dms(wait=False)  # starts beside the hub; both are awaited below
        self._start_standins()
        name = "-".join(r.replace(",", "_").strip("-") for r in self.roles)
        try:
            with (self.workdir / f"hub-{name}.log").open("ab") as log:
                self.process = subprocess.Popen(  # noqa: S603
                    [sys.executable, "-m", "hub", *self.roles],
                    env=self.env(),
                    stdout=log,
                    stderr=log,
                    cwd=PROJECT_ROOT,
                )
            self.wait_ready(timeout)
            if self.dms_process is not None:
                self.wait_dms()
        except BaseException:
            self.stop()
            raise
        return self

    def start_dms(self, *, wait: bool = True) -> None:
        """Start the stand-in DMS for every tenant under the var dir (and wait until it
        answers)."""
        self.var_dir.mkdir(parents=True, exist_ok=True)
        with (self.workdir / "dms.log").open("ab") as log:
            self.dms_process = subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", "tests.peers.dms", "--port", str(self.dms_port),
                 "--state", str(self.workdir / "dms-state"), "--root", str(self.var_dir),
                 "--poll", DMS_POLL_SECONDS],
                stdout=log, stderr=log, cwd=PROJECT_ROOT,
            )  # fmt: skip
        if wait:
            self.wait_dms()

    def wait_dms(self, timeout: float = 20.0) -> None:
        """Block until the stand-in DMS answers ``/healthz``."""
        if not (self.dms_process is not None):
            raise RuntimeError("invariant broken: self.dms_process is not None")
        deadline = time.monotonic() + timeout
        while True:
            if self.dms_process.poll() is not None:
                raise RuntimeError(f"stand-in DMS exited with {self.dms_process.returncode}")
            try:
                if httpx.get(f"{self.dms_url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"stand-in DMS not up after {timeout}s")
            time.sleep(0.1)

    def _ready_urls(self) -> list[str]:
        roles = {self.roles[0]}
        if self.roles[0] == "run":
            given = self.roles[self.roles.index("--roles") + 1] if "--roles" in self.roles else ""
            roles = set(given.split(",")) if given else {"intake", "router"}
        urls = []
        if "intake" in roles:
            urls.append(f"{self.intake_url}/{self.wait_for}")
        if roles - {"intake"}:
            urls.append(f"{self.web_url}/{self.wait_for}")
        return urls

    def wait_ready(self, timeout: float) -> None:
        """Block until every ``/readyz`` answers 200; raise with the log tail otherwise."""
        deadline = time.monotonic() + timeout
        pending = self._ready_urls()
        while pending:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"hub exited with {self.process.returncode}:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"hub not ready after {timeout}s ({pending}):\n{self.log_tail()}"
                )
            try:
                if httpx.get(pending[0], timeout=2).status_code == 200:
                    pending.pop(0)
                    continue
            except httpx.HTTPError:
                pass
            time.sleep(0.3)

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of the process log."""
        logs = sorted(self.workdir.glob("hub-*.log"))
        if not logs:
            return ""
        return "\n".join(logs[-1].read_text(errors="replace").splitlines()[-lines:])

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM, then SIGKILL if it does not exit in time: the hub, its DMS, its stand-ins."""
        for process in (self.process, self.dms_process):
            if process is None or process.poll() is not None:
                continue
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for standin in self.running_standins.values():
            standin.stop()

    def kill(self) -> None:
        """SIGKILL, as a crash would (its DMS too: a restart brings both back)."""
        for process in (self.process, self.dms_process):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
