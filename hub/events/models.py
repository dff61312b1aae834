"""Pydantic models of the hub's events, mirroring ``schemas/avro/`` field by field.

The Avro schemas are the source of truth; ``tests/events`` checks both agree by
round-tripping every model through its schema.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

NAMESPACE = "de.ikz.hub.events"
INVOICE_SERVICE = "xrechnung"  # the "service" of e-invoice cases in journeys and metric labels
_NOTIFICATION = uuid.UUID("1b1f5a52-2a44-5b51-9a39-0d6c3c0c4c11")


def utc_now() -> datetime:
    """Current time, UTC, truncated to milliseconds (Avro ``timestamp-millis``)."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=False)


class Envelope(_Model):
    """Carried by every event."""

    event_id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    case_id: str
    tenant: str
    occurred_at: datetime = Field(default_factory=utc_now)
    correlation_id: str
    schema_version: int = 1

    def follow(self, *, tenant: str | None = None) -> Envelope:
        """Envelope for an event caused by this one: same case and correlation, new id and time."""
        return Envelope(
            case_id=self.case_id,
            tenant=self.tenant if tenant is None else tenant,
            correlation_id=self.correlation_id,
        )


class Service(_Model):
    leika_id: str
    name: str


class Authority(_Model):
    name: str
    ags: str | None = None
    ars: str | None = None


class ApplicantType(StrEnum):
    person = "person"
    organisation = "organisation"


class Address(_Model):
    street: str
    postal_code: str
    city: str
    country: str = "DE"


class Applicant(_Model):
    type: ApplicantType
    given_name: str | None = None
    family_name: str | None = None
    birth_date: str | None = None
    name: str | None = None
    register_number: str | None = None
    address: Address | None = None
    email: str | None = None


class AttachmentRef(_Model):
    attachment_id: str
    filename: str
    media_type: str
    size: int
    sha256: str
    uri: str


class Payment(_Model):
    status: str
    amount: str
    currency: str
    method: str | None = None
    transaction_id: str | None = None


class ReplyChannel(_Model):
    type: str
    address: str


class Application(_Model):
    """A submission as the hub carries it (attachments by reference)."""

    portal: str
    submission_id: str
    submitted_at: datetime
    service: Service
    authority: Authority
    applicant: Applicant
    form_data_json: str
    attachments: tuple[AttachmentRef, ...] = ()
    payment: Payment | None = None
    reply_channel: ReplyChannel | None = None


class Invoice(_Model):
    """An XRechnung e-invoice: header business terms plus the original document by reference."""

    syntax: str
    document_type: str
    invoice_number: str
    issue_date: date
    type_code: str
    currency: str
    leitweg_id: str
    specification_id: str
    seller_name: str
    seller_vat_id: str | None = None
    payable_amount: str | None = None
    document: AttachmentRef
    validation: AttachmentRef | None = None  # intake's validation report (JSON)


class Event(_Model):
    """Base of every top-level event; ``avro_name`` links it to its schema."""

    avro_name: ClassVar[str]
    envelope: Envelope


class ApplicationSubmitted(Event):
    avro_name: ClassVar[str] = f"{NAMESPACE}.ApplicationSubmitted"
    application: Application


class InvoiceReceived(Event):
    avro_name: ClassVar[str] = f"{NAMESPACE}.InvoiceReceived"
    portal: str
    invoice: Invoice


class DeliveryRequested(Event):
    avro_name: ClassVar[str] = f"{NAMESPACE}.DeliveryRequested"
    delivery_id: str
    connector: str
    connector_kind: str
    rule: str
    application: Application | None = None
    invoice: Invoice | None = None


class PlannedDelivery(_Model):
    delivery_id: str
    connector: str
    connector_kind: str


class CaseRouted(Event):
    avro_name: ClassVar[str] = f"{NAMESPACE}.CaseRouted"
    rule: str
    service: str
    deliveries: tuple[PlannedDelivery, ...]
    reason: str | None = None
    source_topic: str | None = None
    source_partition: int = -1
    source_offset: int = -1
    portal: str = ""


class DeliveryResult(StrEnum):
    delivered = "delivered"
    rejected = "rejected"
    gave_up = "gave_up"


class DeliveryOutcome(Event):
    avro_name: ClassVar[str] = f"{NAMESPACE}.DeliveryOutcome"
    delivery_id: str
    connector: str
    connector_kind: str
    outcome: DeliveryResult
    media_break: bool
    receipt: str | None = None
    reason: str | None = None
    attempts: int = 1
    duration_seconds: float = 0.0
    detail: str | None = None  # the back office's own words when not delivered


class CaseStatus(StrEnum):
    received = "received"
    routed = "routed"
    delivered = "delivered"
    completed = "completed"
    media_break = "media_break"
    quarantined = "quarantined"

    @property
    def is_final(self) -> bool:
        """Completed, media break or quarantined: nothing more will happen by itself."""
        return self in FINAL_STATUSES


FINAL_STATUSES = frozenset({CaseStatus.completed, CaseStatus.media_break, CaseStatus.quarantined})


class BackOfficeReference(_Model):
    """A back office's own reference of a delivered case (its Aktenzeichen, record id, file)."""

    connector: str
    reference: str


class CaseStatusChanged(Event):
    avro_name: ClassVar[str] = f"{NAMESPACE}.CaseStatusChanged"
    status: CaseStatus
    previous: CaseStatus | None = None
    service: str
    reasons: tuple[str, ...] = ()
    portal: str = ""
    sequence: int = 0  # 1, 2, ...: the n-th status of the case, stable across re-emissions
    references: tuple[BackOfficeReference, ...] = ()

    @property
    def notification_id(self) -> str:
        """Stable id of this status change: the same case and sequence, the same id."""
        return str(uuid.uuid5(_NOTIFICATION, f"{self.envelope.case_id}\x1f{self.sequence}"))


class Quarantined(Event):
    avro_name: ClassVar[str] = f"{NAMESPACE}.Quarantined"
    stage: str
    reason: str
    detail: str
    connector: str | None = None
    source_topic: str
    original_key: bytes | None = None
    original_value: bytes
    attempts: int = 1
    first_error_at: datetime = Field(default_factory=utc_now)
    last_error_at: datetime = Field(default_factory=utc_now)
    first_error: str = ""


def quarantine_record(
    stage: str,
    reason: str,
    detail: str,
    *,
    source_topic: str,
    key: bytes | None,
    value: bytes,
    case_id: str = "",
    tenant: str = "",
    connector: str | None = None,
    **context: object,
) -> Quarantined:
    """The original message with its error context (``context``: attempts, first error, times)."""
    return Quarantined(
        envelope=Envelope(case_id=case_id, tenant=tenant, correlation_id=case_id),
        stage=stage,
        reason=reason,
        detail=detail,
        connector=connector,
        source_topic=source_topic,
        original_key=key,
        original_value=value,
        **context,
    )


class Replayed(Event):
    avro_name: ClassVar[str] = f"{NAMESPACE}.Replayed"
    entry_id: str
    entry_topic: str
    target_topic: str
    operator: str = ""


EVENT_TYPES: tuple[type[Event], ...] = (
    ApplicationSubmitted,
    InvoiceReceived,
    DeliveryRequested,
    CaseRouted,
    DeliveryOutcome,
    CaseStatusChanged,
    Quarantined,
    Replayed,
)
