"""Every client's configuration per security setting, checked by the clients themselves.

librdkafka validates property names and values and loads the TLS files when a client
is constructed; aiokafka's client checks the protocol/mechanism/context combination
that faust's driver derives from ``broker_credentials``. Both are outside oracles for
what :class:`KafkaConnection` produces.
"""

from __future__ import annotations

import contextlib
import logging
import os
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import structlog
import trustme
import yaml
from aiokafka.client import AIOKafkaClient
from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient
from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth
from pydantic import SecretStr

from hub.kafka.config import KafkaConnection, SettingsError
from hub.runtime.local import PROJECT_ROOT
from hub.settings import HubSettings

PASSWORD = "s3cr3t-Passw0rd-for-tests"
PROTOCOLS = ["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
MECHANISMS = ["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"]


@dataclass(frozen=True)
class Pki:
    """PEM files of a test CA and a client certificate it signed."""

    ca: Path
    cert: Path
    key: Path


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """A CA and a client certificate for ``hub-client``, as files."""
    d = tmp_path_factory.mktemp("pki")
    ca = trustme.CA()
    client = ca.issue_cert("hub-client")
    ca.cert_pem.write_to_path(str(d / "ca.crt"))
    client.cert_chain_pems[0].write_to_path(str(d / "client.crt"))
    client.private_key_pem.write_to_path(str(d / "client.key"))
    return Pki(d / "ca.crt", d / "client.crt", d / "client.key")


def connection(protocol: str, mechanism: str, pki: Pki, *, mtls: bool = False) -> KafkaConnection:
    """A valid connection for the protocol: credentials for SASL, the CA for TLS.

    Port 1 refuses at once, so the clients built from it close without waiting on a broker.
    """
    sasl, tls = protocol.startswith("SASL_"), protocol in ("SSL", "SASL_SSL")
    return KafkaConnection(
        bootstrap="127.0.0.1:1",
        security_protocol=protocol,  # type: ignore[arg-type]
        sasl_mechanism=mechanism,  # type: ignore[arg-type]
        sasl_username="hub-router" if sasl else None,
        sasl_password=SecretStr(PASSWORD) if sasl else None,
        ssl_ca_location=pki.ca if tls else None,
        ssl_certificate_location=pki.cert if tls and mtls else None,
        ssl_key_location=pki.key if tls and mtls else None,
    )


COMBINATIONS = [
    (p, m, mtls)
    for p in PROTOCOLS
    for m in (MECHANISMS if p.startswith("SASL_") else ["SCRAM-SHA-512"])
    for mtls in ([False, True] if p in ("SSL", "SASL_SSL") else [False])
]


def expected_properties(protocol: str, mechanism: str, pki: Pki, mtls: bool) -> dict[str, Any]:
    """The librdkafka properties each combination must produce (written out, not derived)."""
    props: dict[str, Any] = {"bootstrap.servers": "127.0.0.1:1"}
    if protocol != "PLAINTEXT":
        props["security.protocol"] = protocol
    if protocol.startswith("SASL_"):
        props |= {"sasl.mechanism": mechanism, "sasl.username": "hub-router"}
        props["sasl.password"] = PASSWORD
    if protocol in ("SSL", "SASL_SSL"):
        props["ssl.ca.location"] = str(pki.ca)
        if mtls:
            props |= {"ssl.certificate.location": str(pki.cert), "ssl.key.location": str(pki.key)}
    return props


@pytest.mark.parametrize(("protocol", "mechanism", "mtls"), COMBINATIONS)
def test_every_confluent_client_gets_the_security_properties_and_librdkafka_accepts_them(
    protocol: str, mechanism: str, mtls: bool, pki: Pki
) -> None:
    conn = connection(protocol, mechanism, pki, mtls=mtls)
    expected = expected_properties(protocol, mechanism, pki, mtls)

    assert expected == conn.common()
    assert expected == conn.admin()
    assert expected.items() <= conn.producer().items()
    assert expected.items() <= conn.consumer("g").items()
    # construction loads the CA and the key pair and rejects unknown or clashing properties
    Producer(conn.producer()).flush(0)
    Consumer(conn.consumer("g")).close()
    AdminClient(conn.admin())


@pytest.mark.parametrize(("protocol", "mechanism", "mtls"), COMBINATIONS)
async def test_faust_gets_credentials_that_aiokafka_accepts(
    protocol: str, mechanism: str, mtls: bool, pki: Pki
) -> None:
    conn = connection(protocol, mechanism, pki, mtls=mtls)

    kwargs = conn.faust()
    auth = credentials_to_aiokafka_auth(kwargs.get("broker_credentials"))

    assert "kafka://127.0.0.1:1" == kwargs["broker"]
    assert protocol == auth["security_protocol"]
    if protocol.startswith("SASL_"):
        assert mechanism == auth["sasl_mechanism"]
        assert ("hub-router", PASSWORD) == (
            auth["sasl_plain_username"],
            auth["sasl_plain_password"],
        )
        assert PASSWORD not in repr(kwargs["broker_credentials"])
    context = auth.get("ssl_context")
    if protocol in ("SSL", "SASL_SSL"):
        assert isinstance(context, ssl.SSLContext)
        assert context.check_hostname
        assert ssl.CERT_REQUIRED == context.verify_mode
        assert 1 == len(context.get_ca_certs())  # the given bundle only
    else:
        assert context is None
    AIOKafkaClient(bootstrap_servers=conn.bootstrap, **auth)  # raises on a bad combination


def test_the_faust_tls_context_presents_the_client_certificate_to_a_server(pki: Pki) -> None:
    # a server trusting the same CA that requires a client certificate accepts the context
    conn = connection("SSL", "SCRAM-SHA-512", pki, mtls=True)
    client_ctx = conn.ssl_context()
    ca = trustme.CA()  # the broker side: its own certificate for 127.0.0.1, our CA trusted
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_ctx)
    server_ctx.verify_mode = ssl.CERT_REQUIRED
    server_ctx.load_verify_locations(cafile=str(pki.ca))
    client_ctx.load_verify_locations(cadata=ca.cert_pem.bytes().decode())
    client_in, server_in = ssl.MemoryBIO(), ssl.MemoryBIO()
    client_out, server_out = ssl.MemoryBIO(), ssl.MemoryBIO()
    client = client_ctx.wrap_bio(server_out, client_out, server_hostname="127.0.0.1")
    server = server_ctx.wrap_bio(client_in, server_in, server_side=True)
    for _ in range(10):
        for side in (client, server):
            with contextlib.suppress(ssl.SSLWantReadError):
                side.do_handshake()
        client_in.write(client_out.read())
        server_out.write(server_in.read())
    peer = server.getpeercert()
    assert peer is not None
    assert ("DNS", "hub-client") in peer["subjectAltName"]  # trustme names it there


