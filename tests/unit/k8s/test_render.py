"""What ``hub k8s render`` emits from the project's configuration (pure, no tools)."""

from __future__ import annotations

from typing import Any

import pytest

from hub.config import HubConfig
from hub.events.topics import Topics
from hub.k8s import RenderOptions, load_for_render, plan, render
from hub.k8s.kustomize import dump
from hub.k8s.render import Manifests
from hub.kafka.topics import declared_topics
from hub.runtime.local import PROJECT_ROOT

OPTIONS = RenderOptions()


@pytest.fixture(scope="module")
def config() -> HubConfig:
    return load_for_render(PROJECT_ROOT / "config")


@pytest.fixture(scope="module")
def manifests(config: HubConfig) -> Manifests:
    return render(config, OPTIONS)


def of_kind(manifests: Manifests, kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in manifests.resources() if d["kind"] == kind}


def test_rendering_twice_gives_the_same_text(config: HubConfig, manifests: Manifests) -> None:
    again = render(load_for_render(PROJECT_ROOT / "config"), OPTIONS)
    assert dump(manifests.resources()) == dump(again.resources())


def test_one_deployment_per_role_and_per_connector_instance(
    config: HubConfig, manifests: Manifests
) -> None:
    instances = {
        f"ikz-hub-connector-{t.id}-{c}" for t in config.tenants.values() for c in t.connectors
    }
    expected = {
        "ikz-hub-intake",
        "ikz-hub-router",
        "ikz-hub-tracker",
        "ikz-hub-notifier",
        *instances,
    }
    deployments = of_kind(manifests, "Deployment")
    assert expected == set(deployments)
    env = {
        e["name"]: e.get("value")
        for e in deployments["ikz-hub-connector-bensheim-dms"]["spec"]["template"]["spec"][
            "containers"
        ][0]["env"]
    }
    assert "bensheim/dms" == env["HUB_CONNECTORS"]
    assert ["connector"] == deployments["ikz-hub-connector-bensheim-dms"]["spec"]["template"][
        "spec"
    ]["containers"][0]["args"]


def test_every_declared_topic_is_a_kafka_topic_with_its_settings(
    config: HubConfig, manifests: Manifests
) -> None:
    groups = {
        "tracker": ["hub-tracker"],
        "notifier": ["hub-notifier"],
        "connector": sorted(
            f"hub-connector-{t.id}-{c}" for t in config.tenants.values() for c in t.connectors
        ),
    }
    declared = declared_topics(
        Topics("hub"),
        config,
        partitions=OPTIONS.partitions,
        replication=OPTIONS.replication,
        app_ids=groups,
    )
    topics = {
        d["spec"].get("topicName", d["metadata"]["name"]): d["spec"]
        for d in manifests.resources()
        if d["kind"] == "KafkaTopic"
    }
    assert {t.name for t in declared} == set(topics)
    for spec in declared:
        assert spec.configs() == topics[spec.name]["config"]
        assert (spec.partitions, spec.replication) == (
            topics[spec.name]["partitions"],
            topics[spec.name]["replicas"],
        )
    assert "hub-tracker-journeys-changelog" in topics
    assert (
        "compact"
        == topics["hub-connector-bensheim-dms-delivery_states-changelog"]["config"][
            "cleanup.policy"
        ]
    )
    for d in manifests.resources():
        if d["kind"] in ("KafkaTopic", "KafkaUser"):
            assert "kafka.strimzi.io/v1" == d["apiVersion"]
            assert "hub" == d["metadata"]["labels"]["strimzi.io/cluster"]


def _grants(user: dict[str, Any]) -> set[tuple[str, str, str, str]]:
    return {
        (acl["resource"]["type"], acl["resource"]["name"], acl["resource"]["patternType"], op)
        for acl in user["spec"]["authorization"]["acls"]
        for op in acl["operations"]
    }


