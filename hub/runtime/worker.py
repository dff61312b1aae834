"""Start roles: all in one process (``hub run``) or one each (``hub router`` ...)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterable
from pathlib import Path

import faust
import structlog
from aiohttp import web
from mode import Service

from hub.config import HubConfig, load_config
from hub.context import StageContext
from hub.events.topics import Topics
from hub.intake.api import IntakeDeps, create_intake_app
from hub.intake.invoices import check_rules_dir
from hub.intake.receipts import ReceiptStore
from hub.kafka.admin import ensure_topics
from hub.kafka.config import KafkaConnection
from hub.kafka.preflight import check_settings
from hub.kafka.producer import EventProducer
from hub.kafka.progress import ProgressMonitor
from hub.kafka.registry import codec_from_settings
from hub.kafka.topics import declared_topics
from hub.logs import configure_logging
from hub.metrics import HubMetrics
from hub.runtime.app import STAGE_ROLES, Role, build_app, selected_connectors
from hub.runtime.observe import add_observers, every, intake_readiness
from hub.settings import HubSettings, unknown_variables, variables_named_in
from hub.storage.blobs import LocalBlobStore

log = structlog.get_logger("hub.worker")


def intake_deps(
    settings: HubSettings, config: HubConfig, metrics: HubMetrics, *, serve_metrics: bool = True
) -> IntakeDeps:
    """Intake's collaborators, built from settings; raises :class:`~hub.config.ConfigError`
    when the XRechnung rules are missing (the app builds its validator from them at start-up)."""
    check_rules_dir(settings.xrechnung_rules_dir)
    return IntakeDeps(
        config=config,
        topics=Topics(settings.topic_prefix),
        codec=codec_from_settings(settings),
        producer=EventProducer(
            KafkaConnection.from_settings(settings),
            timeout_seconds=settings.produce_timeout_seconds,
        ),
        blobs=LocalBlobStore(settings.blob_dir),
        receipts=ReceiptStore(settings.data_dir / "receipts"),
        metrics=metrics,
        tracker_url=settings.tracker_url,
        max_body_bytes=settings.max_body_bytes,
        signature_tolerance_seconds=settings.signature_tolerance_seconds,
        serve_metrics=serve_metrics,
        xrechnung_rules_dir=settings.xrechnung_rules_dir,
    )


class IntakeServer(Service):
    """The intake HTTP API as a service inside a faust worker."""

    def __init__(self, deps: IntakeDeps, host: str, port: int) -> None:
        super().__init__()
        self.deps, self.host, self.port = deps, host, port
        self._runner: web.AppRunner | None = None

    async def on_start(self) -> None:
        """Bind and serve."""
        self._runner = web.AppRunner(create_intake_app(self.deps), access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        log.info("intake.listening", host=self.host, port=self.port)

    async def on_stop(self) -> None:
        """Stop serving, flush the producer."""
        if self._runner is not None:
            await self._runner.cleanup()
        await asyncio.to_thread(self.deps.producer.close)


def app_id_for(settings: HubSettings, stage_roles: list[Role]) -> str:
    """The faust app id (consumer group, changelog prefix) of a process running ``stage_roles``.

    All stage roles: ``HUB_APP_ID`` as is. Fewer: ``<id>-<role>[-<role>]``, and a connector
    process limited to one instance ``<id>-connector-<tenant>-<connector>``, so processes
    running different work never share a group or a table changelog.
    """
    if len(stage_roles) == len(STAGE_ROLES):
        return settings.app_id
    suffix = [r.value for r in stage_roles]
    instances = settings.connector_instances
    if stage_roles == [Role.connector] and len(instances) == 1:
        suffix.append(instances[0].replace("/", "-"))
    return "-".join([settings.app_id, *suffix])


def prepare(
    settings: HubSettings, app_id: str | None = None, roles: Iterable[Role] = ()
) -> HubConfig:
    """Logging, configuration (fail fast), topics (unless the operator manages them).

    The changelog topics of the tables ``roles`` own under ``app_id`` are created here
    too, with the partitions of their source topics, so faust never races the broker's
    metadata for them at start-up.
    """
    configure_logging(settings.log_level, settings.log_format)
    warn_unknown_variables(settings)
    config = load_config(Path(settings.config_dir))
    check_settings(settings)
    (settings.data_dir / "faust").mkdir(parents=True, exist_ok=True)
    if settings.create_topics:
        specs = declared_topics(
            Topics(settings.topic_prefix),
            config,
            partitions=settings.partitions,
            replication=settings.replication_factor,
            app_ids={r.value: [app_id] for r in roles} if app_id else None,
        )
        created = ensure_topics(KafkaConnection.from_settings(settings), specs)
        if created:
            log.info("topics.created", count=len(created))
    return config


def warn_unknown_variables(settings: HubSettings) -> None:
    """One warning per ``HUB_`` variable the hub would silently ignore (a typo, a removed one)."""
    named = variables_named_in(Path(settings.config_dir))
    for unknown in unknown_variables(os.environ, also_known=named):
        log.warning(
            "settings.unknown_variable", variable=unknown.name, did_you_mean=unknown.suggestion
        )


def run_intake(settings: HubSettings) -> None:
    """Serve only the intake API (no faust worker)."""
    configure_logging(settings.log_level, settings.log_format)
    warn_unknown_variables(settings)
    config = load_config(Path(settings.config_dir))
    check_settings(settings, require_broker=False)
    metrics = HubMetrics().prepare(config, [Role.intake.value])
    deps = intake_deps(settings, config, metrics)
    app = create_intake_app(deps)

    async def readiness(_app: web.Application) -> AsyncIterator[None]:
        refresh = intake_readiness(metrics, deps.producer)
        task = asyncio.create_task(every(settings.metrics_interval_seconds, refresh))
        yield
        task.cancel()

    async def close_producer(_app: web.Application) -> None:
        await asyncio.to_thread(deps.producer.close)

    async def ready(_app: web.Application) -> None:
        reachable = await asyncio.to_thread(deps.producer.broker_reachable, 10.0)
        log.info(
            "ready" if reachable else "started_without_broker",
            roles=["intake"],
            intake_port=settings.intake_port,
        )

    app.on_startup.append(ready)
    app.cleanup_ctx.append(readiness)
    app.on_shutdown.append(close_producer)
    web.run_app(
        app, host=settings.intake_host, port=settings.intake_port, print=None, access_log=None
    )


def run_roles(settings: HubSettings, roles: Iterable[Role]) -> None:
    """Run the given roles in this process until SIGINT/SIGTERM."""
    roles = set(roles)
    if roles == {Role.intake}:
        run_intake(settings)
        return
    stage_roles = [r for r in STAGE_ROLES if r in roles]
    app_id = app_id_for(settings, stage_roles)
    config = prepare(settings, app_id, stage_roles)
    metrics = HubMetrics()
    ctx = StageContext(
        settings=settings,
        config=config,
        topics=Topics(settings.topic_prefix),
        codec=codec_from_settings(settings),
        blobs=LocalBlobStore(settings.blob_dir),
        metrics=metrics,
        progress=ProgressMonitor(stall_seconds=settings.stall_seconds),
    )
    names = sorted(r.value for r in roles)
    connectors = selected_connectors(ctx) if Role.connector in roles else []
    metrics.prepare(config, names, connectors)
    app = build_app(ctx, stage_roles, app_id=app_id)
    services: list[Service] = []
    producer: EventProducer | None = None
    if Role.intake in roles:
        # one process, one exposition: the stage roles' web port serves /metrics for both
        deps = intake_deps(settings, config, metrics, serve_metrics=False)
        services.append(IntakeServer(deps, settings.intake_host, settings.intake_port))
        producer = deps.producer
    add_observers(app, ctx, names, intake=producer)
    log_ready_once(app, sorted(r.value for r in roles), settings)
    log.info("hub.starting", roles=sorted(r.value for r in roles), app_id=app_id)
    worker = faust.Worker(
        app, *services, loglevel=settings.log_level, override_logging=False, quiet=True
    )
    worker.spinner = None  # a terminal spinner's escape codes would end up in the log
    worker.execute_from_commandline()


def log_ready_once(app: faust.App, roles: list[str], settings: HubSettings) -> None:
    """Log one ``ready`` event when ``/readyz`` would first answer ready."""
    done = False

    async def ready() -> None:
        nonlocal done
        if done or app.rebalancing:
            return
        try:
            assigned = app.consumer.assignment()
        except Exception:
            return
        if not assigned:
            return
        done = True
        by_topic: dict[str, int] = {}
        for tp in assigned:
            by_topic[tp.topic] = by_topic.get(tp.topic, 0) + 1
        log.info(
            "ready",
            roles=roles,
            web_port=settings.web_port,
            intake_port=settings.intake_port if "intake" in roles else None,
            partitions=dict(sorted(by_topic.items())),
        )

    app.timer(interval=1.0, name="ready-log")(ready)
