"""Deployments, their Services, disruption budgets and volumes.

Every pod runs restricted: non-root UID 10001, no privilege escalation, no capabilities,
the runtime's seccomp profile, a read-only root filesystem with ``/tmp`` and the data
directory on emptyDirs, and no service account token. Secrets are referenced (by name and
key), never rendered.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Iterable

from hub.config.secrets import SecretRef
from hub.k8s.labels import Manifest, labels, metadata, selector
from hub.k8s.options import PART_OF, RenderOptions
from hub.k8s.plan import Workload

UID = 10001
WORKDIR = "/var/lib/hub"  # the image's WORKDIR: relative transport paths start here
CONFIG_DIR = "/etc/hub/config"
DATA_DIR = f"{WORKDIR}/data"
SHARED_DIR = f"{WORKDIR}/shared"  # the blob PVC: blobs, and intake's receipts
DROP_DIR = f"{WORKDIR}/drop"  # HUB_VAR_DIR: directory transports live below it
CA_DIR = "/etc/hub/kafka-ca"
BLOB_PVC = f"{PART_OF}-blobs"
PORTAL_SECRET = f"{PART_OF}-portal-secrets"
TENANTS_CONFIGMAP = f"{PART_OF}-tenants"
PORTALS_CONFIGMAP = f"{PART_OF}-portals"
MAPPINGS_CONFIGMAP = f"{PART_OF}-mappings"  # config/mappings/*.yaml, read by procedure connectors
SERVICE_ACCOUNT = PART_OF


def credentials_secret(w: Workload) -> str:
    """The operator-made Secret holding a connector's back-office credentials."""
    return f"{w.name}-credentials"


def tracker_url(options: RenderOptions) -> str:
    """Where intake asks the tracker for journeys (its Service)."""
    return f"http://{PART_OF}-tracker.{options.namespace}.svc:6066"


def _kafka_env(w: Workload, options: RenderOptions) -> list[Manifest]:
    # SCRAM-SHA-512 over the TLS listener; the dev overlay switches to the plain listener
    return [
        {"name": "HUB_KAFKA_BOOTSTRAP", "value": options.bootstrap},
        {"name": "HUB_KAFKA_SECURITY_PROTOCOL", "value": "SASL_SSL"},
        {"name": "HUB_KAFKA_SASL_MECHANISM", "value": "SCRAM-SHA-512"},
        {"name": "HUB_KAFKA_SASL_USERNAME", "value": w.user},
        {
            "name": "HUB_KAFKA_SASL_PASSWORD",
            "valueFrom": {"secretKeyRef": {"name": w.user, "key": "password"}},
        },
        {"name": "HUB_KAFKA_SSL_CA_LOCATION", "value": f"{CA_DIR}/ca.crt"},
    ]


def _env(w: Workload, options: RenderOptions, refs: list[tuple[str, SecretRef]]) -> list[Manifest]:
    plain = {
        "HUB_APP_ID": options.app_id,
        "HUB_TOPIC_PREFIX": options.topic_prefix,
        "HUB_PARTITIONS": str(options.partitions),
        "HUB_REPLICATION_FACTOR": str(options.replication),
        "HUB_CONFIG_DIR": CONFIG_DIR,
        "HUB_DATA_DIR": f"{SHARED_DIR}/data" if w.role == "intake" else DATA_DIR,
        "HUB_BLOB_DIR": f"{SHARED_DIR}/blobs",
        "HUB_VAR_DIR": DROP_DIR,
        "HUB_LOG_FORMAT": "json",
        "TMPDIR": "/tmp",  # noqa: S108  (an emptyDir: the root filesystem is read-only)
    }
    if w.role == "intake":
        plain |= {
            "HUB_INTAKE_HOST": "0.0.0.0",  # noqa: S104  (inside the pod; NetworkPolicies limit it)
            "HUB_INTAKE_PORT": str(w.port),
            "HUB_TRACKER_URL": tracker_url(options),
        }
    else:
        plain |= {"HUB_WEB_HOST": "0.0.0.0", "HUB_WEB_PORT": str(w.port)}  # noqa: S104
    if options.schema_registry_url:
        plain["HUB_SCHEMA_REGISTRY_URL"] = options.schema_registry_url
    plain |= dict(w.env)
    env: list[Manifest] = [{"name": k, "value": v} for k, v in sorted(plain.items())]
    env += _kafka_env(w, options)
    for secret, ref in refs:
        if ref.env:
            env.append(
                {"name": ref.env, "valueFrom": {"secretKeyRef": {"name": secret, "key": ref.env}}}
            )
    return env


