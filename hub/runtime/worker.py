"""Start roles: all in one process (``hub run``) or one each (``hub router`` ...)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from pathlib import Path

import faust
import structlog
from aiohttp import web
from mode import Service

from hub.config import HubConfig, load_config
from hub.events.codec import codec_from_settings
from hub.events.topics import Topics
from hub.intake.api import IntakeDeps, create_intake_app
from hub.intake.receipts import ReceiptStore
from hub.kafka.admin import all_topics, ensure_topics
from hub.kafka.config import KafkaConnection
from hub.kafka.producer import EventProducer
from hub.logs import configure_logging
from hub.metrics import HubMetrics
from hub.runtime.app import STAGE_ROLES, Role, Stages, build_app
from hub.runtime.health import ProgressMonitor
from hub.settings import HubSettings
from hub.storage.blobs import LocalBlobStore

log = structlog.get_logger("hub.worker")


def intake_deps(settings: HubSettings, config: HubConfig, metrics: HubMetrics) -> IntakeDeps:
    """Intake's collaborators, built from settings."""
    return IntakeDeps(
        config=config,
        topics=Topics(settings.topic_prefix),
        codec=codec_from_settings(settings.schema_registry_url),
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


def prepare(settings: HubSettings) -> HubConfig:
    """Logging, configuration (fail fast), topics."""
    configure_logging(settings.log_level, settings.log_format)
    config = load_config(Path(settings.config_dir))
    (settings.data_dir / "faust").mkdir(parents=True, exist_ok=True)
    names = all_topics(Topics(settings.topic_prefix), config)
    created = ensure_topics(
        KafkaConnection.from_settings(settings),
        names,
        partitions=settings.partitions,
        replication_factor=settings.replication_factor,
    )
    if created:
        log.info("topics.created", count=len(created))
    return config


def run_intake(settings: HubSettings) -> None:
    """Serve only the intake API (no faust worker)."""
    configure_logging(settings.log_level, settings.log_format)
    config = load_config(Path(settings.config_dir))
    deps = intake_deps(settings, config, HubMetrics())
    app = create_intake_app(deps)

    async def close_producer(_app: web.Application) -> None:
        await asyncio.to_thread(deps.producer.close)

    app.on_shutdown.append(close_producer)
    log.info("intake.listening", host=settings.intake_host, port=settings.intake_port)
    web.run_app(
        app, host=settings.intake_host, port=settings.intake_port, print=None, access_log=None
    )


def run_roles(settings: HubSettings, roles: Iterable[Role]) -> None:
    """Run the given roles in this process until SIGINT/SIGTERM."""
    roles = set(roles)
    if roles == {Role.intake}:
        run_intake(settings)
        return
    config = prepare(settings)
    metrics = HubMetrics()
    stages = Stages(
        settings=settings,
        config=config,
        topics=Topics(settings.topic_prefix),
        codec=codec_from_settings(settings.schema_registry_url),
        blobs=LocalBlobStore(settings.blob_dir),
        metrics=metrics,
        progress=ProgressMonitor(stall_seconds=settings.stall_seconds),
    )
    stage_roles = [r for r in STAGE_ROLES if r in roles]
    # the consumer group is named after the stage roles it runs (all of them: HUB_APP_ID as is),
    # so processes running different roles never share a group or a table changelog
    suffix = [] if len(stage_roles) == len(STAGE_ROLES) else [r.value for r in stage_roles]
    app_id = "-".join([settings.app_id, *suffix])
    app = build_app(stages, stage_roles, app_id=app_id)
    services: list[Service] = []
    if Role.intake in roles:
        services.append(
            IntakeServer(
                intake_deps(settings, config, metrics), settings.intake_host, settings.intake_port
            )
        )
    log.info("hub.starting", roles=sorted(r.value for r in roles), app_id=app_id)
    worker = faust.Worker(
        app, *services, loglevel=settings.log_level, override_logging=False, quiet=True
    )
    worker.execute_from_commandline()
