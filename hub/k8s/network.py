"""NetworkPolicies: nothing in or out of a hub pod unless allowed here.

Allowed: DNS, the Kafka brokers, intake from the ingress controller's namespace, metrics
from the monitoring namespace, intake to the tracker (journeys) and tracker to tracker
(faust forwards a journey request to the replica that holds the case), and each HTTP
connector to its own back office's host and port only.
"""

from __future__ import annotations

import ipaddress
import sys

from hub.k8s.labels import Manifest, labels, metadata, part_of, selector
from hub.k8s.options import PART_OF, RenderOptions
from hub.k8s.plan import Egress, Workload

API = "networking.k8s.io/v1"
_NS = "kubernetes.io/metadata.name"


def _policy(name: str, options: RenderOptions, pods: dict[str, str], **spec: object) -> Manifest:
    kinds = [k for k in ("Ingress", "Egress") if k.lower() in spec]
    return {
        "apiVersion": API,
        "kind": "NetworkPolicy",
        "metadata": metadata(name, options.namespace, labels(component="network")),
        "spec": {"podSelector": {"matchLabels": pods}, "policyTypes": kinds, **spec},
    }


def _ns(name: str) -> Manifest:
    return {"namespaceSelector": {"matchLabels": {_NS: name}}}


def _tcp(port: int | str) -> Manifest:
    return {"protocol": "TCP", "port": port}


def shared_policies(workloads: list[Workload], options: RenderOptions) -> list[Manifest]:
    """Default deny, DNS, Kafka, metrics, ingress to intake, intake and tracker to tracker."""
    by_role = {w.role: w for w in workloads if w.role in ("intake", "tracker")}
    intake, tracker = by_role["intake"], by_role["tracker"]
    kafka_pods = {
        **_ns(options.kafka_ns),
        "podSelector": {
            "matchLabels": {"strimzi.io/cluster": options.kafka_cluster, "strimzi.io/kind": "Kafka"}
        },
    }
    return [
        _policy(f"{PART_OF}-default-deny", options, part_of(), ingress=[], egress=[]),
        _policy(
            f"{PART_OF}-allow-dns",
            options,
            part_of(),
            egress=[
                {
                    "to": [
                        {
                            **_ns("kube-system"),
                            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                        }
                    ],
                    "ports": [{"protocol": "UDP", "port": 53}, _tcp(53)],
                }
            ],
        ),
        _policy(
            f"{PART_OF}-allow-kafka",
            options,
            part_of(),
            egress=[{"to": [kafka_pods], "ports": [_tcp(9092), _tcp(9093)]}],
        ),
        _policy(
            f"{PART_OF}-allow-metrics",
            options,
            part_of(),
            ingress=[{"from": [_ns(options.monitoring_namespace)], "ports": [_tcp("http")]}],
        ),
        _policy(
            f"{PART_OF}-intake-from-ingress",
            options,
            selector(intake),
            ingress=[{"from": [_ns(options.ingress_namespace)], "ports": [_tcp("http")]}],
        ),
        _policy(
            f"{PART_OF}-tracker-from-intake",
            options,
            selector(tracker),
            ingress=[
                {
                    "from": [{"podSelector": {"matchLabels": selector(intake)}}],
                    "ports": [_tcp("http")],
                },
                {
                    "from": [{"podSelector": {"matchLabels": selector(tracker)}}],
                    "ports": [_tcp("http")],
                },
            ],
        ),
        _policy(
            f"{PART_OF}-intake-to-tracker",
            options,
            selector(intake),
            egress=[
                {
                    "to": [{"podSelector": {"matchLabels": selector(tracker)}}],
                    "ports": [_tcp(tracker.port)],
                }
            ],
        ),
        _policy(
            f"{PART_OF}-tracker-to-tracker",
            options,
            selector(tracker),
            egress=[
                {
                    "to": [{"podSelector": {"matchLabels": selector(tracker)}}],
                    "ports": [_tcp(tracker.port)],
                }
            ],
        ),
    ]


def _cidr(egress: Egress, options: RenderOptions) -> str | None:
    if egress.host in options.egress_cidrs:
        return options.egress_cidrs[egress.host]
    try:
        address = ipaddress.ip_address(egress.host)
    except ValueError:
        return None
    return f"{address}/{address.max_prefixlen}"


def egress_policy(w: Workload, options: RenderOptions) -> Manifest | None:
    """The connector's way to its back office; None for connectors without an HTTP transport.

    A NetworkPolicy matches addresses, not host names: a host given as an IP address, or
    mapped to a CIDR in ``options.egress_cidrs``, is allowed alone; any other host is
    allowed on its port only (with a warning), which an FQDN-aware CNI policy can narrow.
    """
    if not w.egress:
        return None
    rules = []
    hosts = []
    for e in w.egress:
        cidr = _cidr(e, options)
        rule: Manifest = {"ports": [_tcp(e.port)]}
        if cidr:
            rule = {"to": [{"ipBlock": {"cidr": cidr}}], **rule}
        else:
            print(
                f"warning: {w.tenant}/{w.connector}: no CIDR for {e.host} "
                f"(--egress-cidr {e.host}=CIDR): egress allowed on port {e.port} to any address",
                file=sys.stderr,
            )
        rules.append(rule)
        hosts.append(f"{e.host}:{e.port}")
    policy = _policy(f"{w.name}-egress", options, selector(w), egress=rules)
    policy["metadata"]["annotations"] = {"ikz-hub/egress-hosts": ",".join(hosts)}
    return policy


def registry_policy(options: RenderOptions, host: str, port: int) -> Manifest:
    """Every hub pod to the schema registry (it encodes and decodes every event)."""
    cidr = _cidr(Egress(host, port), options)
    rule: Manifest = {"ports": [_tcp(port)]}
    if cidr:
        rule = {"to": [{"ipBlock": {"cidr": cidr}}], **rule}
    return _policy(f"{PART_OF}-allow-schema-registry", options, part_of(), egress=[rule])
