"""Prometheus Operator scrape targets: a ServiceMonitor for the roles with a Service
(intake, tracker), a PodMonitor for the others (router, connectors, notifier).

Every replica keeps its own metrics, so each pod is scraped (a Service scrape through one
endpoint per pod, never through the virtual IP).
"""

from __future__ import annotations

from hub.k8s.labels import Manifest, labels, metadata
from hub.k8s.options import PART_OF, RenderOptions

API = "monitoring.coreos.com/v1"
WITH_SERVICE = ("intake", "tracker")


def _endpoint() -> Manifest:
    return {"port": "http", "path": "/metrics", "interval": "30s", "scrapeTimeout": "10s"}


def _roles(operator: str, roles: list[str]) -> Manifest:
    return {
        "matchLabels": {"app.kubernetes.io/part-of": PART_OF},
        "matchExpressions": [
            {"key": "app.kubernetes.io/component", "operator": operator, "values": roles}
        ],
    }


def service_monitor(options: RenderOptions) -> Manifest:
    """Scrape intake and tracker pods through their Services' endpoints."""
    return {
        "apiVersion": API,
        "kind": "ServiceMonitor",
        "metadata": metadata(PART_OF, options.namespace, labels(component="monitoring")),
        "spec": {
            "selector": _roles("In", list(WITH_SERVICE)),
            "namespaceSelector": {"matchNames": [options.namespace]},
            "endpoints": [_endpoint()],
        },
    }


def pod_monitor(options: RenderOptions) -> Manifest:
    """Scrape the pods of the roles without a Service."""
    return {
        "apiVersion": API,
        "kind": "PodMonitor",
        "metadata": metadata(PART_OF, options.namespace, labels(component="monitoring")),
        "spec": {
            "selector": _roles("NotIn", list(WITH_SERVICE)),
            "namespaceSelector": {"matchNames": [options.namespace]},
            "podMetricsEndpoints": [_endpoint()],
        },
    }
