"""The committed kustomize tree is what ``hub k8s render`` makes of ``config/`` now, and a
partner's new connector needs no hand-written YAML."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from hub.k8s import RenderError, base_tree, overlay_tree, write_tree
from hub.runtime.local import PROJECT_ROOT
from tests.unit.k8s.tools import DEPLOY, FIXTURES, documents, kubeconform, kustomize_build

PARTNER = DEPLOY / "partner-lampertheim"
RENDER_HINT = (
    "deploy/k8s is stale: run `hub k8s render --config config --out deploy/k8s/base` and "
    "`hub k8s render --config deploy/k8s/partner-lampertheim/config --base deploy/k8s/base "
    "--out deploy/k8s/partner-lampertheim`"
)


def _on_disk(root: Path, tree: dict[str, str], owned: tuple[str, ...]) -> dict[str, str]:
    files = {"kustomization.yaml", *tree}
    for sub in owned:
        files |= {p.relative_to(root).as_posix() for p in (root / sub).rglob("*") if p.is_file()}
    return {
        f: (root / f).read_text(encoding="utf-8") if (root / f).is_file() else "" for f in files
    }


def test_committed_base_is_what_render_makes_of_config_now() -> None:
    tree = base_tree(PROJECT_ROOT / "config", monitoring_dir=PROJECT_ROOT / "deploy")
    assert tree == _on_disk(DEPLOY / "base", tree, ("config", "connectors", "monitoring")), (
        RENDER_HINT
    )


def test_committed_partner_overlay_is_what_render_makes_of_it_now() -> None:
    tree = overlay_tree(PARTNER / "config", DEPLOY / "base", PARTNER)
    on_disk = _on_disk(PARTNER, tree, ("connectors", "patches"))
    assert tree == on_disk, RENDER_HINT


def _config_copy(tmp_path: Path) -> Path:
    config = tmp_path / "config"
    shutil.copytree(PROJECT_ROOT / "config", config)
    return config


def _index(text: str) -> dict[tuple[str, str], dict[str, Any]]:
    return {(d["kind"], d["metadata"]["name"]): d for d in documents(text)}


def test_a_new_connector_in_a_tenant_file_becomes_its_own_workload(tmp_path: Path) -> None:
    config = _config_copy(tmp_path)
    tenant = config / "tenants" / "mrn.yaml"
    tenant.write_text(
        tenant.read_text(encoding="utf-8").replace(
            "connectors:\n",
            "connectors:\n  ehrenamt_api: {kind: procedure.rest, transport: "
            "{type: http, url: 'https://192.0.2.44:8443/import'}}\n",
        ),
        encoding="utf-8",
    )
    before = _index(kustomize_build(_written(tmp_path / "before", PROJECT_ROOT / "config")))
    after = _index(kustomize_build(_written(tmp_path / "after", config)))
    name = "ikz-hub-connector-mrn-ehrenamt-api"
    added = set(after) - set(before)
    assert {
        ("Deployment", name),
        ("KafkaUser", name),
        ("ScaledObject", name),
        ("TriggerAuthentication", name),
        ("PodDisruptionBudget", name),
        ("NetworkPolicy", f"{name}-egress"),
        ("KafkaTopic", "hub.deliveries.mrn.ehrenamt-api"),
        ("KafkaTopic", "hub-connector-mrn-ehrenamt-api-delivery-states-changelog"),
    } <= added
    topic = after[("KafkaTopic", "hub.deliveries.mrn.ehrenamt-api")]
    assert "hub.deliveries.mrn.ehrenamt_api" == topic["spec"]["topicName"]
    env = {
        e["name"]: e.get("value")
        for e in after[("Deployment", name)]["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    assert "mrn/ehrenamt_api" == env["HUB_CONNECTORS"]
    egress = after[("NetworkPolicy", f"{name}-egress")]["spec"]["egress"]
    assert [
        {
            "to": [{"ipBlock": {"cidr": "192.0.2.44/32"}}],
            "ports": [{"protocol": "TCP", "port": 8443}],
        }
    ] == egress
    # the router may now write the new topic; nobody else's rights changed
    router = {
        a["resource"]["name"]
        for a in after[("KafkaUser", "ikz-hub-router")]["spec"]["authorization"]["acls"]
    }
    assert "hub.deliveries.mrn.ehrenamt_api" in router
    assert before[("KafkaUser", "ikz-hub-tracker")] == after[("KafkaUser", "ikz-hub-tracker")]
    # the tenant ConfigMap's name changes with its content, so every pod rolls
    assert _configmap(before, "ikz-hub-tenants") != _configmap(after, "ikz-hub-tenants")


def _written(out: Path, config: Path) -> Path:
    write_tree(out, base_tree(config))
    return out


def _configmap(index: dict[tuple[str, str], dict[str, Any]], prefix: str) -> str:
    (name,) = [n for kind, n in index if kind == "ConfigMap" and n.startswith(prefix)]
    return name


def test_base_references_the_prometheus_rule_and_the_dashboard(tmp_path: Path) -> None:
    out = tmp_path / "base"
    write_tree(out, base_tree(PROJECT_ROOT / "config", monitoring_dir=FIXTURES / "monitoring"))
    built = kustomize_build(out)
    index = _index(built)
    rule = index[("PrometheusRule", "ikz-hub")]
    assert "ikz-hub" == rule["metadata"]["namespace"]
    dashboard = index[("ConfigMap", _configmap(index, "ikz-hub-dashboard"))]
    assert "1" == dashboard["metadata"]["labels"]["grafana_dashboard"]
    assert "ikz-hub-test" in dashboard["data"]["hub-dashboard.json"]
    (out / "built.yaml").write_text(built, encoding="utf-8")
    assert 0 == kubeconform(out / "built.yaml").returncode


def test_an_overlay_never_takes_a_tenant_the_base_has(tmp_path: Path) -> None:
    out = tmp_path / "overlay"
    (out / "config" / "tenants").mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / "config" / "tenants" / "mrn.yaml", out / "config" / "tenants")
    with pytest.raises(RenderError, match="already in the base"):
        overlay_tree(out / "config", DEPLOY / "base", out)


@pytest.mark.parametrize(
    ("overlay", "partitions", "max_replicas", "intake_replicas"),
    [("base", 6, 6, 2), ("dev", 6, 1, 1), ("prod", 12, 12, 3), ("partner-lampertheim", 6, 6, 2)],
)
def test_overlays_keep_replicas_within_the_partitions(
    overlay: str, partitions: int, max_replicas: int, intake_replicas: int
) -> None:
    index = _index(kustomize_build(DEPLOY / overlay))
    topics = [d for (kind, _), d in index.items() if kind == "KafkaTopic"]
    assert {partitions} == {t["spec"]["partitions"] for t in topics}
    scaled = [d for (kind, _), d in index.items() if kind == "ScaledObject"]
    assert {max_replicas} == {s["spec"]["maxReplicaCount"] for s in scaled}
    assert max_replicas <= partitions
    assert intake_replicas == index[("Deployment", "ikz-hub-intake")]["spec"]["replicas"]
    for (kind, _), d in index.items():
        if kind == "Deployment":
            env = {
                e["name"]: e.get("value")
                for e in d["spec"]["template"]["spec"]["containers"][0]["env"]
            }
            # faust's tables are partitioned like their source topics
            assert str(partitions) == env["HUB_PARTITIONS"]
