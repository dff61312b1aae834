"""What a connector renders and what the back office gives back."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Document:
    """A rendered delivery: one file or request body for the back office."""

    filename: str
    content: bytes
    media_type: str


@dataclass(frozen=True)
class HandoverReceipt:
    """What the back office acknowledged; ``duplicate`` when it already had this delivery."""

    reference: str
    duplicate: bool = False
    #: seconds from hand-over to the back office's import confirmation, for kinds that wait
    #: for one (a DMS's ImportBestaetigen); None where the hand-over itself is the answer
    confirmation_seconds: float | None = None
