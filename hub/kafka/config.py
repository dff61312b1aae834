"""The one place that builds every Kafka client's configuration.

confluent-kafka producers, consumers and admin clients, and faust's broker
settings all come from a :class:`KafkaConnection`, built once from the
settings. Nothing else in the hub writes ``bootstrap.servers`` or any other
client property, so a connection setting (security, timeouts) added here
reaches every client at once.

Security: ``HUB_KAFKA_SECURITY_PROTOCOL`` is one of ``PLAINTEXT``, ``SSL``,
``SASL_PLAINTEXT``, ``SASL_SSL``. SASL (``SCRAM-SHA-512``, ``SCRAM-SHA-256``,
``PLAIN``) takes a user and a password (the value, or a file such as a mounted
Kubernetes Secret); TLS takes the CA bundle and, for mTLS, a client certificate
and key. librdkafka gets them as properties; faust's aiokafka driver as
``broker_credentials`` with an :class:`ssl.SSLContext` built from the same files.
A combination that cannot work (SASL without a user, a CA with a plain protocol,
a certificate without its key, a file that is not there) is a :class:`SettingsError`
naming the setting, raised when the connection is built.
"""

from __future__ import annotations

import logging
import ssl
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import SecretStr

from hub.config.loader import ConfigError, ConfigProblem

if TYPE_CHECKING:
    from hub.settings import HubSettings

_RDKAFKA_LOG = logging.getLogger("hub.kafka.rdkafka")

SecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"]

# names of the settings, for messages (S105: names, not passwords)
PASSWORD = "HUB_KAFKA_SASL_PASSWORD"  # noqa: S105
PASSWORD_FILE = "HUB_KAFKA_SASL_PASSWORD_FILE"  # noqa: S105
USERNAME = "HUB_KAFKA_SASL_USERNAME"
PROTOCOL = "HUB_KAFKA_SECURITY_PROTOCOL"
MECHANISM = "HUB_KAFKA_SASL_MECHANISM"
CA = "HUB_KAFKA_SSL_CA_LOCATION"
CERTIFICATE = "HUB_KAFKA_SSL_CERTIFICATE_LOCATION"
KEY = "HUB_KAFKA_SSL_KEY_LOCATION"
BOOTSTRAP = "HUB_KAFKA_BOOTSTRAP"


class SettingsError(ConfigError):
    """A connection setting that cannot work; ``str()`` is ``"<SETTING>: <what is wrong>"``."""

    def __init__(self, setting: str, message: str) -> None:
        self.setting, self.message = setting, message
        super().__init__([ConfigProblem(file="environment", field=setting, message=message)])

    def __str__(self) -> str:
        return f"{self.setting}: {self.message}"


def read_secret(
    value: SecretStr | None, path: Path | None, *, setting: str, file_setting: str
) -> SecretStr | None:
    """A secret given as a value or as a file (trailing newline dropped); not both."""
    if value is not None and path is not None:
        raise SettingsError(file_setting, f"set either {setting} or {file_setting}, not both")
    if path is None:
        return value
    try:
        text = path.read_text(encoding="utf-8").rstrip("\r\n")
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(file_setting, f"cannot read {path}: {_reason(exc)}") from None
    if not text:
        raise SettingsError(file_setting, f"{path} is empty")
    return SecretStr(text)


def readable_file(path: Path | None, setting: str) -> Path | None:
    """``path`` when it names a readable file (or is unset); else a :class:`SettingsError`."""
    if path is None:
        return None
    try:
        with path.open("rb"):
            pass
    except OSError as exc:
        raise SettingsError(setting, f"cannot read {path}: {_reason(exc)}") from None
    return path


def _reason(exc: BaseException) -> str:
    return exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)


