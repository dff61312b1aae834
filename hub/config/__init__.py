"""Tenant and portal configuration: YAML files validated by pydantic models."""

from hub.config.loader import ConfigError, ConfigProblem, HubConfig, load_config

__all__ = ["ConfigError", "ConfigProblem", "HubConfig", "load_config"]
