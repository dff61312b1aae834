"""Fixtures shared by every tier: samples, configuration, the real broker, local hubs."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from hub.config import HubConfig, load_config
from hub.runtime.local import PORTAL_SECRET_ENV, PROJECT_ROOT, LocalHub
from hub.runtime.standins import referenced_env

EXAMPLES = PROJECT_ROOT / "examples" / "applications"
CONFIG_DIR = PROJECT_ROOT / "config"
TEST_SECRETS = {portal: f"test-secret-{portal}" for portal in PORTAL_SECRET_ENV}
# connector secrets of the shipped tenants (procedure tokens)
CONNECTOR_SECRETS = {name: f"test-{name.lower()}" for name in sorted(referenced_env(CONFIG_DIR)[1])}
BOOTSTRAP = "127.0.0.1:9092"


def sample_files() -> list[Path]:
    """Every example submission."""
    return sorted(EXAMPLES.glob("*.json"))


@pytest.fixture
def sample() -> Callable[[str], dict[str, Any]]:
    """Load an example submission by file stem, e.g. ``sample("gewerbe-anmelden-bensheim")``."""

    def load(stem: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((EXAMPLES / f"{stem}.json").read_text())
        return data

    return load


@pytest.fixture
def portal_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    """Portal and connector secrets in the environment, inbox paths under ``tmp_path``."""
    for portal, env in PORTAL_SECRET_ENV.items():
        monkeypatch.setenv(env, TEST_SECRETS[portal])
    for env, value in CONNECTOR_SECRETS.items():
        monkeypatch.setenv(env, value)
    monkeypatch.setenv("HUB_VAR_DIR", str(tmp_path / "var"))
    return TEST_SECRETS


@pytest.fixture
def hub_config(portal_env: dict[str, str]) -> HubConfig:
    """The shipped configuration with test secrets."""
    return load_config(CONFIG_DIR)


@pytest.fixture(scope="session")
def kafka_broker() -> str:
    """The real local broker (``scripts/kafka.sh up`` is idempotent); its bootstrap address."""
    rc = subprocess.call(["bash", str(PROJECT_ROOT / "scripts" / "kafka.sh"), "up"])
    if rc != 0:
        pytest.fail("the local Kafka broker could not be started (see var/kafka/broker.log)")
    return BOOTSTRAP


@pytest.fixture
def local_hub(kafka_broker: str, tmp_path: Path) -> Iterator[Callable[..., LocalHub]]:
    """Factory of hub processes with isolated topics, groups, ports and dirs; stopped after."""
    started: list[LocalHub] = []

    def start(*roles: str, **kwargs: Any) -> LocalHub:
        kwargs.setdefault("workdir", tmp_path / "hub")
        kwargs.setdefault("bootstrap", kafka_broker)
        hub = LocalHub(roles=roles or ("run",), **kwargs)
        started.append(hub)
        return hub.start()

    yield start
    for hub in started:
        hub.stop()


@pytest.fixture(scope="session")
def schema_registry() -> str:
    """A real Confluent-compatible schema registry (Apicurio, in memory, started by the idempotent
    ``scripts/registry.sh up``); its ccompat base URL, what ``HUB_SCHEMA_REGISTRY_URL`` takes."""
    port = os.environ.get("REGISTRY_PORT", "8081")
    rc = subprocess.call(["bash", str(PROJECT_ROOT / "scripts" / "registry.sh"), "up"])
    if rc != 0:
        home = Path(os.environ.get("REGISTRY_HOME_DIR", PROJECT_ROOT / "var" / "registry"))
        log = home / "registry.log"
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-40:]) if log.exists() else ""
        pytest.fail(
            f"the local schema registry could not be started; end of {log}:\n{tail or '(no log)'}",
            pytrace=False,
        )
    return f"http://127.0.0.1:{port}/apis/ccompat/v7"