def _probe(path: str, timeout: int, period: int, failures: int) -> Manifest:
    return {
        "httpGet": {"path": path, "port": "http"},
        "timeoutSeconds": timeout,
        "periodSeconds": period,
        "failureThreshold": failures,
    }


def probes(w: Workload) -> Manifest:
    """Liveness, readiness and start-up probes with timeouts the endpoints fit in.

    intake's ``/healthz`` answers from memory (measured: 0.01 s with the broker down);
    ``/readyz`` asks the broker with a 2 s timeout. A stage role's ``/healthz`` asks the
    broker for lag (5 s timeout for committed offsets, 5 s for a watermark) and answers
    without lag when that fails, so it takes at most ~10 s; its start-up includes faust's
    table recovery from the changelog.
    """
    if w.role == "intake":
        return {
            "startupProbe": _probe("/healthz", 2, 2, 30),
            "livenessProbe": _probe("/healthz", 2, 10, 3),
            "readinessProbe": _probe("/readyz", 4, 10, 3),
        }
    return {
        "startupProbe": _probe("/healthz", 15, 5, 36),
        "livenessProbe": _probe("/healthz", 15, 30, 3),
        "readinessProbe": _probe("/readyz", 3, 10, 3),
    }


def _secret_volumes(refs: Iterable[tuple[str, SecretRef]]) -> tuple[list[Manifest], list[Manifest]]:
    """File references grouped by directory: one projected volume per directory."""
    by_dir: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for secret, ref in refs:
        if ref.file is not None:
            path = posixpath.join(WORKDIR, ref.file.as_posix())
            by_dir[posixpath.dirname(path)].append((secret, posixpath.basename(path)))
    volumes, mounts = [], []
    for i, (directory, files) in enumerate(sorted(by_dir.items())):
        name = f"secret-files-{i}"
        sources = [
            {"secret": {"name": secret, "items": [{"key": key, "path": key}]}}
            for secret, key in sorted(files)
        ]
        volumes.append({"name": name, "projected": {"sources": sources, "defaultMode": 0o440}})
        mounts.append({"name": name, "mountPath": directory, "readOnly": True})
    return volumes, mounts


def _volumes(
    w: Workload, options: RenderOptions, refs: list[tuple[str, SecretRef]]
) -> tuple[list[Manifest], list[Manifest]]:
    volumes: list[Manifest] = [
        {"name": "tmp", "emptyDir": {"sizeLimit": "256Mi"}},
        {"name": "data", "emptyDir": {"sizeLimit": "2Gi"}},
        {"name": "tenants", "configMap": {"name": TENANTS_CONFIGMAP}},
        {"name": "portals", "configMap": {"name": PORTALS_CONFIGMAP}},
        {"name": "mappings", "configMap": {"name": MAPPINGS_CONFIGMAP}},
        {"name": "kafka-ca", "secret": {"secretName": options.cluster_ca_secret}},
    ]
    mounts: list[Manifest] = [
        {"name": "tmp", "mountPath": "/tmp"},  # noqa: S108
        {"name": "data", "mountPath": DATA_DIR},
        {"name": "tenants", "mountPath": f"{CONFIG_DIR}/tenants", "readOnly": True},
        # a subPath mount is not refreshed, but the generated name changes with the content,
        # so every change rolls the pods anyway
        {
            "name": "portals",
            "mountPath": f"{CONFIG_DIR}/portals.yaml",
            "subPath": "portals.yaml",
            "readOnly": True,
        },
        {"name": "mappings", "mountPath": f"{CONFIG_DIR}/mappings", "readOnly": True},
        {"name": "kafka-ca", "mountPath": CA_DIR, "readOnly": True},
    ]
    if w.role in ("intake", "connector"):
        volumes.append({"name": "shared", "persistentVolumeClaim": {"claimName": BLOB_PVC}})
        # connectors only read attachments; intake writes blobs and receipts
        mounts.append({"name": "shared", "mountPath": SHARED_DIR, "readOnly": w.role != "intake"})
    for i, path in enumerate(w.drop_dirs):
        name = f"drop-{i}"
        volumes.append({"name": name, "persistentVolumeClaim": {"claimName": drop_claim(w, i)}})
        mounts.append({"name": name, "mountPath": posixpath.join(WORKDIR, path)})
    sv, sm = _secret_volumes(refs)
    return volumes + sv, mounts + sm


