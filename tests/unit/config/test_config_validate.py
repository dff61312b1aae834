"""``hub config validate`` on the shipped configuration and on broken variants kept as fixtures.

Each folder under ``tests/fixtures/broken-config/`` holds files that replace their namesakes in
a copy of ``config/``; validation must fail and name the file, the field and what is wrong.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hub.cli import main
from tests.conftest import CONFIG_DIR

BROKEN = Path(__file__).parents[2] / "fixtures" / "broken-config"

# variant -> (file, field, words of the message); a line number is expected where YAML knows it
EXPECTED = {
    "unknown-key": ("tenants/bensheim.yaml:7", "rotues", "unknown key"),
    "bad-ags": ("tenants/viernheim.yaml:3", "ags", r"'^\d{8}$'"),
    "duplicate-connector-id": ("tenants/bensheim.yaml:6", "(file)", "duplicate key 'dms'"),
    "route-to-undefined-connector": ("tenants/bensheim.yaml:9", "routes.0.to.1", "undefined connector 'archiv'"),
    "missing-secret-reference": ("tenants/bensheim.yaml:8", "connectors.gewerbe.transport.auth.secret_ref", "required field missing"),
    "secret-inline": ("tenants/bensheim.yaml:11", "connectors.gewerbe.transport.auth.token", "unknown key"),
    "secret-not-set": ("tenants/bensheim.yaml:11", "connectors.gewerbe.transport.auth.secret_ref", "HUB_TEST_UNSET_GEWERBE_TOKEN"),
    "id-does-not-match-file": ("tenants/mrn.yaml:1", "id", "must match the file name"),
    "bad-service-key": ("tenants/viernheim.yaml:8", "routes.0.service", "14-digit Leistungsschluessel"),
    "unknown-connector-kind": ("tenants/kreis-bergstrasse.yaml:5", "connectors.dms.kind", "unknown kind 'dms.enaio'"),
    "invoices-to-connector-that-cannot-take-them": ("tenants/bensheim.yaml:10", "invoices.to", "cannot take invoices"),
    "shadowed-rule": ("tenants/bensheim.yaml:11", "routes.1", "never matches"),
    "area-key-claimed-twice": ("tenants/viernheim.yaml:4", "ags", "also claimed by tenant 'bensheim'"),
    "leitweg-prefix-claimed-twice": ("tenants/viernheim.yaml:6", "leitweg_ids.0", "also claimed"),
    "portal-for-unknown-tenant": ("portals.yaml:4", "portals.civento-hessen.tenants.2", "unknown tenant 'darmstadt'"),
    "bad-connector-option": ("tenants/bensheim.yaml:8", "connectors.dms.options.version", "'3.1.0' or '3.0.0'"),
    "invalid-yaml": ("tenants/bensheim.yaml:5", "(file)", "invalid YAML"),
    "mapping-unknown-conversion": ("mappings/geburtsurkunde-standesamt.yaml:14", "mapping.8.convert.0", "unknown conversion 'dat'"),
    "mapping-bad-pointer": ("tenants/viernheim.yaml:21", "connectors.standesamt.options.mappings.99027002012000.1.from", "must start with '/'"),
    "mapping-file-missing": ("tenants/viernheim.yaml:15", "connectors.standesamt.options.mappings.99027002012000", "geburtsurkunde-standesamt-v2.yaml: cannot read"),
}  # fmt: skip


@pytest.fixture(autouse=True)
def _mappings_beside_the_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    """Mapping files are looked up in the configuration validated (other modules set
    HUB_MAPPINGS_DIR to the shipped ones for their process)."""
    monkeypatch.delenv("HUB_MAPPINGS_DIR", raising=False)


def _broken_copy(tmp_path: Path, variant: str) -> Path:
    config = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, config)
    shutil.copytree(BROKEN / variant, config, dirs_exist_ok=True)
    return config


def test_every_broken_variant_has_an_expectation() -> None:
    assert sorted(EXPECTED) == sorted(p.name for p in BROKEN.iterdir() if p.is_dir())
    assert len(EXPECTED) >= 10


def test_shipped_configuration_is_valid(
    portal_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert 0 == main(["config", "validate", str(CONFIG_DIR)])
    assert "valid (4 tenants" in capsys.readouterr().out


@pytest.mark.parametrize("variant", sorted(EXPECTED))
def test_broken_variant_fails_naming_file_field_and_problem(
    variant: str, tmp_path: Path, portal_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    config = _broken_copy(tmp_path, variant)
    where, field, words = EXPECTED[variant]

    rc = main(["config", "validate", str(config)])

    assert 1 == rc
    lines = capsys.readouterr().err.splitlines()
    expected_start = f"  {config}/{where}: {field}: "
    assert any(line.startswith(expected_start) and words in line for line in lines), lines


def test_all_problems_are_listed_not_just_the_first(
    tmp_path: Path, portal_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    config = _broken_copy(tmp_path, "route-to-undefined-connector")
    shutil.copytree(BROKEN / "bad-service-key", config, dirs_exist_ok=True)
    shutil.copytree(BROKEN / "portal-for-unknown-tenant", config, dirs_exist_ok=True)

    assert 1 == main(["config", "validate", str(config)])

    err = capsys.readouterr().err
    assert err.startswith("3 problem(s)")
    for fragment in ("undefined connector 'archiv'", "routes.0.service", "'darmstadt'"):
        assert fragment in err


def test_missing_portal_secrets_are_problems_unless_told_otherwise(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("HUB_PORTAL_CIVENTO_HESSEN_SECRET", raising=False)
    monkeypatch.setenv("HUB_PORTAL_CIVENTO_STANDESAMT_SECRET", "x")
    monkeypatch.setenv("HUB_PORTAL_ERECHNUNG_GATEWAY_SECRET", "x")

    assert 1 == main(["config", "validate", str(CONFIG_DIR)])
    assert "portals.civento-hessen.secret: secret missing" in capsys.readouterr().err
    assert 0 == main(["config", "validate", "--no-secrets", str(CONFIG_DIR)])
