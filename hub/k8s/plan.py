"""Which Deployments a configuration needs, and what each reads, writes and is called.

One workload per role (intake, router, tracker, the notifier where the runtime has it) and
one per connector instance of every tenant, so a partner's new connector becomes a new
Deployment, topic, user and scaler without any hand-written YAML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from hub.config import HubConfig
from hub.config.secrets import SecretRef
from hub.config.tenants import ConnectorConfig, DirectoryTransport, HttpTransport
from hub.events.topics import Topics
from hub.k8s.options import PART_OF, RenderError, RenderOptions
from hub.kafka.topics import TABLES, TopicSpec, declared_topics

INTAKE_PORT = 8080  # HUB_INTAKE_PORT
WEB_PORT = 6066  # HUB_WEB_PORT of the faust roles
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


@dataclass(frozen=True)
class Egress:
    """A back-office endpoint a connector talks to."""

    host: str
    port: int


@dataclass(frozen=True)
class Workload:
    """One Deployment: its role, its consumer group and its topics."""

    name: str
    role: str
    port: int
    group: str | None = None  # faust app id = consumer group; None for intake
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()
    changelogs: tuple[str, ...] = ()  # its faust tables' changelog topics (read and write)
    tenant: str | None = None
    connector: str | None = None
    env: tuple[tuple[str, str], ...] = ()
    egress: tuple[Egress, ...] = ()
    drop_dirs: tuple[str, ...] = ()  # directories of directory transports
    secrets: tuple[SecretRef, ...] = field(default=())  # what it needs itself

    @property
    def consumes(self) -> bool:
        """Reads Kafka in a consumer group (and so scales on lag)."""
        return self.group is not None

    @property
    def user(self) -> str:
        """Its KafkaUser; Strimzi keeps the credentials in a Secret of the same name."""
        return self.name

    @property
    def leader_topic(self) -> str | None:
        """faust's assignor topic, which faust creates itself with one partition."""
        return f"{self.group}-__assignor-__leader" if self.group else None


def k8s_name(*parts: str) -> str:
    """A DNS-1123 label from ``parts`` (connector ids may hold ``_``)."""
    name = "-".join(parts).replace("_", "-").lower()
    if len(name) > 63 or not _DNS_LABEL.match(name):
        raise RenderError(f"{name!r} is not a valid Kubernetes name (at most 63 characters)")
    return name


def _egress(conn: ConnectorConfig) -> tuple[Egress, ...]:
    if not isinstance(conn.transport, HttpTransport):
        return ()
    url = urlsplit(conn.transport.url)
    default = 443 if url.scheme == "https" else 80
    return (Egress(url.hostname or "", url.port or default),)


def _drop_dirs(conn: ConnectorConfig) -> tuple[str, ...]:
    dirs = [str(conn.transport.path)] if isinstance(conn.transport, DirectoryTransport) else []
    # a back office answering through a folder (a DMS's confirmation outbox) shares it as well
    confirmations = conn.options.get("confirmations")
    if isinstance(confirmations, dict) and isinstance(confirmations.get("outbox"), str):
        dirs.append(confirmations["outbox"])
    return tuple(dirs)


def _connector_secrets(conn: ConnectorConfig) -> tuple[SecretRef, ...]:
    if isinstance(conn.transport, HttpTransport) and conn.transport.auth:
        return (conn.transport.auth.secret_ref,)
    return ()


def connector_workloads(config: HubConfig, options: RenderOptions) -> list[Workload]:
    """One Deployment per connector instance (``hub connector`` with ``HUB_CONNECTORS``)."""
    topics = Topics(options.topic_prefix)
    out = []
    for tenant in sorted(config.tenants.values(), key=lambda t: t.id):
        for cid, conn in sorted(tenant.connectors.items()):
            group = f"{options.app_id}-connector-{tenant.id}-{cid}"
            out.append(
                Workload(
                    name=k8s_name(PART_OF, "connector", tenant.id, cid),
                    role="connector",
                    port=WEB_PORT,
                    group=group,
                    reads=(topics.delivery(tenant.id, cid),),
                    writes=(topics.outcomes, topics.deadletter),
                    changelogs=(f"{group}-delivery_states-changelog",),
                    tenant=tenant.id,
                    connector=cid,
                    env=(("HUB_CONNECTORS", f"{tenant.id}/{cid}"),),
                    egress=_egress(conn),
                    drop_dirs=_drop_dirs(conn),
                    secrets=_connector_secrets(conn),
                )
            )
    return out


def has_notifier() -> bool:
    """Whether this hub has the notifier role (status callbacks to portals)."""
    from hub.runtime.app import Role  # noqa: PLC0415  (faust is slow to import)

    return "notifier" in Role.__members__


def plan(
    config: HubConfig, options: RenderOptions, *, notifier: bool | None = None
) -> list[Workload]:
    """Every workload of a hub with this configuration, in a stable order.

    ``notifier`` defaults to whether the runtime has that role.
    """
    topics = Topics(options.topic_prefix)
    app = options.app_id
    connectors = connector_workloads(config, options)
    deliveries = tuple(t for c in connectors for t in c.reads)
    portal_secrets = tuple(p.secret for _, p in sorted(config.portals.items()))
    workloads = [
        Workload(
            name=k8s_name(PART_OF, "intake"),
            role="intake",
            port=INTAKE_PORT,
            writes=(topics.submitted, topics.invoices),
            secrets=portal_secrets,
        ),
        Workload(
            name=k8s_name(PART_OF, "router"),
            role="router",
            port=WEB_PORT,
            group=f"{app}-router",
            reads=(topics.submitted, topics.invoices),
            writes=(*deliveries, topics.routed, topics.quarantine),
        ),
        Workload(
            name=k8s_name(PART_OF, "tracker"),
            role="tracker",
            port=WEB_PORT,
            group=f"{app}-tracker",
            reads=(
                topics.submitted,
                topics.invoices,
                topics.routed,
                topics.outcomes,
                topics.quarantine,
            ),
            # reconciliation sends unfinished cases through again
            writes=(topics.status, topics.submitted, topics.invoices),
            changelogs=(f"{app}-tracker-journeys-changelog",),
        ),
        *connectors,
    ]
    if has_notifier() if notifier is None else notifier:
        callbacks = f"{options.topic_prefix}.callbacks."
        workloads.append(
            Workload(
                name=k8s_name(PART_OF, "notifier"),
                role="notifier",
                port=WEB_PORT,
                group=f"{app}-notifier",
                reads=tuple(
                    t.name for t in topic_specs(config, options, []) if t.name.startswith(callbacks)
                ),
                writes=(topics.deadletter,),
                secrets=portal_secrets,
            )
        )
    _check_unique(workloads)
    return workloads


def _check_unique(workloads: list[Workload]) -> None:
    seen: dict[str, Workload] = {}
    for w in workloads:
        for key in (w.name, w.group):
            if key is None:
                continue
            other = seen.setdefault(key, w)
            if other is not w:
                raise RenderError(
                    f"{other.tenant}/{other.connector} and {w.tenant}/{w.connector} both become "
                    f"{key!r}: rename one of the connector ids"
                )


def topic_specs(
    config: HubConfig, options: RenderOptions, workloads: list[Workload]
) -> list[TopicSpec]:
    """The declared topics, with the changelogs of the workloads' faust tables."""
    app_ids: dict[str, list[str]] = {}
    for role in TABLES.values():
        app_ids[role] = sorted(w.group for w in workloads if w.role == role and w.group)
    return declared_topics(
        Topics(options.topic_prefix),
        config,
        partitions=options.partitions,
        replication=options.replication,
        app_ids=app_ids,
    )
