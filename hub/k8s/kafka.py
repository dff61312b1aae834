"""Strimzi topics and users, and KEDA scalers on consumer lag.

Topics come from :func:`hub.kafka.topics.declared_topics` (the one declaration); users get
least-privilege ACLs derived from what each workload reads and writes.
"""

from __future__ import annotations

import re

from hub.k8s.labels import Manifest, labels, metadata
from hub.k8s.options import RenderOptions
from hub.k8s.plan import Workload
from hub.kafka.topics import TopicSpec

STRIMZI = "kafka.strimzi.io/v1"
KEDA = "keda.sh/v1alpha1"
CONTAINER = "hub"


def _cluster_label(options: RenderOptions) -> dict[str, str]:
    return {"strimzi.io/cluster": options.kafka_cluster}


def topic_resource_name(topic: str) -> str:
    """A Kubernetes name for a topic (``_`` is allowed in topics, not in names)."""
    return re.sub(r"[^a-z0-9.-]", "-", topic.lower())


def kafka_topic(spec: TopicSpec, options: RenderOptions) -> Manifest:
    """A ``KafkaTopic`` the Strimzi topic operator creates and keeps in line."""
    name = topic_resource_name(spec.name)
    body: Manifest = {"partitions": spec.partitions, "replicas": spec.replication}
    if name != spec.name:
        body = {"topicName": spec.name, **body}
    body["config"] = dict(sorted(spec.configs().items()))
    meta = metadata(
        name,
        options.kafka_ns,
        {**labels(component="kafka"), **_cluster_label(options)},
    )
    if spec.purpose:
        meta["annotations"] = {"ikz-hub/purpose": spec.purpose}
    return {"apiVersion": STRIMZI, "kind": "KafkaTopic", "metadata": meta, "spec": body}


def _acl(kind: str, name: str, operations: list[str], pattern: str = "literal") -> Manifest:
    return {
        "resource": {"type": kind, "name": name, "patternType": pattern},
        "operations": operations,
        "host": "*",
    }


def acls(w: Workload, options: RenderOptions) -> list[Manifest]:
    """Exactly what the workload does: read its inputs (in its group), write its outputs,
    keep its tables' changelogs."""
    ops: dict[str, set[str]] = {}
    for topic in w.reads:
        ops.setdefault(topic, set()).update({"Read", "Describe"})
    for topic in w.writes:
        ops.setdefault(topic, set()).update({"Write", "Describe"})
    for topic in w.changelogs:
        ops.setdefault(topic, set()).update({"Read", "Write", "Describe"})
    if w.leader_topic:
        # faust declares its assignor topic itself at start-up
        ops.setdefault(w.leader_topic, set()).update({"Create", "Read", "Write", "Describe"})
    out = [_acl("topic", t, sorted(o)) for t, o in sorted(ops.items())]
    if w.group:
        out.append(_acl("group", w.group, ["Read"]))
        # the stage roles list the hub's topics at start-up and create those missing;
        # Describe (metadata only) on the prefix lets them see that the operator made them
        out.append(_acl("topic", f"{options.topic_prefix}.", ["Describe"], "prefix"))
    return out


def kafka_user(w: Workload, options: RenderOptions) -> Manifest:
    """A ``KafkaUser`` with SCRAM-SHA-512 credentials (the prod overlay may switch to tls)."""
    return {
        "apiVersion": STRIMZI,
        "kind": "KafkaUser",
        "metadata": metadata(w.user, options.kafka_ns, {**labels(w), **_cluster_label(options)}),
        "spec": {
            "authentication": {"type": "scram-sha-512"},
            "authorization": {"type": "simple", "acls": acls(w, options)},
        },
    }


def trigger_authentication(w: Workload, options: RenderOptions) -> Manifest:
    """How KEDA reads the workload's lag: as the workload's own user (its group's Describe)."""
    return {
        "apiVersion": KEDA,
        "kind": "TriggerAuthentication",
        "metadata": metadata(w.name, options.namespace, labels(w)),
        "spec": {
            # the SCRAM user name is a plain value of the container, the password its Secret
            "env": [
                {
                    "parameter": "username",
                    "name": "HUB_KAFKA_SASL_USERNAME",
                    "containerName": CONTAINER,
                }
            ],
            "secretTargetRef": [
                {"parameter": "password", "name": w.user, "key": "password"},
                {"parameter": "ca", "name": options.cluster_ca_secret, "key": "ca.crt"},
            ],
        },
    }


#: messages waiting per replica before KEDA adds one: connectors hand over slowly (HTTP,
#: file drops), routing and folding are fast
LAG_THRESHOLD = {"connector": "20", "router": "200", "tracker": "500", "notifier": "50"}


def scaled_object(w: Workload, options: RenderOptions) -> Manifest:
    """A KEDA ``ScaledObject`` on the consumer group's lag, bounded by the partitions."""
    if not (w.group is not None):
        raise RuntimeError("invariant broken: w.group is not None")
    trigger_meta = {
        "bootstrapServers": options.bootstrap,
        "consumerGroup": w.group,
        "lagThreshold": LAG_THRESHOLD.get(w.role, "100"),
        "activationLagThreshold": "0",
        # faust's consumers start at the earliest offset
        "offsetResetPolicy": "earliest",
        "sasl": "scram_sha512",
        "tls": "enable",
    }
    if len(w.reads) == 1:  # several topics: the lag of every topic the group has committed
        trigger_meta["topic"] = w.reads[0]
    return {
        "apiVersion": KEDA,
        "kind": "ScaledObject",
        "metadata": metadata(w.name, options.namespace, labels(w)),
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": w.name},
            # never zero: /healthz, the tracker's reconciliation timer and the journeys API
            # need a running worker, and KEDA cannot see lag of a group that never committed
            "minReplicaCount": 1,
            "maxReplicaCount": options.replicas_bound(),
            "pollingInterval": 30,
            "cooldownPeriod": 300,
            "triggers": [
                {
                    "type": "kafka",
                    "metadata": dict(sorted(trigger_meta.items())),
                    "authenticationRef": {"name": w.name},
                }
            ],
        },
    }
