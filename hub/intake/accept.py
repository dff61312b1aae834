"""The accept sequence of a new case, once every check has passed.

In order, serialised per case id: a repeat check against the receipt (same
content: the original receipt, ``200``; other content: ``409``), the documents
stored by hash, the event produced and acknowledged by the broker, the receipt
written, ``202``. Any failure before the acknowledgement creates no case (no
event, no receipt); blobs already written stay, since the blob store is shared
by content and a retry reuses them.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import structlog

from hub.events.codec import EventCodec
from hub.events.models import Event
from hub.intake.problems import Problem
from hub.intake.receipts import Receipt, ReceiptStore
from hub.kafka.producer import EventProducer, ProduceError
from hub.metrics import HubMetrics
from hub.storage.blobs import BlobStore

log = structlog.get_logger("hub.intake")


@dataclass(frozen=True)
class NewCase:
    """Everything needed to accept one case once it passed every check."""

    case_id: str
    kind: str  # application | invoice
    portal: str
    tenant: str
    service: str
    fingerprint: str  # of the content; equal content is a repeat, other content a conflict
    documents: list[tuple[str, bytes]]  # (sha256, bytes) to store before the event
    topic: str
    build_event: Callable[[list[str]], Event]  # from the documents' URIs
    conflict_detail: str


@dataclass(frozen=True)
class Accepted:
    """The answer to an accepted case: ``202`` for a new one, ``200`` for a repeat."""

    status: int
    receipt: Receipt


class Acceptor:
    """Accepts cases: documents, event, receipt; one case id at a time."""

    def __init__(
        self,
        *,
        codec: EventCodec,
        producer: EventProducer,
        blobs: BlobStore,
        receipts: ReceiptStore,
        metrics: HubMetrics,
    ) -> None:
        self.codec, self.producer, self.blobs = codec, producer, blobs
        self.receipts, self.metrics = receipts, metrics
        # one lock per case in flight, so concurrent repeats of a submission are serialised
        self._locks: dict[str, asyncio.Lock] = {}
        self._holders: defaultdict[str, int] = defaultdict(int)

    async def accept(self, case: NewCase) -> Accepted:
        """Accept ``case`` (or recognise its repeat); raises :class:`Problem` (409, 503)."""
        structlog.contextvars.bind_contextvars(case_id=case.case_id, tenant=case.tenant)
        lock = self._locks.setdefault(case.case_id, asyncio.Lock())
        self._holders[case.case_id] += 1
        try:
            async with lock:
                return await self._accept_locked(case)
        finally:
            self._holders[case.case_id] -= 1
            if not self._holders[case.case_id]:
                del self._holders[case.case_id], self._locks[case.case_id]
            structlog.contextvars.unbind_contextvars("case_id", "tenant")

    async def _accept_locked(self, case: NewCase) -> Accepted:
        existing = await asyncio.to_thread(self.receipts.get, case.case_id)
        if existing is not None:
            if existing.content_sha256 != case.fingerprint:
                raise Problem(
                    409,
                    "conflicting_duplicate",
                    "Id already used for other content",
                    case.conflict_detail,
                )
            log.info("intake.repeat", kind=case.kind, service=case.service)
            return Accepted(200, existing)

        uris: list[str] = []
        try:
            # Blobs are content-addressed and shared between cases, so a failed request never
            # deletes one: another case may reference the same bytes. What a failure leaves is
            # at most a blob no case refers to, which the portal's retry reuses.
            for sha256, data in case.documents:
                uri, _new = await asyncio.to_thread(self.blobs.put, sha256, data)
                uris.append(uri)
            event = case.build_event(uris)
            value = self.codec.encode(event, topic=case.topic)
            await self.producer.send(case.topic, case.case_id.encode(), value)
        except (ProduceError, OSError) as exc:
            log.warning("intake.unavailable", error=type(exc).__name__, detail=str(exc))
            raise Problem(
                503,
                "broker_unavailable",
                "The hub cannot take the submission right now",
                "no case was created; retry later",
                headers={"Retry-After": "30"},
            ) from None

        receipt = Receipt(
            case_id=case.case_id,
            kind=case.kind,
            portal=case.portal,
            tenant=case.tenant,
            service=case.service,
            received_at=event.envelope.occurred_at.isoformat(),
            content_sha256=case.fingerprint,
        )
        try:
            await asyncio.to_thread(self.receipts.put, receipt)
        except OSError as exc:
            # the event is on the broker: a retry produces it again under the same id, which
            # routing and delivery take as a repeat, and then writes the receipt
            log.warning("intake.receipt_unwritten", error=type(exc).__name__)
            raise Problem(
                503,
                "broker_unavailable",
                "The hub cannot take the submission right now",
                "the receipt could not be written; retry later",
                headers={"Retry-After": "30"},
            ) from None
        label = self.metrics.service_label(case.service)  # bounded by the configuration
        self.metrics.cases_received.labels(case.kind, case.tenant, label).inc()
        log.info("intake.accepted", kind=case.kind, service=case.service, documents=len(uris))
        return Accepted(202, receipt)


def receipt_headers(accepted: Accepted) -> dict[str, Any]:
    """``Location`` of a new case's status."""
    return {"Location": accepted.receipt.public()["statusUrl"]} if accepted.status == 202 else {}
