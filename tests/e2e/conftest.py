"""A hub shared by the end-to-end tests of one module, and helpers to look inside it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Self

import httpx
import pytest

from hub.config import load_config
from hub.intake.client import IntakeClient, PostResult
from hub.runtime.local import PROJECT_ROOT, LocalHub, free_port
from hub.runtime.standins import SHIPPED
from hub.runtime.standins import StandIn as ProcedureStandIn
from tests.conftest import EXAMPLES


class HubDriver:
    """A running hub plus the portal-side helpers tests need."""

    def __init__(self, hub: LocalHub) -> None:
        self.hub = hub
        self.clients = {
            p: IntakeClient(hub.intake_url, p, s) for p, s in hub.portal_secrets.items()
        }
        self.submitted_by: dict[str, str] = {}  # case id -> portal: only it may read the status

    def example(self, stem: str, *, fresh: bool = True) -> dict[str, Any]:
        """An example submission; ``fresh`` gives it a new submissionId (a new case)."""
        body: dict[str, Any] = json.loads((EXAMPLES / f"{stem}.json").read_text())
        if fresh:
            body["submissionId"] = f"{body['submissionId']}-{uuid.uuid4().hex[:8]}"
        return body

    def post(self, body: dict[str, Any] | bytes, portal: str | None = None) -> PostResult:
        """Sign with the portal's secret and POST."""
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        portal = portal or json.loads(raw)["portal"]
        result = self.clients[portal].submit(raw)
        if result.accepted:
            self.submitted_by[result.body["applicationId"]] = portal
        return result

    def journey(self, case_id: str) -> dict[str, Any]:
        """GET /v1/applications/{id}."""
        return self.reader(case_id).status(case_id).body

    def reader(self, case_id: str) -> IntakeClient:
        """The client of the portal that submitted ``case_id`` (the only one that may read it)."""
        return self.clients[self.submitted_by.get(case_id, "civento-hessen")]

    def wait_final(
        self, case_id: str, timeout: float = 60.0, kind: str = "application"
    ) -> dict[str, Any]:
        """The journey once it has a final status."""
        deadline = time.monotonic() + timeout
        while True:
            view = self.journey(case_id) if kind == "application" else self.invoice_journey(case_id)
            if view.get("final"):
                return view
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"case {case_id} not final after {timeout}s: {view}\n{self.hub.log_tail()}"
                )
            time.sleep(0.2)

    def connectors(self) -> dict[str, list[str]]:
        """Connector ids of every tenant in this hub's configuration."""
        config = load_config(self.hub.config_dir, require_secrets=False)
        return {t.id: list(t.connectors) for t in config.tenants.values()}

    def post_invoice(self, document: bytes, portal: str = "erechnung-gateway") -> PostResult:
        """Sign with the portal's secret and POST an e-invoice."""
        result = self.clients[portal].submit_invoice(document)
        if result.accepted:
            self.submitted_by[result.body["invoiceId"]] = portal
        return result

    def invoice_journey(self, case_id: str) -> dict[str, Any]:
        """GET /v1/invoices/{id}."""
        return self.reader(case_id).status(case_id, "invoice").body

    def inbox(self, tenant: str, connector: str = "dms") -> list[Path]:
        """Files a connector instance dropped (temp files excluded), also those the stand-in
        DMS has taken from its inbox and filed (``<connector>-filed``)."""
        found = []
        for d in (
            self.hub.var_dir / tenant / connector,
            self.hub.var_dir / tenant / f"{connector}-filed",
        ):
            found += [p for p in d.glob("*") if not p.name.startswith(".")] if d.exists() else []
        return sorted(found, key=lambda p: p.name)

    def close(self) -> None:
        """Close the HTTP clients."""
        for c in self.clients.values():
            c.close()


@pytest.fixture(scope="module")
def procedure_standins(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, ProcedureStandIn]]:
    """The shipped partners' stand-in back offices (Gewerbe register, Standesamt), one module
    long, by name; their ``env()`` is what the tenant files read to reach them."""
    state = tmp_path_factory.mktemp("standins")
    started: dict[str, ProcedureStandIn] = {}
    try:
        for spec in SHIPPED:
            started[spec.name] = ProcedureStandIn(spec, state / spec.name, free_port()).start()
        yield started
    finally:
        for standin in started.values():
            standin.stop()


@pytest.fixture(scope="module")
def running_hub(
    kafka_broker: str,
    tmp_path_factory: pytest.TempPathFactory,
    procedure_standins: dict[str, ProcedureStandIn],
) -> Iterator[HubDriver]:
    """One ``hub run`` per test module (small body limit, so the 413 test stays cheap), its
    procedure connectors at the module's stand-ins."""
    reach = {k: v for s in procedure_standins.values() for k, v in s.env().items()}
    hub = LocalHub(
        workdir=tmp_path_factory.mktemp("hub"),
        bootstrap=kafka_broker,
        extra_env={"HUB_MAX_BODY_BYTES": "262144", **reach},
    ).start(timeout=90)
    driver = HubDriver(hub)
    try:
        yield driver
    finally:
        driver.close()
        hub.stop()


class StandIn:
    """A stand-in peer of ``tests/peers/`` as a real process (default: the Fachverfahren)."""

    module = "tests.peers.fachverfahren"

    def __init__(self, state_dir: Path, port: int, *args: str) -> None:
        self.state_dir, self.port, self.args = state_dir, port, args
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Self:
        """Start and wait until it answers."""
        command = [sys.executable, "-m", self.module, "--port", str(self.port)]
        command += ["--state", str(self.state_dir), *self.args]
        with (self.state_dir.parent / f"standin-{self.port}.log").open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=log, cwd=PROJECT_ROOT)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise TimeoutError(f"stand-in {self.module} did not start")

    def stop(self) -> None:
        """Stop it: connections are refused from now on."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    def control(self, **settings: object) -> None:
        """Change its behaviour (mode, reject_services, delay_seconds)."""
        httpx.post(f"{self.url}/_control", json=settings, timeout=5).raise_for_status()

    def stats(self) -> dict[str, Any]:
        """Exact counts: imports (one per idempotency key), posts, imported entries."""
        data: dict[str, Any] = httpx.get(f"{self.url}/_stats", timeout=5).json()
        return data


@pytest.fixture
def standin(tmp_path: Path) -> Iterator[StandIn]:
    """A stand-in Fachverfahren on a free port (not started: call ``start()``)."""
    peer = StandIn(tmp_path / "fachverfahren", free_port())
    try:
        yield peer
    finally:
        peer.stop()


def config_with_rest_procedure(tmp_path: Path, url: str, *, timeout: float = 5.0) -> Path:
    """The shipped configuration, with Bensheim's Gewerbe connector a REST procedure at ``url``."""
    config = tmp_path / "config"
    shutil.copytree(PROJECT_ROOT / "config", config)
    path = config / "tenants" / "bensheim.yaml"
    lines = path.read_text().splitlines()
    for i, line in enumerate(lines):
        if line.startswith("  gewerbe:"):
            lines[i] = (
                f'  gewerbe: {{kind: procedure.rest, transport: {{type: http, url: "{url}/import", '
                f"timeout_seconds: {timeout}}}}}"
            )
    path.write_text("\n".join(lines) + "\n")
    return config
