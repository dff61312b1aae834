"""``hub config validate`` checks the field mappings: errors exit 1, warnings are listed and exit 0.

Broken mappings (errors) are kept with the other broken configurations in
``tests/fixtures/broken-config/mapping-*`` (``tests/unit/test_config_validate.py`` runs them
too); suspicious ones (warnings) in ``tests/fixtures/warning-config/``. Each folder holds files
that replace their namesakes in a copy of ``config/``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hub.cli import main
from hub.config import ConfigError, load_config
from hub.config.loader import _Doc
from hub.config.tenants import Tenant
from hub.intake.mapping_checks import check_mappings, load_examples
from hub.runtime.local import PROJECT_ROOT
from tests.conftest import CONFIG_DIR, EXAMPLES

FIXTURES = Path(__file__).parents[2] / "fixtures"
BROKEN = FIXTURES / "broken-config"
WARNINGS = FIXTURES / "warning-config"


@pytest.fixture(autouse=True)
def _mappings_beside_the_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    """Mapping files are looked up in the configuration validated (other modules set
    HUB_MAPPINGS_DIR to the shipped ones for their process)."""
    monkeypatch.delenv("HUB_MAPPINGS_DIR", raising=False)


def _copy(tmp_path: Path, variant: Path) -> Path:
    config = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, config)
    shutil.copytree(variant, config, dirs_exist_ok=True)
    return config


def _validate(config: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    rc = main(["config", "validate", str(config), "--examples", str(EXAMPLES)])
    return rc, capsys.readouterr().err.splitlines()


# variant -> (file:line, field, words): a mapping the engine cannot take is an error
ERRORS = {
    "mapping-unknown-conversion": ("mappings/geburtsurkunde-standesamt.yaml:14", "mapping.8.convert.0", "unknown conversion 'dat' (known: trim"),
    "mapping-bad-pointer": ("tenants/viernheim.yaml:21", "connectors.standesamt.options.mappings.99027002012000.1.from", "JSON pointer 'formData/urkunde/art' must start with '/'"),
    "mapping-file-missing": ("tenants/viernheim.yaml:15", "connectors.standesamt.options.mappings.99027002012000", "mapping file"),
}  # fmt: skip


@pytest.mark.parametrize("variant", sorted(ERRORS))
def test_a_broken_mapping_is_an_error_with_file_line_and_rule(
    variant: str, tmp_path: Path, portal_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    config = _copy(tmp_path, BROKEN / variant)
    where, field, words = ERRORS[variant]

    rc, lines = _validate(config, capsys)

    assert 1 == rc
    assert lines[0] == f"1 problem(s) in {config}:", lines  # reported once, not also by the kind
    assert any(
        line.startswith(f"  {config}/{where}: {field}: ") and words in line for line in lines
    ), lines


def test_the_connector_role_would_refuse_the_same_mapping(
    tmp_path: Path, portal_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _copy(tmp_path, BROKEN / "mapping-unknown-conversion")
    monkeypatch.setenv("HUB_MAPPINGS_DIR", str(config / "mappings"))

    with pytest.raises(ConfigError) as refused:
        load_config(config)

    assert ["mapping.8.convert.0"] == [p.field for p in refused.value.problems]


# variant -> (file:line, field, words): usable, but probably not what was meant
WARNED = {
    "pointer-on-no-example": ("mappings/geburtsurkunde-standesamt.yaml:26", "mapping.16", "/formData/urkunde/zwek resolves on none of the examples of service 99027002012000 (geburtsurkunde-viernheim.json)"),
    "example-fails": ("mappings/geburtsurkunde-standesamt.yaml:30", "mapping.18", "fails on example geburtsurkunde-viernheim.json: beurkundetePerson.familienname <- /formData/person/familienname: required value missing"),
    "tenant-without-portal": ("tenants/lampertheim.yaml:2", "id", "no portal may submit for tenant 'lampertheim': add it to the tenants of a portal in portals.yaml"),
}  # fmt: skip


@pytest.mark.parametrize("variant", sorted(WARNED))
def test_a_suspicious_configuration_is_a_warning_and_still_valid(
    variant: str,
    tmp_path: Path,
    portal_env: dict[str, str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = _copy(tmp_path, WARNINGS / variant)
    where, field, words = WARNED[variant]

    rc = main(["config", "validate", str(config), "--examples", str(EXAMPLES)])
    captured = capsys.readouterr()

    assert 0 == rc
    assert "valid (" in captured.out
    lines = captured.err.splitlines()
    assert any(line.endswith(f"warning(s) in {config}:") for line in lines), lines
    assert f"  {config}/{where}: {field}: {words}" in lines, lines


def test_warnings_are_listed_beside_errors(
    tmp_path: Path, portal_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    config = _copy(tmp_path, BROKEN / "mapping-file-missing")
    shutil.copytree(WARNINGS / "tenant-without-portal", config, dirs_exist_ok=True)

    rc, lines = _validate(config, capsys)

    assert 1 == rc
    assert "1 problem(s) in" in lines[0]
    assert any("no portal may submit for tenant 'lampertheim'" in line for line in lines)


def test_every_shipped_mapping_fits_its_examples_but_for_fields_the_forms_lack(
    portal_env: dict[str, str],
) -> None:
    config = load_config(CONFIG_DIR, examples_dir=EXAMPLES)

    # only optional fields the example form does not ask: Art des Betriebes, Grund der Anmeldung
    unused = {(Path(w.file).name, w.message.split(" ", 1)[0]) for w in config.warnings}
    assert {
        ("gewerbe-anmelden-xgewerbeanzeige.yaml", "/formData/gewerbe/betriebsart"),
        ("gewerbe-anmelden-xgewerbeanzeige.yaml", "/formData/gewerbe/grundAnmeldung"),
    } == unused
    assert all("fails on example" not in w.message for w in config.warnings)


def test_a_wildcard_mapping_is_tried_on_the_services_its_connector_receives(
    tmp_path: Path, portal_env: dict[str, str]
) -> None:
    tenant = Tenant.model_validate(
        {
            "id": "viernheim",
            "name": "Stadt Viernheim",
            "ags": "06431020",
            "connectors": {
                "standesamt": {
                    "kind": "procedure.rest",
                    "transport": {"type": "http", "url": "http://127.0.0.1:1/x"},
                    "options": {
                        "mappings": {"*": [{"target": "hund", "from": "/formData/hund/name"}]}
                    },
                },
                "dms": {"kind": "dms.xdomea", "transport": {"type": "directory", "path": "/tmp"}},
            },
            "routes": [
                {"service": "99102013104000", "to": ["dms"]},
                {"service": "*", "to": ["standesamt"]},
            ],
        }
    )
    docs = {"viernheim": (tmp_path / "viernheim.yaml", _Doc({}, {}))}

    found = check_mappings(tmp_path, {"viernheim": tenant}, docs, load_examples(EXAMPLES))

    # the Hundesteuer example goes to the DMS, so only the others are tried: none has a dog
    assert [] == found.errors
    [warning] = found.warnings
    assert "hundesteuer" not in warning.message
    assert "geburtsurkunde-viernheim.json" in warning.message


def test_examples_are_read_as_intake_would_accept_them() -> None:
    examples = load_examples(PROJECT_ROOT / "examples" / "applications")

    assert sorted(p.name for p in EXAMPLES.glob("*.json")) == [e.path.name for e in examples]
    geburt = next(e for e in examples if e.service == "99027002012000")
    assert "Schäfer" == geburt.document["applicant"]["familyName"]
    assert "contentBase64" not in str(geburt.document["attachments"])
