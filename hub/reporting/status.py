"""``hub status`` as a pure computation: connector instances and roles at a glance.

Inputs are what :mod:`hub.reporting.sources` gathered: consumer-group lag per
delivery topic, dead-letter entries with their replay counts, delivery
outcomes, and each role's ``/readyz`` answer and ``/metrics`` text.

* **state** of a connector instance: ``parked`` while the ``hub_connector_parked``
  gauge of any non-intake role says 1 (it waits for its back office between
  attempts), ``flowing`` when such a role answered and does not say so, and
  ``unknown`` when none answered. The gauge has no series for an instance that
  never parked, which is why an answering role without one means flowing.
* **lag**: messages of its delivery topic not yet committed by its consumer
  group. A process running every stage role consumes as ``<HUB_APP_ID>``, a
  connector-only process as ``<HUB_APP_ID>-connector``; the group that has
  committed offsets answers (the one with less lag when both have).
* **dead letters**: its entries in the dead-letter topic not replayed yet.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from prometheus_client.parser import text_string_to_metric_families

from hub.events.models import DeliveryOutcome
from hub.recovery.deadletters import Entry

PARKED_METRIC = "hub_connector_parked"
INTAKE_ROLE = "intake"


@dataclass(frozen=True)
class ConnectorInstance:
    """One connector instance of one tenant and its delivery topic."""

    tenant: str
    connector: str
    kind: str | None
    topic: str


@dataclass(frozen=True)
class GroupLag:
    """Messages of one topic not committed by one consumer group."""

    group: str
    lag: int
    committed: bool  # the group has committed an offset on the topic at all


@dataclass(frozen=True)
class RoleProbe:
    """One role's answers: ``ready`` None when it could not be reached."""

    name: str
    url: str
    ready: bool | None
    detail: str
    metrics: str | None  # Prometheus text exposition, when fetched


@dataclass(frozen=True)
class ConnectorStatus:
    """One line of the connector table."""

    tenant: str
    connector: str
    kind: str | None
    state: str  # parked | flowing | unknown
    lag: int | None
    group: str | None  # the consumer group that answered, None when none has committed
    dead_letters: int
    last_delivery_at: datetime | None
    last_outcome: str | None
    last_reason: str | None


@dataclass(frozen=True)
class RoleStatus:
    """One line of the role table."""

    name: str
    url: str
    state: str  # ready | not ready | unreachable
    detail: str


@dataclass(frozen=True)
class Status:
    """Everything ``hub status`` shows."""

    generated_at: datetime
    connectors: tuple[ConnectorStatus, ...]
    roles: tuple[RoleStatus, ...]
    quarantine_pending: int

    @property
    def healthy(self) -> bool:
        """Every role ready and no connector instance parked."""
        return all(r.state == "ready" for r in self.roles) and not any(
            c.state == "parked" for c in self.connectors
        )


def parked_from_metrics(text: str) -> dict[tuple[str, str], bool]:
    """(tenant, connector) -> parked, from a Prometheus text exposition."""
    found: dict[tuple[str, str], bool] = {}
    for family in text_string_to_metric_families(text):
        if family.name != PARKED_METRIC:
            continue
        for sample in family.samples:
            key = (sample.labels.get("tenant", ""), sample.labels.get("connector", ""))
            found[key] = found.get(key, False) or sample.value >= 1
    return found


def choose_lag(lags: Sequence[GroupLag]) -> tuple[int | None, str | None]:
    """(lag, group) of the group that consumes the topic; with no committing group the
    messages waiting for a first consumer, and group None."""
    committed = [g for g in lags if g.committed]
    if committed:
        best = min(committed, key=lambda g: g.lag)
        return best.lag, best.group
    return (lags[0].lag, None) if lags else (None, None)


def _latest_outcomes(
    outcomes: Iterable[DeliveryOutcome],
) -> dict[tuple[str, str], DeliveryOutcome]:
    latest: dict[tuple[str, str], DeliveryOutcome] = {}
    for o in outcomes:
        key = (o.envelope.tenant, o.connector)
        if key not in latest or o.envelope.occurred_at >= latest[key].envelope.occurred_at:
            latest[key] = o
    return latest


def _role(p: RoleProbe) -> RoleStatus:
    state = "unreachable" if p.ready is None else "ready" if p.ready else "not ready"
    return RoleStatus(p.name, p.url, state, p.detail)


def build_status(
    instances: Iterable[ConnectorInstance],
    lags: Mapping[str, Sequence[GroupLag]],
    entries: Iterable[Entry],
    outcomes: Iterable[DeliveryOutcome],
    probes: Sequence[RoleProbe],
    *,
    generated_at: datetime | None = None,
) -> Status:
    """The overview from gathered inputs (``lags`` by delivery topic)."""
    metric_texts = [p.metrics for p in probes if p.name != INTAKE_ROLE and p.metrics is not None]
    parked: dict[tuple[str, str], bool] = {}
    for text in metric_texts:
        for key, value in parked_from_metrics(text).items():
            parked[key] = parked.get(key, False) or value
    pending: dict[tuple[str, str], int] = {}
    quarantine = 0
    for e in entries:
        if e.replayed:
            continue
        if e.topic.endswith(".deadletter"):
            key = (e.record.envelope.tenant, e.record.connector or "")
            pending[key] = pending.get(key, 0) + 1
        else:
            quarantine += 1
    latest = _latest_outcomes(outcomes)
    rows: list[ConnectorStatus] = []
    for inst in sorted(instances, key=lambda i: (i.tenant, i.connector)):
        key = (inst.tenant, inst.connector)
        state = "parked" if parked.get(key) else "flowing" if metric_texts else "unknown"
        lag, group = choose_lag(lags.get(inst.topic, ()))
        last = latest.get(key)
        rows.append(
            ConnectorStatus(
                tenant=inst.tenant,
                connector=inst.connector,
                kind=inst.kind or (last.connector_kind if last else None),
                state=state,
                lag=lag,
                group=group,
                dead_letters=pending.get(key, 0),
                last_delivery_at=last.envelope.occurred_at if last else None,
                last_outcome=last.outcome.value if last else None,
                last_reason=last.reason if last else None,
            )
        )
    return Status(
        generated_at=generated_at or datetime.now(UTC),
        connectors=tuple(rows),
        roles=tuple(_role(p) for p in probes),
        quarantine_pending=quarantine,
    )


def instances_from_topics(
    topic_names: Iterable[str], prefix: str, kinds: Mapping[tuple[str, str], str] | None = None
) -> list[ConnectorInstance]:
    """Connector instances named by existing delivery topics ``<prefix>.deliveries.<t>.<c>``,
    plus the configured ones in ``kinds`` (whose topic may not exist yet)."""
    kinds = kinds or {}
    found: dict[tuple[str, str], ConnectorInstance] = {}
    head = f"{prefix}.deliveries."
    for name in topic_names:
        rest = name.removeprefix(head) if name.startswith(head) else None
        if rest is None or rest.count(".") != 1:
            continue
        tenant, connector = rest.split(".")
        found[(tenant, connector)] = ConnectorInstance(
            tenant, connector, kinds.get((tenant, connector)), name
        )
    for (tenant, connector), kind in kinds.items():
        found.setdefault(
            (tenant, connector),
            ConnectorInstance(tenant, connector, kind, f"{head}{tenant}.{connector}"),
        )
    return list(found.values())
