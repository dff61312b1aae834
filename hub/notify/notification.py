"""Status callbacks to portals: what a notification says and how it is signed (pure).

A portal with ``callback`` in ``portals.yaml`` receives one POST per status change
of each of its cases::

    POST <callback url>
    Content-Type: application/json
    X-Hub-Notification-Id: <uuid>        the same change always has the same id
    X-Hub-Timestamp: <unix seconds>
    X-Hub-Signature: sha256=<hex HMAC-SHA256(portal secret, "{timestamp}.{raw body}")>

    {"notificationId": "...", "caseId": "...", "kind": "application", "status": "completed",
     "previous": "delivered", "sequence": 4, "final": true, "mediaBreak": false, "reasons": [],
     "references": [{"connector": "gewerbe", "reference": "GEW-2026-000123"}],
     "occurredAt": "...", "statusUrl": "/v1/applications/<id>"}

``sequence`` counts a case's statuses from 1; a portal that receives a notification
twice (after a crash between its answer and the hub's record of it) recognises it
by ``notificationId``.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from hub.events.models import INVOICE_SERVICE, CaseStatusChanged
from hub.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

NOTIFICATION_HEADER = "X-Hub-Notification-Id"


@dataclass(frozen=True)
class Notification:
    """One callback, ready to POST."""

    notification_id: str
    body: bytes

    def headers(self, secret: str, timestamp: int | None = None) -> dict[str, str]:
        """Headers of the POST, signed with the portal's secret."""
        ts = int(time.time()) if timestamp is None else timestamp
        return {
            "Content-Type": "application/json",
            NOTIFICATION_HEADER: self.notification_id,
            TIMESTAMP_HEADER: str(ts),
            SIGNATURE_HEADER: sign(secret, ts, self.body),
        }


def notification_for(changed: CaseStatusChanged) -> Notification:
    """The callback of one status change (no personal data: the same as a status read)."""
    kind = "invoice" if changed.service == INVOICE_SERVICE else "application"
    status = changed.status
    doc = {
        "notificationId": changed.notification_id,
        "caseId": changed.envelope.case_id,
        "kind": kind,
        "status": status.value,
        "previous": changed.previous.value if changed.previous else None,
        "sequence": changed.sequence,
        "final": status.is_final,
        "mediaBreak": status.value == "media_break" if status.is_final else None,
        "reasons": list(changed.reasons),
        "references": [r.model_dump() for r in changed.references],
        "occurredAt": changed.envelope.occurred_at.isoformat(),
        "statusUrl": f"/v1/{kind}s/{changed.envelope.case_id}",
    }
    body = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
    return Notification(changed.notification_id, body)
