"""The notifier role: one faust agent per portal with a callback, POSTing status changes.

The tracker writes every status change of a portal's cases to that portal's
callback topic (keyed by case id, so one case's changes stay in order on one
partition). The portal's agent POSTs them one at a time:

* **Exactly one callback per status change.** Each notification's state is
  remembered by its id (a faust table, like delivery states): one handed over is
  not sent again, after a replay, a re-read or a restart. A crash between the
  portal's answer and that record repeats the POST with the same
  ``X-Hub-Notification-Id``, which the portal recognises.
* **In order per case.** A notification that fails transiently is retried (with
  backoff and jitter) before any later one of its partition is sent; only this
  portal's partitions are paused meanwhile, other portals go on. Only a notification
  given up (and replayed later) or sent again by the resend below can arrive after a
  later status of its case; ``sequence`` orders them.
* **Nothing lost.** A portal that keeps failing past its ``deadline_seconds``, or
  refuses a notification for good (4xx), gets the notification dead-lettered:
  ``hub dlq replay`` sends it again once the portal is fixed.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Any

import faust
import httpx
import structlog
from confluent_kafka import Consumer, TopicPartition

from hub.config.portals import Callback
from hub.context import StageContext
from hub.delivery.agent import TableStates
from hub.delivery.errors import DeliveryError, TransientError
from hub.delivery.runner import RetryPolicy
from hub.delivery.state import DeliveryState, DeliveryStatus
from hub.delivery.transports import post_classified
from hub.events.codec import CodecError
from hub.events.models import CaseStatusChanged, Quarantined, quarantine_record
from hub.kafka.config import KafkaConnection
from hub.kafka.reader import Record, read_topic
from hub.kafka.streams import progressing, raw_topic, send_event
from hub.notify.notification import Notification, notification_for

log = structlog.get_logger("hub.notify")


class CallbackSender:
    """POSTs notifications to one portal; blocking, run it in a thread."""

    def __init__(self, callback: Callback, secret: str, client: httpx.Client | None = None) -> None:
        self.callback, self.secret = callback, secret
        self.client = client or httpx.Client(timeout=callback.timeout_seconds)

    def send(self, notification: Notification) -> None:
        """POST once; raise a classified :class:`~hub.delivery.errors.DeliveryError`."""
        post_classified(
            self.client,
            self.callback.url,
            notification.body,
            notification.headers(self.secret),
        )


class PortalNotifier:
    """Sends one portal's notifications, one at a time, until each is handed over or given up."""

    def __init__(
        self, app: faust.App, ctx: StageContext, portal: str, *, callback: Callback, secret: str,
        states: Any,
    ) -> None:  # fmt: skip
        self.app, self.ctx, self.portal = app, ctx, portal
        self.topic = ctx.topics.callbacks(portal)
        self.name = f"notifier.{portal}"
        self.sender = CallbackSender(callback, secret)
        s = ctx.settings
        self.policy = RetryPolicy(
            s.retry_base_seconds, s.retry_max_seconds, callback.deadline_seconds
        )
        self.states = TableStates(states)

    def _partitions(self, pause: bool) -> None:
        own = [tp for tp in self.app.consumer.assignment() if tp.topic == self.topic]
        (self.app.consumer.pause_partitions if pause else self.app.consumer.resume_partitions)(own)

    async def deliver(self, notification: Notification, state: DeliveryState) -> DeliveryState:
        """POST until the portal takes it, refuses it for good, or the deadline passes."""
        parked = False
        try:
            while True:
                self.ctx.progress.touch(self.name)
                state.attempts += 1
                try:
                    await asyncio.to_thread(self.sender.send, notification)
                except TransientError as exc:
                    now = time.time()
                    _record(state, exc, now)
                    if self.policy.expired(state.first_error_at or now, now):
                        state.status = DeliveryStatus.gave_up
                        return state
                    state.status = DeliveryStatus.retrying
                    self.states.put(notification.notification_id, state)
                    if not parked:  # this portal waits; other portals' partitions go on
                        self._partitions(pause=True)
                        parked = True
                    log.warning("callback.retrying", attempt=state.attempts, reason=exc.reason)
                    await asyncio.sleep(
                        max(self.policy.delay(state.attempts), exc.retry_after_seconds or 0)
                    )
                    continue
                except DeliveryError as exc:
                    _record(state, exc, time.time())
                    state.status = DeliveryStatus.rejected
                    return state
                state.status, state.reason = DeliveryStatus.delivered, None
                return state
        finally:
            if parked:
                self._partitions(pause=False)

    async def handle(self, event: Any) -> None:
        """One message of the portal's callback topic."""
        try:
            changed = self.ctx.codec.decode(event.value, topic=self.topic)
        except CodecError as exc:
            log.warning("callback.undecodable", error=str(exc))
            return
        if not isinstance(changed, CaseStatusChanged):
            return
        notification = notification_for(changed)
        nid = notification.notification_id
        state = self.states.get(nid) or DeliveryState(
            connector=f"callback:{self.portal}", kind="callback"
        )
        if state.status is DeliveryStatus.delivered:
            return  # sent before: a replay, or a re-read after a restart
        state = await self.deliver(notification, state)
        self.states.put(nid, state)
        delivered = state.status is DeliveryStatus.delivered
        self.ctx.metrics.callbacks.labels(
            self.portal, "delivered" if delivered else "gave_up"
        ).inc()
        if not delivered:
            record = self._dead_letter(changed, state, event.key, event.value)
            await send_event(self.app, self.ctx.codec, self.ctx.topics.deadletter, record)
            log.warning("callback.dead_lettered", reason=record.reason)

    def _dead_letter(
        self, changed: CaseStatusChanged, state: DeliveryState, key: bytes | None, value: bytes
    ) -> Quarantined:
        now = time.time()
        return quarantine_record(
            "notifier",
            state.reason or state.status.value,
            state.last_error or "",
            source_topic=self.topic,
            key=key,
            value=value,
            case_id=changed.envelope.case_id,
            tenant=changed.envelope.tenant,
            connector=f"callback:{self.portal}",
            first_error=state.first_error or "",
            attempts=state.attempts,
            first_error_at=datetime.fromtimestamp(state.first_error_at or now, UTC),
            last_error_at=datetime.fromtimestamp(state.last_error_at or now, UTC),
        )


