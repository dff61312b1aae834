"""Receipts of accepted submissions: what a repeat of the same submission gets back.

Stored as one JSON file per application id. With several intake replicas the
directory must be shared storage (the same volume the blob store uses).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from pydantic import BaseModel, ConfigDict


class Receipt(BaseModel):
    """What intake answered when it accepted a submission."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    application_id: str
    portal: str
    tenant: str
    service: str
    received_at: str
    content_sha256: str

    def public(self) -> dict[str, str]:
        """The receipt as the portal sees it (camelCase, with links)."""
        return {
            "applicationId": self.application_id,
            "status": "received",
            "tenant": self.tenant,
            "service": self.service,
            "receivedAt": self.received_at,
            "statusUrl": f"/v1/applications/{self.application_id}",
        }


class ReceiptStore:
    """Receipts as ``<root>/<ab>/<application id>.json``, written atomically."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, application_id: str) -> Path:
        return self.root / application_id[:2] / f"{application_id}.json"

    def get(self, application_id: str) -> Receipt | None:
        """The receipt of an accepted submission, or None."""
        try:
            return Receipt.model_validate(json.loads(self._path(application_id).read_text()))
        except FileNotFoundError:
            return None

    def put(self, receipt: Receipt) -> None:
        """Store (or replace) a receipt."""
        path = self._path(receipt.application_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "w") as f:
            f.write(receipt.model_dump_json())
        Path(tmp).replace(path)
