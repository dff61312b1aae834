"""One delivery request from arrival to its end: remembered state, attempts, retries, dead letter.

The faust agent of a connector instance calls :meth:`DeliveryRunner.run` for
each request and writes what comes back (the outcome, and a dead-letter record
when it did not end delivered). Everything here runs without a broker:

* **Idempotent hand-over.** The state of every delivery id is remembered (a
  faust table, i.e. a compacted changelog topic). A request whose delivery was
  already handed over is not handed over again, whether it was consumed twice,
  replayed from the dead-letter topic, or re-read after a restart. Should the
  process die between the back office's acknowledgement and that record, the
  repeat carries the same idempotency key, which the back office recognises.
* **Retries without collateral damage.** A transient error parks this
  connector instance (its partitions are paused, other connectors go on) and
  retries with exponential backoff and jitter until the deadline, counted from
  the first error even across restarts; then the delivery is given up.
* **Permanent and configuration errors** end the delivery at once.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

import structlog

from hub.delivery.connector import Connector
from hub.delivery.documents import HandoverReceipt
from hub.delivery.errors import DeliveryError, PermanentError, TransientError
from hub.delivery.state import DeliveryState, DeliveryStatus
from hub.events.models import DeliveryOutcome, DeliveryRequested, DeliveryResult
from hub.storage.blobs import BlobStore

log = structlog.get_logger("hub.delivery")


class StateStore(Protocol):
    """Remembered delivery states, by delivery id."""

    def get(self, delivery_id: str) -> DeliveryState | None:
        """The state, or None for a delivery never attempted."""
        ...

    def put(self, delivery_id: str, state: DeliveryState) -> None:
        """Remember ``state``."""
        ...


class MemoryStateStore:
    """A dict; for tests and tools."""

    def __init__(self) -> None:
        self.states: dict[str, DeliveryState] = {}

    def get(self, delivery_id: str) -> DeliveryState | None:
        """The state, or None."""
        return self.states.get(delivery_id)

    def put(self, delivery_id: str, state: DeliveryState) -> None:
        """Remember ``state``."""
        self.states[delivery_id] = state


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, capped, until a deadline."""

    base_seconds: float = 1.0
    max_seconds: float = 60.0
    deadline_seconds: float = 72 * 3600.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based): half fixed, half
        random, so a crowd of retries spreads out but none spins."""
        ceiling = min(self.max_seconds, self.base_seconds * 2.0 ** (attempt - 1))
        return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 - jitter, not crypto

    def expired(self, first_error_at: float, now: float) -> bool:
        """True once the deadline since the first error has passed."""
        return now - first_error_at >= self.deadline_seconds


@dataclass(frozen=True)
class Ended:
    """How one request ended: its outcome, and its state when it needs dead-lettering."""

    outcome: DeliveryOutcome
    state: DeliveryState
    skipped: bool = False  # already handed over earlier: nothing was sent
    confirmation_seconds: float | None = None  # the back office confirmed the import this fast

    @property
    def dead_letter(self) -> bool:
        """Rejected or given up: keep the request in the dead-letter topic."""
        return self.state.status in (DeliveryStatus.rejected, DeliveryStatus.gave_up)


def load_attachments(request: DeliveryRequested, blobs: BlobStore) -> dict[str, bytes]:
    """Bytes of every document the case references, by sha256."""
    refs = list(request.application.attachments) if request.application else []
    if request.invoice is not None:
        refs.append(request.invoice.document)
        if request.invoice.validation is not None:
            refs.append(request.invoice.validation)
    found: dict[str, bytes] = {}
    for ref in refs:
        try:
            found[ref.sha256] = blobs.get(ref.uri)
        except FileNotFoundError as exc:
            raise PermanentError(
                "document missing from the blob store", detail=ref.uri, reason="attachment_missing"
            ) from exc
    return found


def attempt(connector: Connector, request: DeliveryRequested, blobs: BlobStore) -> HandoverReceipt:
    """Load, render and deliver once (blocking: run it in a thread)."""
    document = connector.render(request, load_attachments(request, blobs))
    return connector.deliver(document, request.delivery_id)


DETAIL_LIMIT = 1000  # characters of an error message carried into the outcome


def _detail(state: DeliveryState) -> str | None:
    """The last error's operator-facing message (errors carry no personal data), bounded."""
    text = state.last_error
    if text is None or len(text) <= DETAIL_LIMIT:
        return text
    return text[: DETAIL_LIMIT - 1] + "…"