def add_notifier(app: faust.App, ctx: StageContext, portal: str, states: Any) -> None:
    """Register the callback agent of ``portal`` on ``app``; ``states`` is the callback table."""
    callback = ctx.config.portals[portal].callback
    secret = ctx.config.signing_secret(portal)
    if callback is None or secret is None:
        return
    notifier = PortalNotifier(
        app, ctx, portal, callback=callback, secret=secret.get_secret_value(), states=states
    )
    ctx.progress.register(notifier.name, [notifier.topic])

    async def agent(stream: Any) -> None:
        async for event in progressing(ctx.progress, ctx.metrics, notifier.name, stream):
            with structlog.contextvars.bound_contextvars(portal=portal):
                await notifier.handle(event)

    app.agent(raw_topic(app, notifier.topic), name=notifier.name)(agent)
    _add_resend(app, ctx, notifier)


RESEND_WINDOW = 2000  # newest messages per partition looked at in one round


def committed_past(
    connection: KafkaConnection, group: str, topic: str, partitions: set[int]
) -> list[Record]:
    """The newest messages of ``partitions`` that ``group`` has committed past (blocking).

    Only these can have been skipped: one not committed yet is still ahead of the agent
    (a backlog, or a portal being retried), not lost.
    """
    consumer = Consumer(connection.consumer(group), logger=connection.logger)
    try:  # reads the group's committed offsets; never joins the group, never commits
        wanted = [TopicPartition(topic, p) for p in sorted(partitions)]
        committed = {tp.partition: tp.offset for tp in consumer.committed(wanted, timeout=10)}
    finally:
        consumer.close()
    records = read_topic(connection, topic, partitions=partitions, last=RESEND_WINDOW)
    return [r for r in records if r.offset < committed.get(r.partition, -1)]


def _add_resend(app: faust.App, ctx: StageContext, notifier: PortalNotifier) -> None:
    """Send notifications again that the agent never handed over.

    faust can skip a message whose hand-off to the agent raced a rebalance and commit past
    it (upstream #216/#221, the reason the tracker reconciles too): nobody would ever send
    that notification. So every ``HUB_RECONCILE_INTERVAL_SECONDS`` the notifier looks at the
    newest messages of its own partitions that its group has committed past; one older
    than ``HUB_REDELIVER_AFTER_SECONDS`` whose notification is neither handed over nor
    dead-lettered is written to the topic again (at most once per that time). The agent
    sends it once, by its id; a portal may receive it after a later status of the same
    case, which ``sequence`` tells apart.
    """
    after = ctx.settings.redeliver_after_seconds
    resent: dict[str, float] = {}
    # handed over, dead-lettered, or still being tried: none of them was skipped
    finished = (
        DeliveryStatus.delivered,
        DeliveryStatus.gave_up,
        DeliveryStatus.rejected,
        DeliveryStatus.retrying,
    )

    async def resend() -> None:
        try:
            mine = {tp.partition for tp in app.consumer.assignment() if tp.topic == notifier.topic}
        except Exception:  # not assigned yet: nothing of ours to look at
            return
        if not mine:
            return
        records = await asyncio.to_thread(
            committed_past, ctx.kafka, app.conf.id, notifier.topic, mine
        )
        now = time.time()
        for record in records:
            if now - record.timestamp < after:
                continue
            try:
                changed = ctx.codec.decode(record.value, topic=notifier.topic)
            except CodecError:
                continue
            if not isinstance(changed, CaseStatusChanged):
                continue
            nid = changed.notification_id
            state = notifier.states.get(nid)
            if (state is not None and state.status in finished) or now - resent.get(nid, 0) < after:
                continue
            resent[nid] = now
            await raw_topic(app, notifier.topic).send(key=record.key, value=record.value)
            log.warning("callback.resent", case_id=changed.envelope.case_id, portal=notifier.portal)

    app.timer(interval=ctx.settings.reconcile_interval_seconds, name=f"{notifier.name}.resend")(
        resend
    )


def _record(state: DeliveryState, exc: DeliveryError, now: float) -> None:
    if state.first_error_at is None:
        state.first_error_at, state.first_error = now, exc.message
    state.last_error, state.last_error_at, state.reason = exc.message, now, exc.reason
