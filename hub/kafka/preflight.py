"""Fail fast at start-up when the broker refuses the connection settings.

A wrong password or CA makes librdkafka retry forever and faust hang or crash
with a traceback; :func:`check_broker` instead asks for metadata with a short
deadline and turns librdkafka's errors into one :class:`SettingsError` naming the
setting to blame::

    HUB_KAFKA_SASL_PASSWORD: authentication failed for user hub-router (SCRAM-SHA-512)
    HUB_KAFKA_SSL_CA_LOCATION: the broker's certificate is not signed by a CA in /etc/ca.crt

Conclusive errors (authentication, certificate checks, a TLS client on a plain
listener) end the check at once; an unreachable broker only at the deadline,
since a broker may be restarting.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import structlog
from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient

from hub.kafka.config import (
    BOOTSTRAP,
    CA,
    CERTIFICATE,
    KEY,
    MECHANISM,
    PROTOCOL,
    KafkaConnection,
    SettingsError,
)

if TYPE_CHECKING:
    from hub.settings import HubSettings

log = structlog.get_logger("hub.kafka")

#: librdkafka properties a client refuses at construction -> the setting they come from
_PROPERTY_SETTINGS = {
    "ssl.ca.location": CA,
    "ssl.certificate.location": CERTIFICATE,
    "ssl.key.location": KEY,
    "sasl.mechanism": MECHANISM,
    "security.protocol": PROTOCOL,
}
_UNREACHABLE = re.compile(r"Connection refused|timed out|Failed to resolve|No route", re.I)
_PEER_REFUSED_CERT = re.compile(
    r"alert (bad certificate|certificate required|unknown ca|certificate unknown)", re.I
)


@dataclass(frozen=True)
class Finding:
    """What one librdkafka error says about the settings."""

    setting: str
    message: str
    conclusive: bool  # end the check now; otherwise only when the deadline passes


def _detail(text: str) -> str:
    # "sasl_ssl://127.0.0.1:19093/bootstrap: SSL handshake failed: ... (after 25ms in state X)"
    text = re.sub(r"^\S+://\S+?: ", "", text)
    return re.sub(r" \(after \d+ms in state \w+\)$", "", text)


# one return per kind of librdkafka error reads better than a table of predicates
def classify(code: int, text: str, connection: KafkaConnection) -> Finding | None:  # noqa: PLR0911
    """The setting an error reported by librdkafka's ``error_cb`` points at, if any."""
    c = connection
    detail = _detail(text)
    if code == KafkaError._AUTHENTICATION:
        if "mechanism" in detail.lower() and "invalid credentials" not in detail.lower():
            return Finding(
                MECHANISM, f"the broker does not offer {c.sasl_mechanism}: {detail}", True
            )
        return Finding(
            c.password_setting,
            f"authentication failed for user {c.sasl_username} ({c.sasl_mechanism})",
            True,
        )
    if "connecting to a PLAINTEXT broker listener" in detail:
        return Finding(
            PROTOCOL,
            f"{c.security_protocol} uses TLS, but the listener at {c.bootstrap} is plain",
            True,
        )
    if code == KafkaError._SSL and "certificate verify failed" in detail:
        where = f"a CA in {c.ssl_ca_location}" if c.ssl_ca_location else "a system CA"
        return Finding(
            CA,
            f"the broker's certificate at {c.bootstrap} is not signed by {where} "
            "(or does not name that host)",
            True,
        )
    if _PEER_REFUSED_CERT.search(detail):
        message = (
            f"the broker at {c.bootstrap} refused the client certificate "
            f"{c.ssl_certificate_location}"
            if c.ssl_certificate_location
            else f"the broker at {c.bootstrap} requires a client certificate (mTLS)"
        )
        return Finding(CERTIFICATE, message, True)
    if code == KafkaError._SSL:
        return Finding(PROTOCOL, f"TLS with {c.bootstrap} failed: {detail}", True)
    if code in (KafkaError._TRANSPORT, KafkaError._RESOLVE) and _UNREACHABLE.search(detail):
        return Finding(BOOTSTRAP, f"no broker reachable at {c.bootstrap}: {detail}", False)
    return None


def _admin(connection: KafkaConnection, errors: list[KafkaError]) -> AdminClient:
    try:
        return AdminClient(connection.admin(error_cb=errors.append), logger=connection.logger)
    except KafkaException as exc:
        text = exc.args[0].str() if exc.args and isinstance(exc.args[0], KafkaError) else str(exc)
        for prop, setting in _PROPERTY_SETTINGS.items():
            if prop in text:
                raise SettingsError(setting, text) from None
        raise SettingsError(PROTOCOL, text) from None


def check_broker(
    connection: KafkaConnection, *, timeout: float = 10.0, require_broker: bool = True
) -> None:
    """Return once the broker answers a metadata request with these settings.

    Raises :class:`SettingsError` naming the setting to blame, within ``timeout``.
    With ``require_broker=False`` (intake, which starts and answers ``503`` while the
    broker is away) an unreachable broker is logged and not an error; a broker that
    refuses the settings still is.
    """
    errors: list[KafkaError] = []
    admin = _admin(connection, errors)
    started = time.monotonic()
    deadline = started + timeout
    last: Finding | None = None
    closed = False  # librdkafka saw every broker go down without saying why
    while True:
        try:
            admin.list_topics(timeout=max(0.1, min(0.5, deadline - time.monotonic())))
        except KafkaException:
            pass
        else:
            log.info(
                "kafka.connected",
                seconds=round(time.monotonic() - started, 2),
                **connection.describe(),
            )
            return
        admin.poll(0)  # serves error_cb
        for err in errors:
            closed = closed or err.code() == KafkaError._ALL_BROKERS_DOWN
            finding = classify(err.code(), err.str(), connection)
            if finding is None:
                continue
            if finding.conclusive:
                raise SettingsError(finding.setting, finding.message)
            last = finding
            if not require_broker:
                log.warning("kafka.unreachable", detail=finding.message, **connection.describe())
                return
        errors.clear()
        if time.monotonic() >= deadline:
            break
    if not require_broker:
        log.warning("kafka.unreachable", **connection.describe())
        return
    if last is not None:
        raise SettingsError(last.setting, f"{last.message} (for {timeout:g}s)")
    if closed:
        raise SettingsError(
            PROTOCOL,
            f"the broker at {connection.bootstrap} closed every connection for {timeout:g}s: "
            f"does {connection.security_protocol} match its listener?",
        )
    raise SettingsError(BOOTSTRAP, f"no metadata from {connection.bootstrap} in {timeout:g}s")


def check_settings(settings: HubSettings, *, require_broker: bool = True) -> None:
    """:func:`check_broker` with the connection and the deadline the settings give."""
    check_broker(
        KafkaConnection.from_settings(settings),
        timeout=settings.kafka_check_timeout_seconds,
        require_broker=require_broker,
    )
