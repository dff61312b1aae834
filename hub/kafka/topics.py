"""Every topic the hub uses, with its partitions, replication, retention and cleanup policy.

This is the one declaration the hub creates topics from (``hub.kafka.admin``)
and that ``hub k8s render`` turns into Strimzi ``KafkaTopic`` resources. Names
come from :class:`hub.events.topics.Topics`; what each topic keeps, and for how
long, is decided here:

==========================  ===========  =========================================
topics                      cleanup      retention
==========================  ===========  =========================================
submissions, invoices       delete       90 days: reconciliation reads them back
dead letters, quarantine    delete       365 days: kept until someone replays them
deliveries, callbacks       delete       14 days: work queues (callbacks: one topic per portal)
routed, outcomes, status    delete       30 days: the tracker folds them at once
replays                     compact      markers by entry id, kept for good
table changelogs            compact      faust tables (journeys, delivery states)
==========================  ===========  =========================================
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from hub.config import HubConfig
from hub.events.topics import Topics

DAY_MS = 24 * 3600 * 1000

#: faust tables and the role that owns each: its changelog is ``<app id>-<table>-changelog``
TABLES = {"journeys": "tracker", "delivery_states": "connector", "callback_states": "notifier"}


@dataclass(frozen=True)
class TopicSpec:
    """One topic as the cluster must have it."""

    name: str
    partitions: int
    replication: int
    cleanup_policy: str = "delete"  # delete | compact
    retention_ms: int | None = 30 * DAY_MS  # None: kept for good (compacted topics)
    purpose: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def min_insync_replicas(self) -> int:
        """Writes with ``acks=all`` survive the loss of one replica: replication - 1, at least 1,
        at most 2."""
        return max(1, min(2, self.replication - 1))

    def configs(self) -> dict[str, str]:
        """Topic-level configuration as Kafka (and Strimzi's ``spec.config``) takes it."""
        out = {
            "cleanup.policy": self.cleanup_policy,
            "min.insync.replicas": str(self.min_insync_replicas),
        }
        if self.retention_ms is not None:
            out["retention.ms"] = str(self.retention_ms)
        return {**out, **self.extra}


def declared_topics(
    topics: Topics,
    config: HubConfig,
    *,
    partitions: int,
    replication: int,
    app_ids: Mapping[str, Sequence[str]] | None = None,
) -> list[TopicSpec]:
    """Every topic of a hub with this configuration.

    ``app_ids`` maps a role (``tracker``, ``connector``) to the faust app ids it
    runs under (one per deployment), which name its tables' changelog topics;
    without it the changelogs are left out (faust creates them itself where allowed).
    """

    def spec(
        name: str, retention_days: int | None, purpose: str, cleanup: str = "delete"
    ) -> TopicSpec:
        return TopicSpec(
            name=name,
            partitions=partitions,
            replication=replication,
            cleanup_policy=cleanup,
            retention_ms=None if retention_days is None else retention_days * DAY_MS,
            purpose=purpose,
        )

    specs = [
        spec(topics.submitted, 90, "ApplicationSubmitted from intake"),
        spec(topics.invoices, 90, "InvoiceReceived from intake"),
        spec(topics.routed, 30, "CaseRouted from the router"),
        spec(topics.outcomes, 30, "DeliveryOutcome from the connectors"),
        spec(topics.status, 30, "CaseStatusChanged from the tracker"),
        spec(topics.quarantine, 365, "unroutable cases with their reason"),
        spec(topics.deadletter, 365, "rejected or given-up deliveries"),
        spec(topics.replays, None, "which entries were replayed", cleanup="compact"),
    ]
    for tenant in sorted(config.tenants.values(), key=lambda t: t.id):
        for cid in tenant.connectors:
            specs.append(
                spec(topics.delivery(tenant.id, cid), 14, f"deliveries to {tenant.id}/{cid}")
            )
    for portal, client in sorted(config.portals.items()):
        if client.callback is not None:
            specs.append(spec(topics.callbacks(portal), 14, f"status callbacks to {portal}"))
    for table, role in TABLES.items():
        for app_id in (app_ids or {}).get(role, ()):
            specs.append(
                spec(
                    f"{app_id}-{table}-changelog",
                    None,
                    f"changelog of the {role}'s {table} table",
                    cleanup="compact",
                )
            )
    return specs
