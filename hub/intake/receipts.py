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

    case_id: str
    kind: str = "application"  # application | invoice
    portal: str
    tenant: str
    service: str
    received_at: str
    content_sha256: str

    @property
    def id_key(self) -> str:
        """``applicationId`` or ``invoiceId``."""
        return f"{self.kind}Id"

    def public(self) -> dict[str, str]:
        """The receipt as the portal sees it (camelCase, with links)."""
        return {
            self.id_key: self.case_id,
            "status": "received",
            "tenant": self.tenant,
            "service": self.service,
            "receivedAt": self.received_at,
            "statusUrl": f"/v1/{self.kind}s/{self.case_id}",
        }


class ReceiptStore:
    """Receipts as ``<root>/<ab>/<application id>.json``, written atomically."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, case_id: str) -> Path:
        return self.root / case_id[:2] / f"{case_id}.json"

    def get(self, case_id: str) -> Receipt | None:
        """The receipt of an accepted case, or None."""
        try:
            return Receipt.model_validate(json.loads(self._path(case_id).read_text()))
        except FileNotFoundError:
            return None

    def put(self, receipt: Receipt) -> None:
        """Store (or replace) a receipt."""
        path = self._path(receipt.case_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "w") as f:
            f.write(receipt.model_dump_json())
        Path(tmp).replace(path)