def test_a_connector_user_may_touch_only_its_own_topics_and_group(manifests: Manifests) -> None:
    user = of_kind(manifests, "KafkaUser")["ikz-hub-connector-bensheim-dms"]
    grants = _grants(user)
    assert "scram-sha-512" == user["spec"]["authentication"]["type"]
    assert ("topic", "hub.deliveries.bensheim.dms", "literal", "Read") in grants
    assert ("group", "hub-connector-bensheim-dms", "literal", "Read") in grants
    assert ("topic", "hub.deliveries.outcomes", "literal", "Write") in grants
    assert (
        "topic",
        "hub-connector-bensheim-dms-delivery_states-changelog",
        "literal",
        "Write",
    ) in grants
    readable = {name for kind, name, _, op in grants if kind == "topic" and op == "Read"}
    assert {
        "hub.deliveries.bensheim.dms",
        "hub-connector-bensheim-dms-delivery_states-changelog",
        "hub-connector-bensheim-dms-__assignor-__leader",
    } == readable
    writable = {name for kind, name, _, op in grants if op in ("Write", "Create", "All")}
    assert not any("viernheim" in name or name.endswith("submitted") for name in writable)
    assert all(p == "literal" or op == "Describe" for _, _, p, op in grants)


def test_intake_writes_submissions_and_invoices_and_reads_nothing(manifests: Manifests) -> None:
    grants = _grants(of_kind(manifests, "KafkaUser")["ikz-hub-intake"])
    assert {
        ("topic", "hub.applications.submitted", "literal", "Write"),
        ("topic", "hub.applications.submitted", "literal", "Describe"),
        ("topic", "hub.invoices.received", "literal", "Write"),
        ("topic", "hub.invoices.received", "literal", "Describe"),
    } == grants


def test_consumer_roles_scale_on_lag_up_to_the_partitions(manifests: Manifests) -> None:
    scaled = of_kind(manifests, "ScaledObject")
    assert set(of_kind(manifests, "Deployment")) - {"ikz-hub-intake"} == set(scaled)
    for name, so in scaled.items():
        assert (
            1
            <= so["spec"]["minReplicaCount"]
            <= so["spec"]["maxReplicaCount"]
            <= OPTIONS.partitions
        )
        trigger = so["spec"]["triggers"][0]
        assert "kafka" == trigger["type"]
        assert name == trigger["authenticationRef"]["name"]
    assert (
        "hub.deliveries.viernheim.dms"
        == scaled["ikz-hub-connector-viernheim-dms"]["spec"]["triggers"][0]["metadata"]["topic"]
    )
    assert (
        "hub-router" == scaled["ikz-hub-router"]["spec"]["triggers"][0]["metadata"]["consumerGroup"]
    )
    # a Deployment KEDA scales must not fight it with a replica count of its own
    assert "replicas" not in of_kind(manifests, "Deployment")["ikz-hub-router"]["spec"]


def test_every_pod_runs_restricted(manifests: Manifests) -> None:
    for name, d in of_kind(manifests, "Deployment").items():
        pod = d["spec"]["template"]["spec"]
        assert pod["automountServiceAccountToken"] is False, name
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] >= 10000
        assert "RuntimeDefault" == pod["securityContext"]["seccompProfile"]["type"]
        (container,) = pod["containers"]
        sc = container["securityContext"]
        assert sc["allowPrivilegeEscalation"] is False
        assert sc["readOnlyRootFilesystem"] is True
        assert ["ALL"] == sc["capabilities"]["drop"]
        mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
        volumes = {v["name"]: v for v in pod["volumes"]}
        assert "emptyDir" in volumes[mounts["/tmp"]]
        assert "emptyDir" in volumes[mounts["/var/lib/hub/data"]]
        assert {"requests", "limits"} == set(container["resources"])
        assert {"livenessProbe", "readinessProbe", "startupProbe"} <= set(container)