def test_plaintext_is_the_default_and_adds_nothing() -> None:
    conn = KafkaConnection.of("127.0.0.1:9092")

    assert {"bootstrap.servers": "127.0.0.1:9092"} == conn.common()
    assert {"broker": "kafka://127.0.0.1:9092"} == conn.faust()


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """No HUB_ variable from the calling shell."""
    for name in [n for n in os.environ if n.startswith("HUB_")]:
        monkeypatch.delenv(name)
    yield monkeypatch


def test_settings_from_the_environment_reach_the_clients_with_the_password_from_a_file(
    clean_env: pytest.MonkeyPatch, pki: Pki, tmp_path: Path
) -> None:
    secret = tmp_path / "password"
    secret.write_text(PASSWORD + "\n")  # as `kubectl create secret --from-file` often has it
    for name, value in {
        "HUB_KAFKA_BOOTSTRAP": "hub-kafka-bootstrap:9093",
        "HUB_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "HUB_KAFKA_SASL_MECHANISM": "SCRAM-SHA-256",
        "HUB_KAFKA_SASL_USERNAME": "hub-router",
        "HUB_KAFKA_SASL_PASSWORD_FILE": str(secret),
        "HUB_KAFKA_SSL_CA_LOCATION": str(pki.ca),
        "HUB_KAFKA_SSL_CERTIFICATE_LOCATION": str(pki.cert),
        "HUB_KAFKA_SSL_KEY_LOCATION": str(pki.key),
    }.items():
        clean_env.setenv(name, value)

    conn = KafkaConnection.from_settings(HubSettings())

    assert {
        "bootstrap.servers": "hub-kafka-bootstrap:9093",
        "security.protocol": "SASL_SSL",
        "sasl.mechanism": "SCRAM-SHA-256",
        "sasl.username": "hub-router",
        "sasl.password": PASSWORD,
        "ssl.ca.location": str(pki.ca),
        "ssl.certificate.location": str(pki.cert),
        "ssl.key.location": str(pki.key),
    } == conn.common()
    assert "HUB_KAFKA_SASL_PASSWORD_FILE" == conn.password_setting


def manifest_env_names() -> set[str]:
    """Every ``HUB_KAFKA_*`` / ``HUB_SCHEMA_REGISTRY_*`` variable the committed manifests set."""
    names: set[str] = set()
    for path in (PROJECT_ROOT / "deploy" / "k8s").rglob("*.yaml"):
        text = path.read_text()
        if "HUB_KAFKA_" not in text and "HUB_SCHEMA_REGISTRY_" not in text:
            continue
        for doc in yaml.load_all(text, Loader=yaml.CSafeLoader):
            for container in _containers(doc):
                names |= {
                    e["name"]
                    for e in container.get("env", [])
                    if e["name"].startswith(("HUB_KAFKA_", "HUB_SCHEMA_REGISTRY_"))
                }
    return names


def _containers(doc: Any) -> list[dict[str, Any]]:
    spec = doc.get("spec", {}) if isinstance(doc, dict) else {}
    template = spec.get("template", {}) if isinstance(spec, dict) else {}
    return list(template.get("spec", {}).get("containers", [])) if template else []


