"""The schema registry's client configuration and the event codec a process uses.

Beside the Kafka clients' configuration (:mod:`hub.kafka.config`), since the registry is the
other service of the platform the hub connects to: with a URL, the Confluent wire format through
the registry (with its basic auth and CA bundle); without one, single-object encoding.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from confluent_kafka.schema_registry import SchemaRegistryClient

from hub.events.codec import EventCodec, RegistryCodec, SingleObjectCodec
from hub.kafka.config import SettingsError, read_secret, readable_file

if TYPE_CHECKING:
    from hub.settings import HubSettings


def registry_config(settings: HubSettings) -> dict[str, Any]:
    """The schema registry client's configuration: URL, basic auth, CA bundle.

    The password is the value of ``HUB_SCHEMA_REGISTRY_PASSWORD`` or the content of
    ``HUB_SCHEMA_REGISTRY_PASSWORD_FILE``; user and password come together or not at all.
    """
    password = read_secret(
        settings.schema_registry_password,
        settings.schema_registry_password_file,
        setting="HUB_SCHEMA_REGISTRY_PASSWORD",
        file_setting="HUB_SCHEMA_REGISTRY_PASSWORD_FILE",
    )
    user = settings.schema_registry_username
    if (user is None) != (password is None):
        missing = "HUB_SCHEMA_REGISTRY_USERNAME" if user is None else "HUB_SCHEMA_REGISTRY_PASSWORD"
        raise SettingsError(missing, "registry basic auth needs both a user and a password")
    if user is not None and ":" in user:
        raise SettingsError("HUB_SCHEMA_REGISTRY_USERNAME", "must not contain ':' (basic auth)")
    conf: dict[str, Any] = {"url": settings.schema_registry_url}
    if user is not None and password is not None:
        conf["basic.auth.user.info"] = f"{user}:{password.get_secret_value()}"
    ca = readable_file(settings.schema_registry_ca_location, "HUB_SCHEMA_REGISTRY_CA_LOCATION")
    if ca is not None:
        conf["ssl.ca.location"] = str(ca)
    return conf


def codec_from_settings(settings: HubSettings | str | None) -> EventCodec:
    """The registry codec when a registry URL is configured, else single-object encoding.

    Given the settings, the registry client also gets their basic auth and CA bundle;
    given only a URL (or ``None``), none.
    """
    if settings is None or isinstance(settings, str):
        return RegistryCodec.from_url(settings) if settings else SingleObjectCodec()
    if settings.schema_registry_url:
        return RegistryCodec(SchemaRegistryClient.new_client(registry_config(settings)))
    return SingleObjectCodec()
