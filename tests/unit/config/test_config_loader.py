"""hub.config.loader: the configuration directory, with every problem named by file, field, line."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import pytest
from pydantic import SecretStr

from hub.config import ConfigError, ConfigProblem, HubConfig, load_config
from hub.config.tenants import DirectoryTransport
from hub.runtime.local import PORTAL_SECRET_ENV
from tests.unit.factories import CONFIG_DIR


@pytest.fixture
def config_copy(tmp_path: Path, portal_env: dict[str, str]) -> Path:
    """A writable copy of the shipped configuration, secrets set."""
    target = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    """Replace text that must be there (so the test notices when the shipped file changes)."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def line_of(path: Path, text: str) -> int:
    """1-based number of the first line containing ``text``."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {path}")


def problems_of(config_dir: Path) -> list[ConfigProblem]:
    with pytest.raises(ConfigError) as raised:
        load_config(config_dir)
    return raised.value.problems


def where(problems: list[ConfigProblem]) -> set[tuple[str, str]]:
    """(file name, field) of every problem."""
    return {(Path(p.file).name, p.field) for p in problems}


def test_shipped_config_loads_with_secrets(
    hub_config: HubConfig, portal_env: dict[str, str]
) -> None:
    assert ["bensheim", "kreis-bergstrasse", "mrn", "viernheim"] == sorted(hub_config.tenants)
    assert set(PORTAL_SECRET_ENV) == set(hub_config.portals)
    assert {"civento-hessen", "civento-standesamt"} <= set(hub_config.portals)
    assert portal_env == {k: v[0].get_secret_value() for k, v in hub_config.portal_secrets.items()}
    assert ["viernheim"] == hub_config.portals["civento-standesamt"].tenants


def test_environment_expands_into_paths(hub_config: HubConfig, tmp_path: Path) -> None:
    transport = hub_config.tenant("bensheim").connectors["dms"].transport

    assert isinstance(transport, DirectoryTransport)
    assert tmp_path / "var" / "bensheim" / "dms" == transport.path


def test_default_applies_when_variable_is_unset(
    config_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HUB_VAR_DIR")

    transport = load_config(config_copy).tenant("viernheim").connectors["dms"].transport

    assert isinstance(transport, DirectoryTransport)
    assert Path("var/viernheim/dms") == transport.path


def test_missing_portal_secret_is_reported_with_file_field_and_line(
    config_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(PORTAL_SECRET_ENV["civento-hessen"])
    portals = config_copy / "portals.yaml"

    problems = problems_of(config_copy)

    assert [
        ConfigProblem(
            str(portals),
            "portals.civento-hessen.secret",
            "secret missing: set environment variable HUB_PORTAL_CIVENTO_HESSEN_SECRET",
            line_of(portals, "{env: HUB_PORTAL_CIVENTO_HESSEN_SECRET}"),
        )
    ] == problems
    assert str(problems[0]).startswith(f"{portals}:5: portals.civento-hessen.secret: ")


def test_empty_secret_counts_as_missing(config_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PORTAL_SECRET_ENV["civento-standesamt"], "")

    assert {("portals.yaml", "portals.civento-standesamt.secret")} == where(
        problems_of(config_copy)
    )


def test_missing_secrets_are_tolerated_when_not_required(
    config_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for env in PORTAL_SECRET_ENV.values():
        monkeypatch.delenv(env)

    config = load_config(config_copy, require_secrets=False)

    assert ({}, 4) == (config.portal_secrets, len(config.tenants))


def test_secret_from_file_is_read_and_stripped(config_copy: Path, tmp_path: Path) -> None:
    secret_file = tmp_path / "hessen.secret"
    secret_file.write_text("from-a-file\n")
    edit(
        config_copy / "portals.yaml",
        "{env: HUB_PORTAL_CIVENTO_HESSEN_SECRET}",
        f"{{file: {secret_file}}}",
    )

    config = load_config(config_copy)

    assert (SecretStr("from-a-file"),) == config.portal_secrets["civento-hessen"]


Breakage = Callable[[Path], None]


def _tenant_edit(name: str, old: str, new: str) -> Breakage:
    return lambda d: edit(d / "tenants" / f"{name}.yaml", old, new)


def _tenant_append(name: str, text: str) -> Breakage:
    return lambda d: append(d / "tenants" / f"{name}.yaml", text)


class Broken(NamedTuple):
    """One way to break the configuration and the problem it must give."""

    name: str
    breakage: Breakage
    file: str
    field: str
    message: str  # part of the problem's message
    line_text: str | None = None  # text on the line the problem must point at


VIERNHEIM_AGS = 'ags: "06431020"'
BROKEN = [
    Broken(
        "unknown-key", _tenant_append("viernheim", "colour: blue\n"),
        "viernheim.yaml", "colour", "unknown key", "colour: blue",
    ),
    Broken(
        "bad-ags", _tenant_edit("viernheim", VIERNHEIM_AGS, 'ags: "6431020"'),
        "viernheim.yaml", "ags", "pattern", 'ags: "6431020"',
    ),
    Broken(
        "bad-ars", _tenant_edit("bensheim", 'ars: "064310002002"', 'ars: "64310002002"'),
        "bensheim.yaml", "ars", "pattern", "ars:",
    ),
    Broken(
        "id-not-file-name", _tenant_edit("mrn", "id: mrn", "id: mrn-gmbh"),
        "mrn.yaml", "id", "must match the file name", "id: mrn-gmbh",
    ),
    Broken(
        "bad-route-service",
        _tenant_edit("bensheim", 'service: "99050012104000"', 'service: "0815"'),
        "bensheim.yaml", "routes.0.service", "Leistungsschluessel",
    ),
    Broken(
        "bad-kind", _tenant_edit("bensheim", "kind: dms.xdomea", "kind: DMS"),
        "bensheim.yaml", "connectors.dms.kind", "pattern", "dms:",
    ),
    Broken(
        "unknown-transport", _tenant_edit("bensheim", "type: directory", "type: ftp"),
        "bensheim.yaml", "connectors.dms.transport", "tag", "dms:",
    ),
    Broken(
        "misspelt-key", _tenant_edit("mrn", "connectors:", "connectorz:"),
        "mrn.yaml", "connectorz", "unknown key", "connectorz:",
    ),
    Broken(
        "area-key-twice", _tenant_edit("viernheim", "064310020020", "064310002002"),
        "viernheim.yaml", "ars", "also claimed by tenant 'bensheim'",
    ),
    Broken(
        "invalid-yaml", _tenant_edit("bensheim", "name: Stadt Bensheim", "name: [Stadt"),
        "bensheim.yaml", "", "invalid YAML",
    ),
    Broken(
        "portal-unknown-tenant",
        lambda d: edit(d / "portals.yaml", "tenants: [viernheim]\n", "tenants: [lampertheim]\n"),
        "portals.yaml", "portals.civento-standesamt.tenants.0", "unknown tenant 'lampertheim'",
        "tenants: [lampertheim]",
    ),
    Broken(
        "portal-without-secret",
        lambda d: append(d / "portals.yaml", "  civento-neu:\n    tenants: [mrn]\n"),
        "portals.yaml", "portals.civento-neu.secret", "required field missing",
    ),
]  # fmt: skip


@pytest.mark.parametrize("case", BROKEN, ids=[b.name for b in BROKEN])
def test_broken_config_is_reported_with_file_and_field(config_copy: Path, case: Broken) -> None:
    case.breakage(config_copy)

    problems = [
        p
        for p in problems_of(config_copy)
        if (Path(p.file).name, p.field) == (case.file, case.field)
    ]

    assert 1 == len(problems), problems
    assert case.message in problems[0].message
    if case.line_text is not None:
        sub = "portals.yaml" if case.file == "portals.yaml" else f"tenants/{case.file}"
        assert line_of(config_copy / sub, case.line_text) == problems[0].line


@pytest.mark.parametrize(
    ("breakage", "file", "field_root", "target"),
    [
        (
            _tenant_edit("bensheim", "to: [gewerbe, dms]", "to: [gewerbe, archive]"),
            "bensheim.yaml",
            "routes",
            "archive",
        ),
        (_tenant_append("bensheim", "fallback: print\n"), "bensheim.yaml", "fallback", "print"),
        (
            _tenant_edit("bensheim", 'ars: "064310002002"', 'ars: "064320002002"'),
            "bensheim.yaml",
            "ars",
            "064320002002",
        ),
    ],
    ids=[
        "route-to-undefined-connector",
        "fallback-to-undefined-connector",
        "ars-outside-kreis-of-ags",
    ],
)
def test_cross_field_problem_names_its_field_and_line(
    config_copy: Path, breakage: Breakage, file: str, field_root: str, target: str
) -> None:
    """References between fields are checked outside pydantic, so they keep a location."""
    breakage(config_copy)

    problems = [p for p in problems_of(config_copy) if Path(p.file).name == file]

    assert 1 == len(problems), problems
    assert target in problems[0].message
    assert field_root == problems[0].field.split(".")[0]
    assert problems[0].line is not None


def test_several_problems_in_several_files_are_all_reported_at_once(
    config_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _tenant_append("viernheim", "colour: blue\n")(config_copy)
    _tenant_edit("mrn", "id: mrn", "id: mrn-gmbh")(config_copy)
    _tenant_edit("kreis-bergstrasse", 'ags: "06431000"', 'ags: "0643100"')(config_copy)
    monkeypatch.delenv(PORTAL_SECRET_ENV["civento-standesamt"])

    found = where(problems_of(config_copy))

    assert {
        ("viernheim.yaml", "colour"),
        ("mrn.yaml", "id"),
        ("kreis-bergstrasse.yaml", "ags"),
        ("portals.yaml", "portals.civento-standesamt.secret"),
    } <= found


def test_invalid_tenant_file_is_not_also_reported_as_unknown_tenant(config_copy: Path) -> None:
    """portals.yaml must not call a tenant 'unknown' when its own file is the problem."""
    _tenant_append("viernheim", "colour: blue\n")(config_copy)

    problems = problems_of(config_copy)

    assert [("viernheim.yaml", "colour")] == [(Path(p.file).name, p.field) for p in problems]


def test_problem_text_names_file_line_field_and_message() -> None:
    problem = ConfigProblem("config/tenants/bensheim.yaml", "ags", "bad", 3)

    assert "config/tenants/bensheim.yaml:3: ags: bad" == str(problem)
    assert "config/portals.yaml: (file): unreadable" == str(
        ConfigProblem("config/portals.yaml", "", "unreadable")
    )


def test_missing_directory_and_missing_tenants_are_reported(
    tmp_path: Path, portal_env: dict[str, str]
) -> None:
    assert "configuration directory not found" == problems_of(tmp_path / "nowhere")[0].message

    (tmp_path / "empty" / "tenants").mkdir(parents=True)
    shutil.copy(CONFIG_DIR / "portals.yaml", tmp_path / "empty" / "portals.yaml")
    messages = [p.message for p in problems_of(tmp_path / "empty")]
    assert "no tenant files (*.yaml) found" in messages
