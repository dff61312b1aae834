"""One delivery, start to end: load attachments, render, deliver, classify, retry.

The faust agent around it only decodes, calls :func:`hand_over` and writes the
outcome; everything here is testable without a broker.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import structlog

from hub.delivery.connector import Connector
from hub.delivery.errors import DeliveryError, PermanentError, TransientError
from hub.events.models import DeliveryOutcome, DeliveryRequested, DeliveryResult
from hub.intake.blobstore import BlobStore

log = structlog.get_logger("hub.delivery")


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter."""

    attempts: int = 3
    base_seconds: float = 0.5
    max_seconds: float = 30.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        return random.uniform(0, min(self.max_seconds, self.base_seconds * 2 ** (attempt - 1)))  # noqa: S311


def _load_attachments(request: DeliveryRequested, blobs: BlobStore) -> dict[str, bytes]:
    """Bytes of every document the case references, by sha256."""
    refs = list(request.application.attachments) if request.application else []
    if request.invoice is not None:
        refs.append(request.invoice.document)
    found: dict[str, bytes] = {}
    for ref in refs:
        try:
            found[ref.sha256] = blobs.get(ref.uri)
        except FileNotFoundError as exc:
            raise PermanentError(
                "document missing from the blob store", detail=ref.uri, reason="attachment_missing"
            ) from exc
    return found


async def hand_over(
    connector: Connector,
    request: DeliveryRequested,
    blobs: BlobStore,
    policy: RetryPolicy,
    *,
    on_retry: Callable[[TransientError], None] = lambda _e: None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> DeliveryOutcome:
    """Deliver one request and return its outcome; never raises for delivery errors."""
    started = time.monotonic()
    attempt = 0
    result, receipt, reason = DeliveryResult.gave_up, None, None
    while True:
        attempt += 1
        try:
            attachments = await asyncio.to_thread(_load_attachments, request, blobs)
            document = connector.render(request, attachments)
            handed = await asyncio.to_thread(connector.deliver, document, request.delivery_id)
        except TransientError as exc:
            log.warning("delivery.transient", attempt=attempt, error=exc.message, reason=exc.reason)
            if attempt >= policy.attempts:
                result, reason = DeliveryResult.gave_up, exc.reason
                break
            on_retry(exc)
            await sleep(policy.delay(attempt))
            continue
        except DeliveryError as exc:
            log.warning("delivery.rejected", error=exc.message, reason=exc.reason)
            result, reason = DeliveryResult.rejected, exc.reason
            break
        result, receipt = DeliveryResult.delivered, handed.reference
        log.debug("delivery.handed_over", duplicate=handed.duplicate, attempts=attempt)
        break
    return DeliveryOutcome(
        envelope=request.envelope.follow(),
        delivery_id=request.delivery_id,
        connector=request.connector,
        connector_kind=request.connector_kind,
        outcome=result,
        media_break=connector.media_break or result is not DeliveryResult.delivered,
        receipt=receipt,
        reason=reason,
        attempts=attempt,
        duration_seconds=time.monotonic() - started,
    )