def drop_claim(w: Workload, index: int) -> str:
    """The PVC of a directory transport (the back office's import share)."""
    return f"{w.name}-drop" if index == 0 else f"{w.name}-drop-{index}"


def deployment(w: Workload, options: RenderOptions, refs: list[tuple[str, SecretRef]]) -> Manifest:
    """The Deployment of one workload."""
    volumes, mounts = _volumes(w, options, refs)
    container = {
        "name": "hub",
        "image": options.image,
        "imagePullPolicy": "Always",
        "args": [w.role],
        "workingDir": WORKDIR,
        "ports": [{"name": "http", "containerPort": w.port, "protocol": "TCP"}],
        "env": _env(w, options, refs),
        "resources": options.resources[w.role].manifest(),
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "privileged": False,
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "runAsUser": UID,
            "runAsGroup": UID,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        **probes(w),
        "volumeMounts": mounts,
    }
    spec: Manifest = {
        "selector": {"matchLabels": selector(w)},
        "strategy": {
            "type": "RollingUpdate",
            "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1},
        },
        "template": {
            "metadata": {"labels": labels(w)},
            "spec": {
                "serviceAccountName": SERVICE_ACCOUNT,
                "automountServiceAccountToken": False,
                "enableServiceLinks": False,
                # faust commits and leaves its group on SIGTERM; intake drains requests
                "terminationGracePeriodSeconds": 60,
                "securityContext": {
                    "runAsNonRoot": True,
                    "runAsUser": UID,
                    "runAsGroup": UID,
                    "fsGroup": UID,
                    "seccompProfile": {"type": "RuntimeDefault"},
                },
                "containers": [container],
                "volumes": volumes,
            },
        },
    }
    if not w.consumes:  # the consumer roles' replicas belong to their ScaledObject
        spec = {"replicas": options.intake_replicas, **spec}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata(w.name, options.namespace, labels(w)),
        "spec": spec,
    }


def pod_disruption_budget(w: Workload, options: RenderOptions) -> Manifest:
    """At most one pod of a workload down for voluntary disruptions (a drain never blocks)."""
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": metadata(w.name, options.namespace, labels(w)),
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": selector(w)}},
    }


def service(w: Workload, options: RenderOptions) -> Manifest:
    """A ClusterIP Service in front of a workload's HTTP port."""
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(w.name, options.namespace, labels(w)),
        "spec": {
            "type": "ClusterIP",
            "selector": selector(w),
            "ports": [{"name": "http", "port": w.port, "targetPort": "http", "protocol": "TCP"}],
        },
    }


def service_account(options: RenderOptions) -> Manifest:
    """The hub's own service account: no token mounted, no API access granted."""
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": metadata(SERVICE_ACCOUNT, options.namespace, labels()),
        "automountServiceAccountToken": False,
    }


def claim(name: str, size: str, options: RenderOptions, component: str) -> Manifest:
    """A ReadWriteMany volume claim (storage class: the cluster's default, or an overlay's)."""
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": metadata(name, options.namespace, labels(component=component)),
        "spec": {"accessModes": ["ReadWriteMany"], "resources": {"requests": {"storage": size}}},
    }


def secret_refs(
    workloads: list[Workload], options: RenderOptions
) -> dict[str, list[tuple[str, SecretRef]]]:
    """Per workload, the (Secret name, reference) pairs it gets."""
    own = {
        w.name: [
            (PORTAL_SECRET if w.role in ("intake", "notifier") else credentials_secret(w), ref)
            for ref in w.secrets
        ]
        for w in workloads
    }
    if options.secrets_per_role:
        return own
    every = sorted({pair for pairs in own.values() for pair in pairs}, key=_ref_key)
    return {w.name: every for w in workloads}


def _ref_key(pair: tuple[str, SecretRef]) -> tuple[str, str]:
    return pair[0], pair[1].describe()
