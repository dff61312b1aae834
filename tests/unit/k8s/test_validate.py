"""Every overlay renders with kustomize and passes kubeconform (custom resources, strict),
kubernetes-validate (core kinds, strict) and checkov; the broken fixture fails all three."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hub.k8s import base_tree, write_tree
from tests.unit.k8s.tools import (
    CORE_GROUPS,
    DEPLOY,
    FIXTURES,
    OVERLAYS,
    checkov,
    core_only,
    documents,
    dump,
    kubeconform,
    kubernetes_validate,
    kustomize_build,
)

TARGETS = (*OVERLAYS, "broken")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each overlay (and the broken fixture) built once into its own file."""
    out = tmp_path_factory.mktemp("built")
    paths = {}
    for name in TARGETS:
        source = FIXTURES / "broken" if name == "broken" else DEPLOY / name
        paths[name] = out / f"{name}.yaml"
        paths[name].write_text(kustomize_build(source), encoding="utf-8")
    return paths


@pytest.fixture(scope="module")
def fresh(built: dict[str, Path]) -> dict[str, list[dict[str, Any]]]:
    """Per overlay, the resources not identical to one of an overlay before it.

    The validators are slow per resource (checkov about 40 ms of CPU, kubernetes-validate
    about 25 ms), and an identical resource gets identical findings.
    """
    seen: set[str] = set()
    out: dict[str, list[dict[str, Any]]] = {}
    for name, path in built.items():
        out[name] = []
        for doc in documents(path.read_text()):
            canonical = json.dumps(doc, sort_keys=True)
            if canonical not in seen:
                seen.add(canonical)
                out[name].append(doc)
    return out


@pytest.fixture(scope="module")
def checkov_report(
    fresh: dict[str, list[dict[str, Any]]], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """One checkov run over every built overlay."""
    out = tmp_path_factory.mktemp("checkov")
    for name, docs in fresh.items():
        (out / f"{name}.yaml").write_text(dump(docs), encoding="utf-8")
    return checkov(out)


def _failed(report: dict[str, Any], name: str) -> list[str]:
    return sorted(
        f"{c['check_id']} {c['resource']}"
        for c in report["results"]["failed_checks"]
        if Path(c["file_path"]).name == f"{name}.yaml"
    )


@pytest.mark.parametrize("name", OVERLAYS)
def test_custom_resources_match_the_operators_schemas(built: dict[str, Path], name: str) -> None:
    result = kubeconform(built[name])
    summary = json.loads(result.stdout)["summary"]
    assert 0 == result.returncode, result.stdout[-3000:]
    assert 0 == summary["invalid"] + summary["errors"]
    kinds = {d["kind"] for d in documents(built[name].read_text())}
    assert {"KafkaTopic", "KafkaUser", "ScaledObject", "TriggerAuthentication"} <= kinds
    # every custom resource was checked against a schema, none skipped
    custom = sum(
        1 for d in documents(built[name].read_text()) if d["apiVersion"] not in CORE_GROUPS
    )
    assert custom == summary["valid"]


def test_core_kinds_match_kubernetes_schemas(
    fresh: dict[str, list[dict[str, Any]]], tmp_path: Path
) -> None:
    paths = []
    for name in OVERLAYS:
        paths.append(tmp_path / f"{name}.yaml")
        paths[-1].write_text(core_only(dump(fresh[name])), encoding="utf-8")
    result = kubernetes_validate(*paths)
    assert 0 == result.returncode, (result.stdout + result.stderr)[-3000:]


@pytest.mark.parametrize("name", OVERLAYS)
def test_checkov_finds_nothing(checkov_report: dict[str, Any], name: str) -> None:
    assert [] == _failed(checkov_report, name)


def test_checkov_saw_every_overlay(checkov_report: dict[str, Any]) -> None:
    files = {Path(c["file_path"]).name for c in checkov_report["results"]["passed_checks"]}
    assert {f"{name}.yaml" for name in TARGETS} <= files


def test_broken_fixture_fails_every_validator(
    built: dict[str, Path], checkov_report: dict[str, Any], tmp_path: Path
) -> None:
    crs = kubeconform(built["broken"])
    assert 0 != crs.returncode
    assert "partition" in crs.stdout
    core = tmp_path / "broken-core.yaml"
    core.write_text(core_only(built["broken"].read_text()), encoding="utf-8")
    assert 0 != kubernetes_validate(core).returncode
    failed = {c.split()[0] for c in _failed(checkov_report, "broken")}
    # privileged, root, no limits, writable root filesystem
    assert {"CKV_K8S_16", "CKV_K8S_11", "CKV_K8S_22"} <= failed


def test_partner_overlay_builds_what_a_base_of_the_merged_configuration_builds(
    built: dict[str, Path], tmp_path: Path
) -> None:
    merged = tmp_path / "config"
    (merged / "tenants").mkdir(parents=True)
    for path in [*(DEPLOY / "base" / "config" / "tenants").glob("*.yaml")]:
        (merged / "tenants" / path.name).write_bytes(path.read_bytes())
    partner = DEPLOY / "partner-lampertheim" / "config"
    for path in (partner / "tenants").glob("*.yaml"):
        (merged / "tenants" / path.name).write_bytes(path.read_bytes())
    (merged / "portals.yaml").write_bytes((partner / "portals.yaml").read_bytes())
    (merged / "mappings").mkdir()
    for path in (DEPLOY / "base" / "config" / "mappings").glob("*.yaml"):
        (merged / "mappings" / path.name).write_bytes(path.read_bytes())
    write_tree(tmp_path / "base", base_tree(merged, monitoring_dir=DEPLOY.parent))

    def index(text: str) -> dict[tuple[str, str], dict[str, Any]]:
        return {(d["kind"], d["metadata"]["name"]): d for d in documents(text)}

    expected = index(kustomize_build(tmp_path / "base"))
    actual = index(built["partner-lampertheim"].read_text())
    assert sorted(expected) == sorted(actual)
    assert [] == [k for k in expected if expected[k] != actual[k]]
