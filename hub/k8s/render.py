"""Manifests from a configuration: which resources, in which files (pure, deterministic)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from hub.config import HubConfig, load_config
from hub.config.secrets import SecretRef
from hub.k8s import kafka, monitoring, network, pods
from hub.k8s.labels import Manifest, labels
from hub.k8s.options import RenderOptions
from hub.k8s.plan import Workload, plan, topic_specs

#: ``${HUB_VAR_DIR}`` in tenant files means the pods' drop directory; no other variable of
#: the renderer's own environment may leak into the manifests
RENDER_ENV = {"HUB_VAR_DIR": pods.DROP_DIR}


@contextmanager
def _render_environment() -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(RENDER_ENV)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def load_for_render(config_dir: Path) -> HubConfig:
    """The configuration as the pods will see it (secrets need not be present here)."""
    with _render_environment():
        return load_config(config_dir, require_secrets=False)


@dataclass(frozen=True)
class Manifests:
    """Rendered resources by file name (relative to the kustomization), in a stable order."""

    files: dict[str, list[Manifest]] = field(default_factory=dict)

    def resources(self) -> Iterator[Manifest]:
        """Every resource of every file."""
        for docs in self.files.values():
            yield from docs


def workload_file(w: Workload) -> str:
    """The file a workload's resources go to (one per connector instance)."""
    return f"connectors/{w.name}.yaml" if w.role == "connector" else f"{w.role}.yaml"


def _namespace(options: RenderOptions) -> Manifest:
    restricted = "restricted"
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": options.namespace,
            "labels": {
                **labels(component="namespace"),
                # the API server refuses any pod that is not restricted
                "pod-security.kubernetes.io/enforce": restricted,
                "pod-security.kubernetes.io/enforce-version": "latest",
                "pod-security.kubernetes.io/warn": restricted,
                "pod-security.kubernetes.io/audit": restricted,
            },
        },
    }


def _workload_resources(
    w: Workload, options: RenderOptions, refs: list[tuple[str, SecretRef]]
) -> list[Manifest]:
    docs = [pods.deployment(w, options, refs)]
    if w.role in monitoring.WITH_SERVICE:
        docs.append(pods.service(w, options))
    docs.append(pods.pod_disruption_budget(w, options))
    docs.append(kafka.kafka_user(w, options))
    if w.consumes:
        docs += [kafka.trigger_authentication(w, options), kafka.scaled_object(w, options)]
    egress = network.egress_policy(w, options)
    if egress is not None:
        docs.append(egress)
    docs += [
        pods.claim(pods.drop_claim(w, i), options.drop_storage, options, w.role)
        for i in range(len(w.drop_dirs))
    ]
    return docs


def render(config: HubConfig, options: RenderOptions | None = None) -> Manifests:
    """Every resource of a hub with this configuration, except the generated ConfigMaps."""
    options = options or RenderOptions()
    workloads = plan(config, options)
    refs = pods.secret_refs(workloads, options)
    files: dict[str, list[Manifest]] = {
        "namespace.yaml": [
            _namespace(options),
            pods.service_account(options),
            pods.claim(pods.BLOB_PVC, options.blob_storage, options, "storage"),
        ],
        "kafka-topics.yaml": [
            kafka.kafka_topic(t, options)
            for t in sorted(topic_specs(config, options, workloads), key=lambda t: t.name)
        ],
    }
    for w in workloads:
        files[workload_file(w)] = _workload_resources(w, options, refs[w.name])
    policies = network.shared_policies(workloads, options)
    if options.schema_registry_url:
        url = urlsplit(options.schema_registry_url)
        port = url.port or (443 if url.scheme == "https" else 80)
        policies.append(network.registry_policy(options, url.hostname or "", port))
    files["network-policies.yaml"] = policies
    files["monitoring.yaml"] = [
        monitoring.service_monitor(options),
        monitoring.pod_monitor(options),
    ]
    return Manifests(dict(sorted(files.items())))