def _noop() -> None:
    return None


class DeliveryRunner:
    """Runs requests of one connector instance (see module docstring)."""

    def __init__(
        self,
        connector: Connector,
        blobs: BlobStore,
        states: StateStore,
        policy: RetryPolicy,
        *,
        park: Callable[[], None] = _noop,
        resume: Callable[[], None] = _noop,
        on_attempt: Callable[[], None] = _noop,
        on_retry: Callable[[TransientError], None] = lambda _e: None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.connector, self.blobs, self.states, self.policy = connector, blobs, states, policy
        self.park, self.resume, self.on_attempt, self.on_retry = park, resume, on_attempt, on_retry
        self.sleep, self.clock = sleep, clock

    def _outcome(
        self, request: DeliveryRequested, state: DeliveryState, attempts: int, seconds: float
    ) -> DeliveryOutcome:
        result = state.status.result()
        return DeliveryOutcome(
            envelope=request.envelope.follow(),
            delivery_id=request.delivery_id,
            connector=request.connector,
            connector_kind=request.connector_kind,
            outcome=result,
            media_break=self.connector.media_break or result is not DeliveryResult.delivered,
            receipt=state.receipt,
            reason=state.reason,
            detail=_detail(state) if result is not DeliveryResult.delivered else None,
            attempts=attempts,
            duration_seconds=seconds,
        )

    async def run(self, request: DeliveryRequested) -> Ended:
        """Deliver ``request`` unless it was delivered before; never raises delivery errors."""
        did = request.delivery_id
        state = self.states.get(did)
        if state is not None and state.status is DeliveryStatus.delivered:
            log.info("delivery.already_handed_over", delivery_id=did)
            return Ended(self._outcome(request, state, 0, 0.0), state, skipped=True)
        state = state or DeliveryState(
            connector=request.connector, kind=request.connector_kind, status=DeliveryStatus.pending
        )
        started, attempts, parked = time.monotonic(), 0, False
        confirmation: float | None = None
        try:
            while True:
                self.on_attempt()
                attempts += 1
                state.attempts += 1
                try:
                    receipt = await asyncio.to_thread(attempt, self.connector, request, self.blobs)
                except TransientError as exc:
                    now = self.clock()
                    self._record_error(state, exc, now)
                    if self.policy.expired(state.first_error_at or now, now):
                        state.status = DeliveryStatus.gave_up
                        break
                    state.status = DeliveryStatus.retrying
                    self.states.put(did, state)
                    log.warning("delivery.retrying", attempt=state.attempts, reason=exc.reason)
                    self.on_retry(exc)
                    if not parked:
                        self.park()
                        parked = True
                    await self.sleep(
                        max(self.policy.delay(state.attempts), exc.retry_after_seconds or 0.0)
                    )
                    continue
                except DeliveryError as exc:  # permanent or configuration: retrying cannot help
                    self._record_error(state, exc, self.clock())
                    state.status = DeliveryStatus.rejected
                    break
                state.status, state.receipt, state.reason = (
                    DeliveryStatus.delivered,
                    receipt.reference,
                    None,
                )
                confirmation = receipt.confirmation_seconds
                log.debug("delivery.handed_over", duplicate=receipt.duplicate, attempts=attempts)
                break
        finally:
            if parked:
                self.resume()
        self.states.put(did, state)
        if state.status is not DeliveryStatus.delivered:
            log.warning("delivery.ended", status=state.status.value, reason=state.reason)
        outcome = self._outcome(request, state, attempts, time.monotonic() - started)
        return Ended(outcome, state, confirmation_seconds=confirmation)

    @staticmethod
    def _record_error(state: DeliveryState, exc: DeliveryError, now: float) -> None:
        if state.first_error_at is None:
            state.first_error_at, state.first_error = now, exc.message
        state.last_error, state.last_error_at, state.reason = exc.message, now, exc.reason