def test_liveness_timeouts_outlast_what_healthz_can_take(manifests: Manifests) -> None:
    deployments = of_kind(manifests, "Deployment")
    intake = deployments["ikz-hub-intake"]["spec"]["template"]["spec"]["containers"][0]
    tracker = deployments["ikz-hub-tracker"]["spec"]["template"]["spec"]["containers"][0]
    assert "/healthz" == intake["livenessProbe"]["httpGet"]["path"]
    assert "/readyz" == intake["readinessProbe"]["httpGet"]["path"]
    # intake's /readyz waits up to 2 s for the broker; its /healthz answers from memory
    assert intake["readinessProbe"]["timeoutSeconds"] > 2
    # a stage role's /healthz may wait 5 s for committed offsets and 5 s for a watermark
    assert tracker["livenessProbe"]["timeoutSeconds"] > 10
    assert tracker["livenessProbe"]["periodSeconds"] >= tracker["livenessProbe"]["timeoutSeconds"]


def test_secrets_are_referenced_never_included(manifests: Manifests) -> None:
    assert [] == [d for d in manifests.resources() if d["kind"] == "Secret"]
    intake = of_kind(manifests, "Deployment")["ikz-hub-intake"]["spec"]["template"]["spec"]
    env = {e["name"]: e for e in intake["containers"][0]["env"]}
    ref = env["HUB_PORTAL_CIVENTO_HESSEN_SECRET"]["valueFrom"]["secretKeyRef"]
    assert {"name": "ikz-hub-portal-secrets", "key": "HUB_PORTAL_CIVENTO_HESSEN_SECRET"} == ref
    assert {"name": "ikz-hub-intake", "key": "password"} == env["HUB_KAFKA_SASL_PASSWORD"][
        "valueFrom"
    ]["secretKeyRef"]


def test_the_renderers_environment_does_not_leak(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_VAR_DIR", "/home/someone/var")
    manifests = render(load_for_render(PROJECT_ROOT / "config"), OPTIONS)
    assert "/home/someone" not in dump(manifests.resources())
    dms = of_kind(manifests, "Deployment")["ikz-hub-connector-bensheim-dms"]
    mounts = {
        m["mountPath"] for m in dms["spec"]["template"]["spec"]["containers"][0]["volumeMounts"]
    }
    assert "/var/lib/hub/drop/bensheim/dms" in mounts


def test_network_is_denied_by_default_and_opened_per_purpose(manifests: Manifests) -> None:
    policies = of_kind(manifests, "NetworkPolicy")
    deny = policies["ikz-hub-default-deny"]["spec"]
    assert ([], []) == (deny["ingress"], deny["egress"])
    assert {"Ingress", "Egress"} == set(deny["policyTypes"])
    ingress = policies["ikz-hub-intake-from-ingress"]["spec"]["ingress"][0]["from"][0]
    assert {"kubernetes.io/metadata.name": "ingress-nginx"} == ingress["namespaceSelector"][
        "matchLabels"
    ]
    metrics = policies["ikz-hub-allow-metrics"]["spec"]["ingress"][0]["from"][0]
    assert {"kubernetes.io/metadata.name": "monitoring"} == metrics["namespaceSelector"][
        "matchLabels"
    ]
    dns = policies["ikz-hub-allow-dns"]["spec"]["egress"][0]["ports"]
    assert {("UDP", 53), ("TCP", 53)} == {(p["protocol"], p["port"]) for p in dns}
    # only the connectors that talk to a host (the HTTP procedures) may leave the cluster
    assert {
        "ikz-hub-connector-bensheim-gewerbe-egress",
        "ikz-hub-connector-viernheim-standesamt-egress",
    } == {name for name in policies if name.endswith("-egress")}


def test_recommended_labels_on_every_resource(manifests: Manifests) -> None:
    for d in manifests.resources():
        labels = d["metadata"]["labels"]
        assert "ikz-hub" == labels["app.kubernetes.io/part-of"], d["metadata"]["name"]
        assert {
            "app.kubernetes.io/name",
            "app.kubernetes.io/version",
            "app.kubernetes.io/managed-by",
        } <= set(labels)


def test_notifier_gets_its_own_workload_when_the_runtime_has_it(config: HubConfig) -> None:
    names = {w.name: w for w in plan(config, OPTIONS, notifier=True)}
    notifier = names["ikz-hub-notifier"]
    assert "hub-notifier" == notifier.group
    assert ("hub.deadletter",) == notifier.writes
    assert "ikz-hub-notifier" not in {w.name for w in plan(config, OPTIONS, notifier=False)}
