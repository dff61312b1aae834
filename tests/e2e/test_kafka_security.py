"""The hub against a secured broker: SASL_SSL with SCRAM, mTLS, and fail-fast start-up.

``scripts/kafka.sh secure up`` runs a second, separate broker (its own directory and
free ports, started here and stopped after) with a SASL_SSL listener, SCRAM users
written at formatting, and an SSL listener that requires a client certificate; its
certificates come from a CA the script makes with openssl.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydantic import SecretStr

from hub.kafka.config import KafkaConnection, SettingsError
from hub.kafka.preflight import check_broker
from hub.runtime.local import KAFKA_SCRIPT, PROJECT_ROOT, LocalHub, free_port
from tests.e2e.conftest import HubDriver

pytestmark = [pytest.mark.kafka, pytest.mark.e2e]

FAIL_FAST_SECONDS = 20.0  # Python and faust imports included; the check itself takes < 1 s


@dataclass(frozen=True)
class SecureBroker:
    """Where the secured broker listens and the files a client needs."""

    home: Path
    port: int
    ssl_port: int

    @property
    def bootstrap(self) -> str:
        """The SASL_SSL listener."""
        return f"127.0.0.1:{self.port}"

    @property
    def ca(self) -> Path:
        """The CA that signed the broker's certificate."""
        return self.home / "tls" / "ca.crt"

    @property
    def password_file(self) -> Path:
        """User ``hub``'s password."""
        return self.home / "credentials" / "hub.password"

    def env(self, **overrides: str) -> dict[str, str]:
        """The hub settings for user ``hub`` over SASL_SSL, password from its file."""
        env = {
            "HUB_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
            "HUB_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
            "HUB_KAFKA_SASL_USERNAME": "hub",
            "HUB_KAFKA_SASL_PASSWORD_FILE": str(self.password_file),
            "HUB_KAFKA_SSL_CA_LOCATION": str(self.ca),
            "HUB_KAFKA_CHECK_TIMEOUT_SECONDS": "5",
        }
        env.update(overrides)
        return env


@pytest.fixture(scope="session")
def secure_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecureBroker]:
    """A SASL_SSL + mTLS broker of its own, on free ports; stopped after the session."""
    home = tmp_path_factory.mktemp("kafka-secure")
    broker = SecureBroker(home=home, port=free_port(), ssl_port=free_port())
    env = {
        **os.environ,
        "PYTHON": sys.executable,
        "KAFKA_HOME_DIR": str(home),
        "KAFKA_PORT": str(broker.port),
        "KAFKA_SSL_PORT": str(broker.ssl_port),
        "KAFKA_CONTROLLER_PORT": str(free_port()),
    }
    script = ["bash", str(KAFKA_SCRIPT), "secure"]
    if subprocess.call([*script, "up"], env=env) != 0:
        log = home / "broker.log"
        tail = log.read_text(errors="replace")[-3000:] if log.exists() else "(no log)"
        pytest.fail(f"the secured broker did not start; end of {log}:\n{tail}", pytrace=False)
    try:
        yield broker
    finally:
        subprocess.call([*script, "down"], env=env)


def other_ca(directory: Path) -> Path:
    """A CA that signed nothing the broker has."""
    cert = directory / "other-ca.crt"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=not-the-cluster-ca", "-keyout", str(directory / "other-ca.key"),
         "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert


def hub_exit(
    workdir: Path, broker: SecureBroker, role: str, **overrides: str
) -> tuple[int, str, float]:
    """Start ``hub ROLE`` with the given settings (``""`` unsets one); exit code, stderr, seconds."""
    settings = {k: v for k, v in broker.env(**overrides).items() if v}
    hub = LocalHub(workdir=workdir, bootstrap=broker.bootstrap, extra_env=settings)
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "hub", role],
        env=hub.env(),
        cwd=PROJECT_ROOT,
        capture_output=True,
        timeout=60,
        check=False,
    )
    return done.returncode, done.stderr.decode(errors="replace"), time.monotonic() - started


