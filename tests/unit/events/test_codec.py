"""The schema registry client's connection settings: basic auth and CA, against a real server.

A stdlib HTTPS server with a certificate from a test CA plays the registry: it answers
schema registrations only with the right ``Authorization`` header, so what the client
sends (not only the configuration dict) is checked.
"""

from __future__ import annotations

import base64
import json
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import trustme
from confluent_kafka.schema_registry import SchemaRegistryClient
from pydantic import SecretStr

from hub.events.codec import RegistryCodec, SingleObjectCodec
from hub.kafka.config import SettingsError
from hub.kafka.registry import codec_from_settings, registry_config
from hub.settings import HubSettings
from tests.unit.factories import load_example, submitted_event

USER, PASSWORD = "hub-router", "registry-Secret-42"


@dataclass
class FakeRegistry:
    """What the fake registry saw."""

    url: str
    ca: Path
    authorizations: list[str | None] = field(default_factory=list)


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[FakeRegistry]:
    """An HTTPS registry on 127.0.0.1 that wants basic auth ``USER:PASSWORD``."""
    ca = trustme.CA()
    ca.cert_pem.write_to_path(str(tmp_path / "ca.crt"))
    expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    seen: list[str | None] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            auth = self.headers.get("Authorization")
            seen.append(auth)
            ok = auth == expected
            body = json.dumps({"id": 7} if ok else {"error_code": 40101, "message": "no"})
            self.send_response(200 if ok else 401)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake = FakeRegistry(f"https://127.0.0.1:{server.server_port}", tmp_path / "ca.crt", seen)
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


def event() -> object:
    return submitted_event(load_example("gewerbe-anmelden-bensheim"), "bensheim")


def test_the_registry_client_sends_basic_auth_over_tls_with_the_given_ca(
    registry: FakeRegistry, tmp_path: Path
) -> None:
    secret = tmp_path / "registry-password"
    secret.write_text(PASSWORD + "\n")
    settings = HubSettings(
        schema_registry_url=registry.url,
        schema_registry_username=USER,
        schema_registry_password_file=secret,
        schema_registry_ca_location=registry.ca,
    )

    codec = codec_from_settings(settings)
    data = codec.encode(event(), topic="t.applications.submitted")  # type: ignore[arg-type]

    assert isinstance(codec, RegistryCodec)
    assert b"\x00\x00\x00\x00\x07" == data[:5]
    basic = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    assert [basic] == registry.authorizations


def test_without_the_ca_the_registry_certificate_is_refused(registry: FakeRegistry) -> None:
    settings = HubSettings(
        schema_registry_url=registry.url,
        schema_registry_username=USER,
        schema_registry_password=SecretStr(PASSWORD),
    )

    # no retries: the client would retry the handshake three times with backoff
    codec = RegistryCodec(SchemaRegistryClient({**registry_config(settings), "max.retries": 0}))

    with pytest.raises(Exception, match="CERTIFICATE_VERIFY_FAILED"):
        codec.encode(event(), topic="t.applications.submitted")  # type: ignore[arg-type]
    assert [] == registry.authorizations


def test_registry_config_carries_auth_and_ca_and_no_password_in_the_settings_repr(
    tmp_path: Path,
) -> None:
    ca = tmp_path / "ca.crt"
    ca.write_text("pem")
    settings = HubSettings(
        schema_registry_url="https://registry:8081",
        schema_registry_username=USER,
        schema_registry_password=SecretStr(PASSWORD),
        schema_registry_ca_location=ca,
    )

    assert {
        "url": "https://registry:8081",
        "basic.auth.user.info": f"{USER}:{PASSWORD}",
        "ssl.ca.location": str(ca),
    } == registry_config(settings)
    assert PASSWORD not in repr(settings)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"schema_registry_username": USER},
         "HUB_SCHEMA_REGISTRY_PASSWORD: registry basic auth needs both a user and a password"),
        ({"schema_registry_password": SecretStr("x")},
         "HUB_SCHEMA_REGISTRY_USERNAME: registry basic auth needs both a user and a password"),
        ({"schema_registry_username": "a:b", "schema_registry_password": SecretStr("x")},
         "HUB_SCHEMA_REGISTRY_USERNAME: must not contain ':' (basic auth)"),
        ({"schema_registry_ca_location": Path("/nonexistent/ca.crt")},
         "HUB_SCHEMA_REGISTRY_CA_LOCATION: cannot read /nonexistent/ca.crt: "
         "No such file or directory"),
    ],
)  # fmt: skip
def test_an_incomplete_registry_setting_is_named(fields: dict[str, object], message: str) -> None:
    settings = HubSettings(schema_registry_url="https://registry:8081", **fields)  # type: ignore[arg-type]

    with pytest.raises(SettingsError) as error:
        codec_from_settings(settings)

    assert message == str(error.value)


def test_without_a_registry_url_the_codec_is_single_object_encoding() -> None:
    assert isinstance(codec_from_settings(HubSettings(schema_registry_url=None)), SingleObjectCodec)
    assert isinstance(codec_from_settings(None), SingleObjectCodec)
