"""Every connector kind of the project passes the conformance kit it ships to others."""

from __future__ import annotations

import filecmp
import sys
from importlib.metadata import entry_points
from typing import Any, ClassVar

import yaml

from hub.delivery.connector import ENTRY_POINT_GROUP
from hub.runtime.local import PROJECT_ROOT
from hub.sdk.testing import ConnectorConformance


class TestDmsXdomea(ConnectorConformance):
    kind = "dms.xdomea"
    options: ClassVar[dict[str, Any]] = {"version": "3.0.0", "recipient": {"org_unit": "Bauamt"}}
    invalid_options: ClassVar[list[dict[str, Any]]] = [
        {"version": "2.0"},
        {"recipient": {"org_unit": ""}},
    ]


class TestEinvoiceXRechnung(ConnectorConformance):
    kind = "einvoice.xrechnung"


class TestManualMailbox(ConnectorConformance):
    kind = "manual.mailbox"


class TestProcedureRest(ConnectorConformance):
    kind = "procedure.rest"
    options: ClassVar[dict[str, Any]] = {"attachments": "metadata"}
    invalid_options: ClassVar[list[dict[str, Any]]] = [{"attachments": "zip"}]


_MAPPINGS = PROJECT_ROOT / "tests" / "unit" / "connectors"


class TestProcedureRestMapped(ConnectorConformance):
    kind = "procedure.rest"
    options: ClassVar[dict[str, Any]] = {
        "mappings": {"*": yaml.safe_load((_MAPPINGS / "generic-rest.yaml").read_text())},
        "attachments": "inline",
        "reference": "/reference",
    }
    invalid_options: ClassVar[list[dict[str, Any]]] = [
        {"mappings": {"*": [{"target": "a", "from": "no-pointer"}]}},
        {"mappings": {"123": "generic-rest"}},
        {"reference": "reference"},
    ]


class TestProcedureXoev(ConnectorConformance):
    kind = "procedure.xoev"
    options: ClassVar[dict[str, Any]] = {
        "mappings": {"*": yaml.safe_load((_MAPPINGS / "generic-xgewerbeanzeige.yaml").read_text())},
    }
    invalid_options: ClassVar[list[dict[str, Any]]] = [
        {"mappings": {}},
        {"standard": "xbau"},
        {"mappings": {"*": [{"target": "a", "from": "/a", "convert": "bogus"}]}},
    ]


def test_every_registered_connector_runs_the_kit_here() -> None:
    module = sys.modules[__name__]
    tested = {
        obj.kind
        for obj in vars(module).values()
        if isinstance(obj, type)
        and issubclass(obj, ConnectorConformance)
        and obj is not ConnectorConformance
    }
    assert {ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)} == tested


def test_the_kits_samples_are_the_projects_examples() -> None:
    for folder in ("applications", "invoices"):
        comparison = filecmp.dircmp(
            PROJECT_ROOT / "examples" / folder, PROJECT_ROOT / "hub" / "sdk" / "samples" / folder
        )
        assert ([], [], []) == (comparison.left_only, comparison.right_only, comparison.diff_files)
