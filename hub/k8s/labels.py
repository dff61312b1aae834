"""The recommended ``app.kubernetes.io/*`` labels, and the selectors built from them."""

from __future__ import annotations

from typing import Any

from hub import __version__
from hub.k8s.options import LABEL_CONNECTOR, LABEL_TENANT, PART_OF
from hub.k8s.plan import Workload

Manifest = dict[str, Any]


def selector(w: Workload) -> dict[str, str]:
    """Labels that pick the pods of one workload (stable across versions)."""
    return {"app.kubernetes.io/name": PART_OF, "app.kubernetes.io/instance": w.name}


def labels(w: Workload | None = None, *, component: str | None = None) -> dict[str, str]:
    """All recommended labels of a workload's resources (or of shared ones: ``w`` None)."""
    out = {
        "app.kubernetes.io/name": PART_OF,
        "app.kubernetes.io/part-of": PART_OF,
        "app.kubernetes.io/version": __version__,
        "app.kubernetes.io/managed-by": "kustomize",
    }
    if w is not None:
        out["app.kubernetes.io/instance"] = w.name
        out["app.kubernetes.io/component"] = w.role
        if w.tenant:
            out[LABEL_TENANT] = w.tenant
        if w.connector:
            out[LABEL_CONNECTOR] = w.connector.replace("_", "-")
    elif component:
        out["app.kubernetes.io/component"] = component
    return dict(sorted(out.items()))


def metadata(name: str, namespace: str, lbls: dict[str, str], **extra: Any) -> Manifest:
    """``metadata`` of a namespaced resource."""
    return {"name": name, "namespace": namespace, "labels": lbls, **extra}


def part_of() -> dict[str, str]:
    """Selector for every pod of the hub."""
    return {"app.kubernetes.io/part-of": PART_OF}