def test_the_manifests_kafka_variables_are_all_settings_of_the_hub() -> None:
    names = manifest_env_names()

    assert {"HUB_KAFKA_SECURITY_PROTOCOL", "HUB_KAFKA_SASL_PASSWORD"} <= names
    assert names <= {f"HUB_{f.upper()}" for f in HubSettings.model_fields}


@pytest.mark.parametrize(
    ("fields", "setting"),
    [
        ({"security_protocol": "SASL_SSL", "sasl_password": SecretStr("x")}, "SASL_USERNAME"),
        ({"security_protocol": "SASL_PLAINTEXT", "sasl_username": "u"}, "SASL_PASSWORD"),
        ({"sasl_username": "u"}, "SASL_USERNAME"),
        ({"security_protocol": "SSL", "sasl_password": SecretStr("x")}, "SASL_PASSWORD"),
        ({"ssl_ca_location": "CA"}, "SSL_CA_LOCATION"),
        ({"security_protocol": "SASL_PLAINTEXT", "sasl_username": "u",
          "sasl_password": SecretStr("x"), "ssl_ca_location": "CA"}, "SSL_CA_LOCATION"),
        ({"security_protocol": "SSL", "ssl_certificate_location": "CERT"}, "SSL_KEY_LOCATION"),
        ({"security_protocol": "SSL", "ssl_key_location": "KEY"}, "SSL_CERTIFICATE_LOCATION"),
        ({"security_protocol": "SSL", "ssl_ca_location": "MISSING"}, "SSL_CA_LOCATION"),
    ],
)  # fmt: skip
def test_a_combination_that_cannot_work_names_its_setting(
    fields: dict[str, Any], setting: str, pki: Pki
) -> None:
    files = {"CA": pki.ca, "CERT": pki.cert, "KEY": pki.key, "MISSING": pki.ca.with_name("nope")}
    kwargs = {k: files.get(v, v) if isinstance(v, str) else v for k, v in fields.items()}

    with pytest.raises(SettingsError) as error:
        KafkaConnection(bootstrap="b:9093", **kwargs)

    assert f"HUB_KAFKA_{setting}" == error.value.setting
    assert str(error.value).startswith(f"HUB_KAFKA_{setting}: ")
    assert "\n" not in str(error.value)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"HUB_KAFKA_SASL_PASSWORD": "x", "HUB_KAFKA_SASL_PASSWORD_FILE": "{file}"},
         "HUB_KAFKA_SASL_PASSWORD_FILE: set either HUB_KAFKA_SASL_PASSWORD or "
         "HUB_KAFKA_SASL_PASSWORD_FILE, not both"),
        ({"HUB_KAFKA_SASL_PASSWORD_FILE": "{missing}"},
         "HUB_KAFKA_SASL_PASSWORD_FILE: cannot read {missing}: No such file or directory"),
        ({"HUB_KAFKA_SASL_PASSWORD_FILE": "{empty}"}, "HUB_KAFKA_SASL_PASSWORD_FILE: {empty} is empty"),
    ],
)  # fmt: skip
def test_a_password_file_problem_names_the_file_setting(
    env: dict[str, str], message: str, clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    paths = {"file": tmp_path / "pw", "missing": tmp_path / "missing", "empty": tmp_path / "empty"}
    paths["file"].write_text("pw")
    paths["empty"].write_text("\n")
    clean_env.setenv("HUB_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    clean_env.setenv("HUB_KAFKA_SASL_USERNAME", "hub")
    for name, value in env.items():
        clean_env.setenv(name, value.format(**paths))

    with pytest.raises(SettingsError) as error:
        KafkaConnection.from_settings(HubSettings())

    assert message.format(**paths) == str(error.value)


def test_a_key_that_does_not_match_the_certificate_names_the_certificate(
    pki: Pki, tmp_path: Path
) -> None:
    other = tmp_path / "other.key"
    trustme.CA().issue_cert("x").private_key_pem.write_to_path(str(other))
    conn = KafkaConnection(
        security_protocol="SSL",
        ssl_ca_location=pki.ca,
        ssl_certificate_location=pki.cert,
        ssl_key_location=other,
    )

    with pytest.raises(SettingsError) as error:
        conn.faust()

    assert "HUB_KAFKA_SSL_CERTIFICATE_LOCATION" == error.value.setting


def test_the_password_is_in_no_repr_dump_or_log_line(pki: Pki) -> None:
    conn = connection("SASL_SSL", "SCRAM-SHA-512", pki, mtls=True)
    settings = HubSettings(
        kafka_security_protocol="SASL_SSL",
        kafka_sasl_username="hub-router",
        kafka_sasl_password=SecretStr(PASSWORD),
    )
    logging.getLogger().setLevel(logging.DEBUG)

    with structlog.testing.capture_logs() as logs:
        structlog.get_logger("t").info("kafka", **conn.describe())

    for text in (repr(conn), str(conn), repr(settings), settings.model_dump_json(), str(logs)):
        assert PASSWORD not in text
    assert "hub-router" == logs[0]["sasl_username"]
