"""The start-up check's verdicts: which setting each librdkafka error blames, and its deadline.

The error texts are librdkafka's own (2.x), as its ``error_cb`` reported them against the
secured local broker (``scripts/kafka.sh secure up``); ``tests/e2e/test_kafka_security.py``
checks the same verdicts against that broker.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from confluent_kafka import KafkaError
from pydantic import SecretStr

from hub.kafka.config import KafkaConnection, SettingsError
from hub.kafka.preflight import check_broker, classify
from hub.runtime.local import free_port

SASL_SSL = KafkaConnection(
    bootstrap="127.0.0.1:19093",
    security_protocol="SASL_SSL",
    sasl_username="hub-router",
    sasl_password=SecretStr("pw"),
)
MTLS = KafkaConnection(bootstrap="127.0.0.1:19095", security_protocol="SSL")
PREFIX = "sasl_ssl://127.0.0.1:19093/bootstrap: "


@pytest.mark.parametrize(
    ("code", "text", "connection", "expected"),
    [
        (KafkaError._AUTHENTICATION,
         "SASL authentication error: Authentication failed during authentication due to invalid "
         "credentials with SASL mechanism SCRAM-SHA-512 (after 376ms in state AUTH_REQ)",
         SASL_SSL,
         ("HUB_KAFKA_SASL_PASSWORD", "authentication failed for user hub-router (SCRAM-SHA-512)")),
        (KafkaError._AUTHENTICATION,
         "SASL authentication error: Unsupported SASL mechanism: broker's supported mechanisms: "
         "PLAIN (after 3ms in state AUTH_HANDSHAKE)",
         SASL_SSL,
         ("HUB_KAFKA_SASL_MECHANISM", "the broker does not offer SCRAM-SHA-512: SASL "
          "authentication error: Unsupported SASL mechanism: broker's supported mechanisms: PLAIN")),
        (KafkaError._SSL,
         "SSL handshake failed: error:0A000086:SSL routines::certificate verify failed: broker "
         "certificate could not be verified, verify that ssl.ca.location is correctly configured "
         "or root CA certificates are installed (after 25ms in state SSL_HANDSHAKE)",
         SASL_SSL,
         ("HUB_KAFKA_SSL_CA_LOCATION", "the broker's certificate at 127.0.0.1:19093 is not signed "
          "by a system CA (or does not name that host)")),
        (KafkaError._TRANSPORT,
         "SSL handshake failed: Disconnected: SSL connection closed by peer: connecting to a "
         "PLAINTEXT broker listener? (after 3ms in state SSL_HANDSHAKE)",
         SASL_SSL,
         ("HUB_KAFKA_SECURITY_PROTOCOL",
          "SASL_SSL uses TLS, but the listener at 127.0.0.1:19093 is plain")),
        (KafkaError._TRANSPORT,
         "Receive failed: error:0A000412:SSL routines::ssl/tls alert bad certificate: SSL alert "
         "number 42 (after 0ms in state APIVERSION_QUERY)",
         MTLS,
         ("HUB_KAFKA_SSL_CERTIFICATE_LOCATION",
          "the broker at 127.0.0.1:19095 requires a client certificate (mTLS)")),
    ],
)  # fmt: skip
def test_a_conclusive_error_blames_one_setting(
    code: int, text: str, connection: KafkaConnection, expected: tuple[str, str]
) -> None:
    finding = classify(code, PREFIX + text, connection)

    assert finding is not None
    assert expected == (finding.setting, finding.message)
    assert finding.conclusive


def test_a_password_from_a_file_blames_the_file_setting() -> None:
    conn = KafkaConnection(
        security_protocol="SASL_PLAINTEXT",
        sasl_username="hub",
        sasl_password=SecretStr("pw"),
        password_setting="HUB_KAFKA_SASL_PASSWORD_FILE",
    )

    finding = classify(
        KafkaError._AUTHENTICATION, "Authentication failed: invalid credentials", conn
    )

    assert finding is not None
    assert "HUB_KAFKA_SASL_PASSWORD_FILE" == finding.setting


@pytest.mark.parametrize(
    ("code", "text"),
    [
        (KafkaError._TRANSPORT,
         "Connect to ipv4#127.0.0.1:1 failed: Connection refused (after 0ms in state CONNECT)"),
        (KafkaError._RESOLVE,
         "Failed to resolve 'nonexistent.invalid:9092': Name or service not known"),
    ],
)  # fmt: skip
def test_an_unreachable_broker_blames_the_bootstrap_only_at_the_deadline(
    code: int, text: str
) -> None:
    finding = classify(code, PREFIX + text, SASL_SSL)

    assert finding is not None
    assert ("HUB_KAFKA_BOOTSTRAP", False) == (finding.setting, finding.conclusive)


def test_all_brokers_down_alone_blames_nothing_yet() -> None:
    assert classify(KafkaError._ALL_BROKERS_DOWN, "1/1 brokers are down", SASL_SSL) is None


def test_a_closed_port_fails_after_the_deadline_naming_the_bootstrap() -> None:
    conn = KafkaConnection.of(f"127.0.0.1:{free_port()}")
    started = time.monotonic()

    with pytest.raises(SettingsError) as error:
        check_broker(conn, timeout=1.0)

    assert 1.0 <= time.monotonic() - started < 4.0
    assert "HUB_KAFKA_BOOTSTRAP" == error.value.setting
    assert "Connection refused" in error.value.message


def test_intake_starts_without_a_broker_at_once() -> None:
    started = time.monotonic()

    check_broker(KafkaConnection.of(f"127.0.0.1:{free_port()}"), timeout=10, require_broker=False)

    assert time.monotonic() - started < 3.0


@pytest.fixture
def hangs_up() -> Iterator[int]:
    """A port that accepts connections and closes them at once (a listener of another protocol)."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    server.close()


def test_a_broker_that_hangs_up_blames_the_security_protocol(hangs_up: int) -> None:
    with pytest.raises(SettingsError) as error:
        check_broker(KafkaConnection.of(f"127.0.0.1:{hangs_up}"), timeout=1.5)

    assert "HUB_KAFKA_SECURITY_PROTOCOL" == error.value.setting
    assert "does PLAINTEXT match its listener?" in error.value.message


def test_a_ca_file_librdkafka_cannot_load_names_the_ca_setting(tmp_path: Path) -> None:
    garbage = tmp_path / "ca.crt"
    garbage.write_text("not a certificate\n")
    conn = KafkaConnection(security_protocol="SSL", ssl_ca_location=garbage)

    with pytest.raises(SettingsError) as error:
        check_broker(conn, timeout=1)

    assert "HUB_KAFKA_SSL_CA_LOCATION" == error.value.setting
