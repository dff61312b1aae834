"""Process settings from the environment (``HUB_`` prefix, ``__`` for nesting).

Tenants and portals are configuration files (see :mod:`hub.config`); these are
the knobs of one process. Secrets are ``SecretStr`` and masked in dumps. A ``HUB_``
variable that is neither a setting nor read elsewhere (a typo such as
``HUB_KAFKA_BOOTSRAP``) would be ignored silently; :func:`unknown_variables` finds
them, and every role warns about them at start-up.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# where scripts/xrechnung.sh fetch puts the official rules (not imported from
# hub.formats.xrechnung, which would load Saxon into every process reading settings)
DEFAULT_XRECHNUNG_RULES_DIR = Path(__file__).resolve().parents[1] / ".cache" / "xrechnung"


class HubSettings(BaseSettings):
    """Settings of every role; each role reads what it needs."""

    model_config = SettingsConfigDict(
        env_prefix="HUB_", env_nested_delimiter="__", frozen=True, extra="ignore"
    )

    kafka_bootstrap: str = Field("127.0.0.1:9092", description="Kafka bootstrap servers")
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        "PLAINTEXT", description="how every Kafka client talks to the brokers"
    )
    kafka_sasl_mechanism: Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"] = Field(
        "SCRAM-SHA-512", description="SASL mechanism (SASL_* protocols)"
    )
    kafka_sasl_username: str | None = Field(None, description="SASL user (the KafkaUser)")
    kafka_sasl_password: SecretStr | None = Field(None, description="SASL password")
    kafka_sasl_password_file: Path | None = Field(
        None, description="file holding the SASL password (a mounted Secret), instead of the value"
    )
    kafka_ssl_ca_location: Path | None = Field(
        None, description="PEM bundle of the CA(s) the brokers' certificates are checked against"
    )
    kafka_ssl_certificate_location: Path | None = Field(
        None, description="PEM client certificate for mTLS (SSL, SASL_SSL)"
    )
    kafka_ssl_key_location: Path | None = Field(
        None, description="PEM private key of the client certificate (unencrypted)"
    )
    kafka_check_timeout_seconds: float = Field(
        10.0, gt=0, description="start-up gives up on the broker's first metadata answer after this"
    )
    topic_prefix: str = Field("hub", description="prefix of every topic name")
    partitions: int = Field(4, ge=1, description="partitions of the topics the hub creates")
    session_timeout_seconds: float = Field(
        30.0,
        ge=6.0,
        description="a worker that stops heartbeating loses its partitions after this long",
    )
    replication_factor: int = Field(1, ge=1, description="replication of the topics it creates")
    app_id: str = Field("hub", description="faust app id = consumer group prefix")
    schema_registry_url: str | None = Field(
        None, description="Confluent-compatible registry; unset = single-object encoding"
    )
    schema_registry_username: str | None = Field(None, description="registry basic-auth user")
    schema_registry_password: SecretStr | None = Field(
        None, description="registry basic-auth password"
    )
    schema_registry_password_file: Path | None = Field(
        None, description="file holding the registry password, instead of the value"
    )
    schema_registry_ca_location: Path | None = Field(
        None, description="PEM bundle of the CA(s) the registry's certificate is checked against"
    )
    config_dir: Path = Field(Path("config"), description="tenants/*.yaml and portals.yaml")
    blob_dir: Path = Field(Path("var/blobs"), description="content-addressed attachment store")
    data_dir: Path = Field(Path("var/data"), description="faust data and intake receipts")

    intake_host: str = "127.0.0.1"
    intake_port: int = 8080
    web_host: str = Field("127.0.0.1", description="bind address of the faust roles' web server")
    web_advertised_host: str | None = Field(
        None,
        description="host other tracker replicas reach this one at (the pod IP in Kubernetes); "
        "default: HUB_WEB_HOST",
    )
    connectors: str = Field(
        "",
        description="connector instances this process runs: comma-separated tenant/connector "
        "(default: all)",
    )
    create_topics: bool = Field(
        True, description="create missing topics at start-up; false where an operator manages them"
    )
    web_port: int = Field(6066, description="port of the faust roles' web server")
    tracker_url: str = Field(
        "http://127.0.0.1:6066", description="where intake asks the tracker for journeys"
    )

    xrechnung_rules_dir: Path = Field(
        DEFAULT_XRECHNUNG_RULES_DIR,
        description="the official XRechnung rules intake validates with "
        "(scripts/xrechnung.sh fetch puts them into the default)",
    )
    max_body_bytes: int = Field(25 * 1024 * 1024, description="largest accepted request body")
    signature_tolerance_seconds: int = Field(300, description="max age of X-Hub-Timestamp")
    produce_timeout_seconds: float = Field(
        15.0, description="intake answers 503 when the broker has not acknowledged by then"
    )
    retry_base_seconds: float = Field(
        1.0, gt=0, description="first backoff after a transient error"
    )
    retry_max_seconds: float = Field(60.0, gt=0, description="longest backoff between attempts")
    delivery_deadline_seconds: float = Field(
        72 * 3600.0, gt=0, description="give a delivery up this long after its first error"
    )
    redeliver_after_seconds: float = Field(
        600.0, gt=0, description="an unfinished case unchanged this long is sent through again"
    )
    reconcile_interval_seconds: float = Field(
        60.0, gt=0, description="how often the tracker looks for such cases"
    )
    metrics_interval_seconds: float = Field(
        10.0, gt=0, description="how often lag, dead-letter depth and readiness gauges refresh"
    )
    stall_seconds: float = Field(
        180.0,
        gt=0,
        description="/healthz fails when an agent shows no activity this long while it has work",
    )

    @property
    def connector_instances(self) -> list[str]:
        """``HUB_CONNECTORS`` as a list of ``tenant/connector``."""
        return [c.strip() for c in self.connectors.split(",") if c.strip()]

    @model_validator(mode="after")
    def _stall_outlasts_backoff(self) -> HubSettings:
        if self.stall_seconds <= self.retry_max_seconds:
            raise ValueError(
                "HUB_STALL_SECONDS must exceed HUB_RETRY_MAX_SECONDS, or a parked connector "
                "waiting between attempts would look stalled"
            )
        return self

    log_level: str = "INFO"
    log_format: str = Field("json", pattern="^(json|console)$")


PREFIX = "HUB_"
#: ``HUB_`` variables read outside this model: by the tenant files (``${HUB_VAR_DIR}``), and
#: by modules that look them up where they are used
OTHER_VARIABLES = frozenset(
    {
        "HUB_VAR_DIR",  # tenant files: where directory transports drop (config/tenants/*.yaml)
        "HUB_MAPPINGS_DIR",  # hub.connectors.procedure_rest.mappings
        "HUB_XRECHNUNG_RULES_DIR",  # hub.formats.xrechnung.rules
        "HUB_PDF_FONT_ROOT",  # hub.formats.pdf.fonts
        "HUB_STATUS_URLS",  # hub status (hub.reporting.cli)
    }
)
_NAMED = re.compile(r"\bHUB_[A-Z0-9_]+\b")


def setting_variables() -> frozenset[str]:
    """The environment variable of every setting."""
    return frozenset(PREFIX + name.upper() for name in HubSettings.model_fields)


@dataclass(frozen=True)
class UnknownVariable:
    """A ``HUB_`` variable the hub does not read, and the setting it may have meant."""

    name: str
    suggestion: str | None

    def __str__(self) -> str:
        hint = f" (did you mean {self.suggestion}?)" if self.suggestion else ""
        return f"{self.name} is not a hub setting and is ignored{hint}"


def variables_named_in(config_dir: Path) -> frozenset[str]:
    """``HUB_`` names the configuration files mention (secret references, ``${...}``)."""
    names: set[str] = set()
    for path in sorted(config_dir.rglob("*.y*ml")) if config_dir.is_dir() else []:
        try:
            names.update(_NAMED.findall(path.read_text(encoding="utf-8", errors="replace")))
        except OSError:
            continue
    return frozenset(names)


def unknown_variables(
    environ: Mapping[str, str], *, also_known: Iterable[str] = ()
) -> list[UnknownVariable]:
    """``HUB_`` variables in ``environ`` that no setting, module or ``also_known`` reads."""
    settings = setting_variables()
    known = settings | OTHER_VARIABLES | {n.upper() for n in also_known}
    found = []
    for name in sorted(environ):
        upper = name.upper()
        if not upper.startswith(PREFIX) or upper.split("__", 1)[0] in known:
            continue
        close = difflib.get_close_matches(upper, sorted(settings | OTHER_VARIABLES), n=1)
        found.append(UnknownVariable(name, close[0] if close else None))
    return found


def settings_problems(exc: ValidationError) -> list[str]:
    """One line per invalid setting, naming its variable (values are not repeated: one may
    be a secret)."""
    lines = []
    for error in exc.errors(include_url=False):
        loc = [str(part) for part in error["loc"]]
        where = PREFIX + "__".join(loc).upper() if loc else "settings"
        message = error["msg"].removeprefix("Value error, ")
        lines.append(f"{where}: {message}")
    return lines
