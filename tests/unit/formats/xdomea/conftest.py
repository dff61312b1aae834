"""Fixtures of the xdomea format tests: the official XSDs, compiled once per session."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from lxml import etree

from hub.formats.xdomea import VERSIONS, FilingSettings, Party
from hub.runtime.local import PROJECT_ROOT

# the shared factories live in tests/unit, which pytest only puts on sys.path for its own files
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

XSD_ROOT = PROJECT_ROOT.parent / "shared" / "standards" / "xdomea" / "xsd"


class Schemas:
    """The KoSIT schema of each supported xdomea version."""

    def __init__(self) -> None:
        self.by_version = {
            v: etree.XMLSchema(etree.parse(str(XSD_ROOT / v / "xdomea.xsd"))) for v in VERSIONS
        }

    def errors(self, version: str, xml: bytes) -> list[str]:
        """Schema violations of ``xml`` (empty when valid)."""
        schema = self.by_version[version]
        schema.validate(etree.fromstring(xml))
        return [f"line {e.line}: {e.message}" for e in schema.error_log]


@pytest.fixture(scope="session")
def schemas() -> Schemas:
    """Compiled xdomea 3.1.0 and 3.0.0 schemas."""
    return Schemas()


def settings(version: str = "3.1.0", **overrides: object) -> FilingSettings:
    """Settings as a tenant would configure them."""
    fields: dict[str, object] = {
        "sender": Party("ikz-hub", "IKZ Hub", authority_prefix="ikz"),
        "recipient": Party(
            "064310002002", "Stadt Bensheim", authority_prefix="ars", org_unit="Gewerbeamt"
        ),
        "version": version,
        "file_plan": {"99050012104000": "32.10.01", "*": "00.00"},
    }
    fields.update(overrides)
    return FilingSettings(**fields)  # type: ignore[arg-type]