@dataclass(frozen=True)
class KafkaConnection:
    """How to reach the cluster: bootstrap servers, security protocol, credentials, TLS files.

    The password is a :class:`SecretStr`, so the repr and logs show it masked; only the
    client configurations built here carry it in clear.
    """

    bootstrap: str = "127.0.0.1:9092"
    security_protocol: SecurityProtocol = "PLAINTEXT"
    sasl_mechanism: SaslMechanism = "SCRAM-SHA-512"
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    ssl_ca_location: Path | None = None
    ssl_certificate_location: Path | None = None
    ssl_key_location: Path | None = None
    #: the setting the password came from, named when the broker refuses it
    password_setting: str = PASSWORD

    def __post_init__(self) -> None:
        protocol = self.security_protocol
        if self.sasl:
            if not self.sasl_username:
                raise SettingsError(USERNAME, f"required with {PROTOCOL}={protocol}")
            if self.sasl_password is None:
                raise SettingsError(
                    PASSWORD, f"required with {PROTOCOL}={protocol} (or set {PASSWORD_FILE})"
                )
        elif self.sasl_username or self.sasl_password is not None:
            setting = USERNAME if self.sasl_username else self.password_setting
            raise SettingsError(setting, f"set, but {PROTOCOL}={protocol} does not use SASL")
        if not self.tls:
            for setting, path in self._tls_files():
                if path is not None:
                    raise SettingsError(setting, f"set, but {PROTOCOL}={protocol} does not use TLS")
        if (self.ssl_certificate_location is None) != (self.ssl_key_location is None):
            missing = KEY if self.ssl_key_location is None else CERTIFICATE
            raise SettingsError(missing, f"required with {CERTIFICATE} and {KEY} (mTLS: both)")
        for setting, path in self._tls_files():
            readable_file(path, setting)

    def _tls_files(self) -> list[tuple[str, Path | None]]:
        return [
            (CA, self.ssl_ca_location),
            (CERTIFICATE, self.ssl_certificate_location),
            (KEY, self.ssl_key_location),
        ]

    @classmethod
    def from_settings(cls, settings: HubSettings) -> KafkaConnection:
        """The connection the settings describe (the password file is read here)."""
        password = read_secret(
            settings.kafka_sasl_password,
            settings.kafka_sasl_password_file,
            setting=PASSWORD,
            file_setting=PASSWORD_FILE,
        )
        return cls(
            bootstrap=settings.kafka_bootstrap,
            security_protocol=settings.kafka_security_protocol,
            sasl_mechanism=settings.kafka_sasl_mechanism,
            sasl_username=settings.kafka_sasl_username,
            sasl_password=password,
            ssl_ca_location=settings.kafka_ssl_ca_location,
            ssl_certificate_location=settings.kafka_ssl_certificate_location,
            ssl_key_location=settings.kafka_ssl_key_location,
            password_setting=PASSWORD_FILE if settings.kafka_sasl_password_file else PASSWORD,
        )

    @classmethod
    def of(cls, target: KafkaConnection | str) -> KafkaConnection:
        """``target`` itself, or a plain connection to the bootstrap address ``target``."""
        return target if isinstance(target, KafkaConnection) else cls(bootstrap=target)

    @property
    def sasl(self) -> bool:
        """Whether the protocol authenticates with SASL."""
        return self.security_protocol.startswith("SASL_")

    @property
    def tls(self) -> bool:
        """Whether the protocol encrypts with TLS."""
        return self.security_protocol in ("SSL", "SASL_SSL")

    def common(self) -> dict[str, Any]:
        """Properties every librdkafka client shares."""
        conf: dict[str, Any] = {"bootstrap.servers": self.bootstrap}
        if self.security_protocol != "PLAINTEXT":
            conf["security.protocol"] = self.security_protocol
        if self.sasl:
            if not (self.sasl_password is not None):  # __post_init__ checked it
                raise RuntimeError("invariant broken: self.sasl_password is not None")
            conf["sasl.mechanism"] = self.sasl_mechanism
            conf["sasl.username"] = self.sasl_username
            conf["sasl.password"] = self.sasl_password.get_secret_value()
        for key, path in (
            ("ssl.ca.location", self.ssl_ca_location),
            ("ssl.certificate.location", self.ssl_certificate_location),
            ("ssl.key.location", self.ssl_key_location),
        ):
            if path is not None:
                conf[key] = str(path)
        return conf

    def producer(self, **extra: Any) -> dict[str, Any]:
        """An idempotent ``acks=all`` producer with the Java client's partitioner.

        ``murmur2_random`` puts a key on the same partition number as faust's
        producer does, so every event of a case stays on one partition in every topic.
        """
        return {
            **self.common(),
            "enable.idempotence": True,
            "acks": "all",
            "partitioner": "murmur2_random",
            **extra,
        }

    def consumer(self, group_id: str | None = None, **extra: Any) -> dict[str, Any]:
        """A consumer that never commits unless told to (tools, readers, probes).

        Without ``group_id`` a throw-away group name is made up (librdkafka needs
        one even for assigned partitions); it is never committed to.
        """
        return {
            **self.common(),
            "group.id": group_id or f"hub-reader-{uuid.uuid4().hex[:8]}",
            "enable.auto.commit": False,
            **extra,
        }

    def admin(self, **extra: Any) -> dict[str, Any]:
        """An admin client."""
        return {**self.common(), **extra}

    def ssl_context(self) -> ssl.SSLContext:
        """A client TLS context: the CA bundle (system CAs when unset), the client certificate.

        Host names are checked, as librdkafka does by default
        (``ssl.endpoint.identification.algorithm=https``).
        """
        try:
            context = ssl.create_default_context(
                cafile=str(self.ssl_ca_location) if self.ssl_ca_location else None
            )
        except (ssl.SSLError, OSError) as exc:
            raise SettingsError(CA, f"not a PEM CA bundle: {_reason(exc)}") from None
        if self.ssl_certificate_location is not None and self.ssl_key_location is not None:
            try:
                context.load_cert_chain(self.ssl_certificate_location, self.ssl_key_location)
            except (ssl.SSLError, OSError) as exc:
                raise SettingsError(
                    CERTIFICATE, f"certificate and {KEY} do not load: {_reason(exc)}"
                ) from None
        return context

    def faust(self) -> dict[str, Any]:
        """faust ``App`` keyword arguments that reach the broker.

        aiokafka supports SCRAM-SHA-256/512 and PLAIN; it does not SASLprep the
        password, so keep SCRAM passwords ASCII (Strimzi's generated ones are).
        """
        import faust  # noqa: PLC0415  (heavy; the command-line tools never need it)

        kwargs: dict[str, Any] = {"broker": f"kafka://{self.bootstrap}"}
        if self.sasl:
            if not (self.sasl_password is not None):
                raise RuntimeError("invariant broken: self.sasl_password is not None")
            kwargs["broker_credentials"] = faust.SASLCredentials(
                username=self.sasl_username,
                password=self.sasl_password.get_secret_value(),
                mechanism=self.sasl_mechanism,
                ssl_context=self.ssl_context() if self.tls else None,
            )
        elif self.tls:
            kwargs["broker_credentials"] = faust.SSLCredentials(self.ssl_context())
        return kwargs

    def describe(self) -> dict[str, Any]:
        """What a log line may say about the connection (never the password)."""
        return {
            "bootstrap": self.bootstrap,
            "security_protocol": self.security_protocol,
            "sasl_mechanism": self.sasl_mechanism if self.sasl else None,
            "sasl_username": self.sasl_username,
            "mtls": self.ssl_certificate_location is not None,
        }

    @property
    def logger(self) -> logging.Logger:
        """The stdlib logger librdkafka's messages go to (through structlog)."""
        return _RDKAFKA_LOG
