"""The one model of a delivery's state: one case handed to one connector instance.

The connector role remembers it per delivery id (a faust table) to hand a
delivery over at most once and to retry it until its deadline; the tracker keeps
the same model in the case's journey to know which deliveries have ended and how.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from hub.events.models import DeliveryResult


class DeliveryStatus(StrEnum):
    """Where a delivery stands."""

    pending = "pending"  # expected (routed), not ended yet
    retrying = "retrying"  # failed transiently, tried again later
    delivered = "delivered"
    rejected = "rejected"
    gave_up = "gave_up"

    @property
    def ended(self) -> bool:
        """Delivered, rejected or given up: nothing more will happen by itself."""
        return self in (DeliveryStatus.delivered, DeliveryStatus.rejected, DeliveryStatus.gave_up)

    @classmethod
    def of(cls, result: DeliveryResult) -> DeliveryStatus:
        """The status an outcome event reports."""
        return cls(result.value)

    def result(self) -> DeliveryResult:
        """The outcome event's form of an ended status (given up for anything not ended)."""
        return DeliveryResult(self.value) if self.ended else DeliveryResult.gave_up


class DeliveryState(BaseModel):
    """One delivery: what was tried, how it ended, what the back office answered."""

    model_config = ConfigDict(extra="forbid")

    connector: str = ""
    kind: str = ""
    status: DeliveryStatus = DeliveryStatus.pending
    media_break: bool = False
    attempts: int = 0
    reason: str | None = None
    detail: str | None = None  # how it ended when not delivered, as the outcome reported it
    receipt: str | None = None  # the back office's reference (file name, Aktenzeichen, record id)
    first_error: str | None = None
    first_error_at: float | None = None  # unix seconds
    last_error: str | None = None
    last_error_at: float | None = None
    ended_at: datetime | None = None
