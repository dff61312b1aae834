"""Docs are part of the product: settings, commands, connectors and topics are all documented."""

from __future__ import annotations

import argparse
from importlib.metadata import entry_points
from pathlib import Path

import pytest
import yaml

from hub.cli import _parser, main
from hub.config.loader import _expand
from hub.config.portals import PortalsFile
from hub.config.tenants import Tenant
from hub.delivery.connector import ENTRY_POINT_GROUP, connector_problems
from hub.events.catalog import default_catalog
from hub.events.topics import Topics
from hub.runtime.local import PROJECT_ROOT
from hub.settings import HubSettings

README = (PROJECT_ROOT / "README.md").read_text()


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    sub = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


@pytest.mark.parametrize("field", sorted(HubSettings.model_fields))
def test_every_setting_is_documented_in_the_readme(field: str) -> None:
    assert f"HUB_{field.upper()}" in README


@pytest.mark.parametrize("command", sorted(_subcommands()))
def test_every_cli_command_has_help_and_is_in_the_readme(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])

    assert 0 == exit_info.value.code
    assert len(capsys.readouterr().out.strip().splitlines()) >= 3
    assert f"hub {command}" in README


def test_readme_quick_start_has_the_two_commands() -> None:
    quick_start = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert "make demo" in quick_start
    assert "make test" in quick_start


@pytest.mark.parametrize("ep", sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name))
def test_every_registered_connector_has_a_readme_with_a_settings_table(ep: object) -> None:
    module = ep.value.split(":", 1)[0]  # type: ignore[attr-defined]
    package_dir = PROJECT_ROOT / Path(*module.split("."))
    readme = (package_dir / "README.md").read_text()
    assert ep.name in readme  # type: ignore[attr-defined]
    assert "| setting |" in readme
    assert ep.name in README  # type: ignore[attr-defined]


def test_every_topic_has_a_schema_and_a_readme_row() -> None:
    catalog = default_catalog()
    for topic, model in Topics("hub").value_types().items():
        assert catalog.for_model(model).name.endswith(model.__name__)
        assert topic.removeprefix("hub.") in README


def _yaml_block_after(heading: str) -> str:
    section = README.split(heading, 1)[1]
    return section.split("```yaml\n", 1)[1].split("```", 1)[0]


def test_readme_tenant_example_is_a_valid_tenant_whose_connectors_build(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HUB_VAR_DIR", "/tmp/hub-docs")
    tenant = Tenant.model_validate(_expand(yaml.safe_load(_yaml_block_after("### A tenant"))))

    assert "bensheim" == tenant.id
    assert [] == connector_problems({tenant.id: tenant})


def test_readme_portals_example_is_valid() -> None:
    portals = PortalsFile.model_validate(yaml.safe_load(_yaml_block_after("### Portal clients")))
    assert {"civento-hessen", "erechnung-gateway"} == set(portals.portals)