def test_a_case_reaches_its_final_status_through_a_hub_on_sasl_ssl_with_scram(
    secure_broker: SecureBroker, tmp_path: Path
) -> None:
    hub = LocalHub(
        workdir=tmp_path / "hub", bootstrap=secure_broker.bootstrap, extra_env=secure_broker.env()
    ).start(timeout=60)
    driver = HubDriver(hub)
    try:
        body = driver.example("hundesteuer-anmelden-viernheim")
        posted = driver.post(body)
        assert 202 == posted.status, posted.body

        view = driver.wait_final(posted.body["applicationId"], timeout=45)

        assert "completed" == view["status"]
        assert [("dms", "delivered"), ("steuer", "delivered")] == [
            (d["connector"], d["outcome"]) for d in view["deliveries"]
        ]
        log = (tmp_path / "hub" / "hub-run.log").read_text(errors="replace")
        assert '"security_protocol": "SASL_SSL"' in log  # the start-up check's kafka.connected
        assert secure_broker.password_file.read_text().strip() not in log
    finally:
        driver.close()
        hub.stop()


@pytest.mark.parametrize("role", ["run", "intake"])
def test_a_wrong_password_stops_the_hub_at_once_naming_the_setting(
    secure_broker: SecureBroker, tmp_path: Path, role: str
) -> None:
    wrong = "not-the-password-0815"

    code, stderr, seconds = hub_exit(
        tmp_path, secure_broker, role,
        HUB_KAFKA_SASL_PASSWORD_FILE="", HUB_KAFKA_SASL_PASSWORD=wrong,
    )  # fmt: skip

    assert 0 != code
    assert seconds < FAIL_FAST_SECONDS
    assert "HUB_KAFKA_SASL_PASSWORD: authentication failed for user hub (SCRAM-SHA-512)" in stderr
    assert wrong not in stderr
    assert "Traceback" not in stderr


def test_a_wrong_ca_stops_the_hub_at_once_naming_the_setting(
    secure_broker: SecureBroker, tmp_path: Path
) -> None:
    ca = other_ca(tmp_path)

    code, stderr, seconds = hub_exit(
        tmp_path / "hub", secure_broker, "run", HUB_KAFKA_SSL_CA_LOCATION=str(ca)
    )

    assert 0 != code
    assert seconds < FAIL_FAST_SECONDS
    assert f"HUB_KAFKA_SSL_CA_LOCATION: the broker's certificate at {secure_broker.bootstrap} " \
        f"is not signed by a CA in {ca}" in stderr  # fmt: skip
    assert "Traceback" not in stderr


@pytest.mark.parametrize("mechanism", ["SCRAM-SHA-256", "PLAIN"])
def test_the_other_sasl_mechanisms_authenticate_too(
    secure_broker: SecureBroker, mechanism: str
) -> None:
    connection = KafkaConnection(
        bootstrap=secure_broker.bootstrap,
        security_protocol="SASL_SSL",
        sasl_mechanism=mechanism,  # type: ignore[arg-type]
        sasl_username="hub",
        sasl_password=SecretStr(secure_broker.password_file.read_text().strip()),
        ssl_ca_location=secure_broker.ca,
    )

    check_broker(connection, timeout=5)


def test_the_mtls_listener_takes_the_client_certificate_and_refuses_a_client_without_one(
    secure_broker: SecureBroker,
) -> None:
    tls = secure_broker.home / "tls"
    mtls = KafkaConnection(
        bootstrap=f"127.0.0.1:{secure_broker.ssl_port}",
        security_protocol="SSL",
        ssl_ca_location=tls / "ca.crt",
        ssl_certificate_location=tls / "client.crt",
        ssl_key_location=tls / "client.key",
    )
    check_broker(mtls, timeout=5)

    without = KafkaConnection(
        bootstrap=mtls.bootstrap, security_protocol="SSL", ssl_ca_location=tls / "ca.crt"
    )
    with pytest.raises(SettingsError) as refused:
        check_broker(without, timeout=5)
    assert "HUB_KAFKA_SSL_CERTIFICATE_LOCATION" == refused.value.setting
