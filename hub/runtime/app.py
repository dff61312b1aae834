"""The faust app of the stage roles, wired from the stages' own agents.

Each stage package owns its pure step and its thin agent (``hub.routing.agent``,
``hub.delivery.agent``, ``hub.tracking.agent``, ``hub.notify.agent``); this module
only decides which of them run in this process and gives them their shared
collaborators. Agents run with concurrency 1 so an offset is committed only after
its message was handled and what it produced was flushed (faust flushes its
producer before every commit; faust issue #606 is why more is not safe).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

import faust

from hub.context import StageContext
from hub.delivery.agent import add_connector
from hub.delivery.connector import build_connector
from hub.delivery.errors import ConnectorConfigError
from hub.notify.agent import add_notifier
from hub.routing.agent import add_router
from hub.runtime.health import add_health_pages
from hub.tracking.agent import add_tracker


class Role(StrEnum):
    """A stage that can run alone or together with the others."""

    intake = "intake"
    router = "router"
    connector = "connector"
    tracker = "tracker"
    notifier = "notifier"


STAGE_ROLES = (Role.router, Role.connector, Role.tracker, Role.notifier)


def selected_connectors(ctx: StageContext) -> list[tuple[str, str]]:
    """(tenant, connector) of every instance this process runs: ``HUB_CONNECTORS``, else all."""
    every = [(t.id, cid) for t in ctx.config.tenants.values() for cid in t.connectors]
    chosen = ctx.settings.connector_instances
    if not chosen:
        return every
    wanted = {tuple(c.split("/", 1)) for c in chosen}
    unknown = sorted(c for c in chosen if tuple(c.split("/", 1)) not in set(every))
    if unknown:
        raise ConnectorConfigError(
            f"HUB_CONNECTORS names unknown connector instances: {', '.join(unknown)}",
            field="HUB_CONNECTORS",
        )
    return [tc for tc in every if tc in wanted]


def build_app(ctx: StageContext, roles: Iterable[Role], *, app_id: str | None = None) -> faust.App:
    """A faust app running ``roles`` (any of router, connector, tracker, notifier)."""
    s = ctx.settings
    roles = set(roles)
    app = faust.App(
        app_id or s.app_id,
        **ctx.kafka.faust(),
        store="memory://",
        autodiscover=False,
        topic_partitions=s.partitions,
        topic_replication_factor=s.replication_factor,
        topic_allow_declare=s.create_topics,
        topic_disable_leader=not s.create_topics,  # the leader topic is one more to declare
        producer_acks=-1,
        consumer_auto_offset_reset="earliest",
        web_enabled=True,
        web_bind=s.web_host,
        web_host=s.web_advertised_host or s.web_host,
        web_port=s.web_port,
        web_tables_enabled=False,
        datadir=str(s.data_dir / "faust"),
        table_cleanup_interval=60.0,
        broker_commit_every=100,
        broker_session_timeout=s.session_timeout_seconds,
        broker_heartbeat_interval=s.session_timeout_seconds / 10,
        broker_commit_interval=1.0,
    )
    if Role.router in roles:
        add_router(app, ctx)
    if Role.connector in roles:
        states = app.Table("delivery_states", default=None, partitions=s.partitions)
        for tenant_id, cid in selected_connectors(ctx):
            add_connector(app, ctx, build_connector(ctx.config.tenants[tenant_id], cid), states)
    if Role.tracker in roles:
        add_tracker(app, ctx)
    if Role.notifier in roles:
        callbacks = app.Table("callback_states", default=None, partitions=s.partitions)
        for portal, client in sorted(ctx.config.portals.items()):
            if client.callback is not None:
                add_notifier(app, ctx, portal, callbacks)
    add_health_pages(app, ctx)
    return app
