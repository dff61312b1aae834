"""The confirmation loop of ``dms.xdomea``: a filing counts only once the DMS confirmed the import.

The DMS answers a filing ``{ProzessID}_FVDaten.SGOAblegen.0605.zip`` with
``FVDaten.EmpfangBestaetigen.0629`` (received) and ``FVDaten.ImportBestaetigen.0630``
(imported, or refused with its reason). In directory mode the answers appear as files in
the DMS's outbox (:func:`wait_for_import` polls for them); over HTTP they come in the
answer to the POST (:func:`http_answer`). :func:`outcome` turns the 0630 into a receipt
or a permanent error carrying the DMS's reason.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog
from pydantic import BaseModel, ConfigDict, Field

from hub.delivery.documents import HandoverReceipt
from hub.delivery.errors import PermanentError, TransientError
from hub.formats.xdomea import Confirmation, confirmation_filename, parse_confirmation
from hub.formats.xdomea.confirmations import ConfirmationKind
from hub.formats.xdomea.errors import ConfirmationError

log = structlog.get_logger("hub.connectors.dms_xdomea")

REJECTED = "dms_rejected"
NO_CONFIRMATION = "no_confirmation"
UNREADABLE = "confirmation_unreadable"
REASON_LIMIT = 500  # characters of the DMS's reason text carried into the error message
FIRST_POLL_SECONDS = 0.05  # a fast DMS is seen at once; the wait then grows to poll_seconds


class ConfirmationOptions(BaseModel):
    """``options.confirmations``: where the DMS answers and how long to wait for the 0630."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    outbox: Path = Field(description="the DMS's outbox directory (0629 / 0630 files)")
    timeout_seconds: float = Field(60.0, gt=0, le=3600)
    poll_seconds: float = Field(0.5, gt=0, le=60)


@dataclass(frozen=True)
class Confirmed:
    """The import confirmation of one filing, the receipt before it (if any) and the wait."""

    imported: Confirmation
    received: Confirmation | None
    seconds: float


def _parsed(data: bytes, prozess_id: str, kind: ConfirmationKind, source: str) -> Confirmation:
    try:
        found = parse_confirmation(data)
    except ConfirmationError as exc:
        raise TransientError(
            f"unreadable {kind} confirmation from the DMS ({source})",
            detail=str(exc),
            reason=UNREADABLE,
        ) from exc
    if found.kind != kind or found.prozess_id != prozess_id:
        raise TransientError(
            f"the DMS's {kind} confirmation ({source}) does not answer ProzessID {prozess_id}",
            reason=UNREADABLE,
        )
    return found


def read_answer(outbox: Path, prozess_id: str, kind: ConfirmationKind) -> Confirmation | None:
    """The 0629 (``received``) or 0630 (``imported``) for ``prozess_id`` in ``outbox``, if there."""
    path = outbox / confirmation_filename(prozess_id, kind)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise TransientError(f"cannot read the DMS outbox {outbox}", detail=str(exc)) from exc
    return _parsed(data, prozess_id, kind, path.name)


def wait_for_import(
    outbox: Path,
    prozess_id: str,
    options: ConfirmationOptions,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Confirmed:
    """Poll ``outbox`` until the 0630 for ``prozess_id`` is there (blocking: run in a thread).

    :class:`TransientError` (``no_confirmation``) after ``options.timeout_seconds``: the
    runtime retries with backoff, re-dropping the same package name.
    """
    started = clock()
    delay = min(FIRST_POLL_SECONDS, options.poll_seconds)
    received: Confirmation | None = None
    while True:
        if received is None:
            received = read_answer(outbox, prozess_id, "received")
            if received is not None:
                log.info("dms.receipt_confirmed", seconds=round(clock() - started, 3))
        imported = read_answer(outbox, prozess_id, "imported")
        if imported is not None:
            return Confirmed(imported, received, clock() - started)
        waited = clock() - started
        if waited >= options.timeout_seconds:
            message = no_import_message(received is not None, options.timeout_seconds)
            raise TransientError(message, reason=NO_CONFIRMATION)
        sleep(min(delay, options.timeout_seconds - waited))
        delay = min(delay * 2, options.poll_seconds)


def no_import_message(received: bool, timeout: float | None = None) -> str:
    """Operator text for a missing 0630 (naming whether the 0629 came)."""
    within = f" within {timeout:g} s" if timeout is not None else ""
    if received:
        return f"the DMS confirmed receipt (0629) but not the import (0630){within}"
    return f"no confirmation (0629 / 0630) from the DMS{within}"


def http_answer(body: Any, prozess_id: str, seconds: float) -> Confirmed:
    """The confirmations in an HTTP answer ``{"receipt": <0629>, "import": <0630> | null}``."""
    if not isinstance(body, dict):
        raise TransientError("the DMS's answer is no JSON object", reason=UNREADABLE)
    received = None
    if isinstance(body.get("receipt"), str):
        received = _parsed(body["receipt"].encode(), prozess_id, "received", "answer.receipt")
    xml = body.get("import")
    if not isinstance(xml, str):
        raise TransientError(no_import_message(received is not None), reason=NO_CONFIRMATION)
    imported = _parsed(xml.encode(), prozess_id, "imported", "answer.import")
    return Confirmed(imported, received, seconds)


def outcome(confirmed: Confirmed, package: str, *, duplicate: bool) -> HandoverReceipt:
    """A positive 0630 as a receipt (the DMS's record id, else the package name); a negative
    one as :class:`PermanentError` ``dms_rejected`` whose message carries the DMS's reason."""
    imported = confirmed.imported
    if not imported.success:
        reason = (imported.reason or "no reason given").strip()
        if len(reason) > REASON_LIMIT:
            reason = reason[: REASON_LIMIT - 1] + "…"
        raise PermanentError(f"DMS refused the import: {reason}", reason=REJECTED, detail=reason)
    return HandoverReceipt(
        reference=imported.record_id or package,
        duplicate=duplicate,
        confirmation_seconds=confirmed.seconds,
    )
