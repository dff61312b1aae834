"""A portal's side of the intake API: sign and post submissions."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx

from hub.signing import signed_headers, signed_read_headers


@dataclass(frozen=True)
class PostResult:
    """The answer to one submission."""

    status: int
    body: dict[str, Any]

    @property
    def accepted(self) -> bool:
        """202 (new) or 200 (repeat of an accepted submission)."""
        return self.status in (200, 202)


class IntakeClient:
    """Posts signed submissions to a hub's intake."""

    def __init__(self, base_url: str, portal: str, secret: str, *, timeout: float = 30.0) -> None:
        self.portal, self.secret = portal, secret
        self.http = httpx.Client(base_url=base_url, timeout=timeout)

    def submit(self, body: bytes, *, timestamp: int | None = None) -> PostResult:
        """POST one submission (raw JSON bytes, signed as sent)."""
        ts = int(time.time()) if timestamp is None else timestamp
        headers = {
            "Content-Type": "application/json",
            **signed_headers(self.portal, self.secret, ts, body),
        }
        resp = self.http.post("/v1/applications", content=body, headers=headers)
        return PostResult(resp.status_code, _json(resp))

    def submit_invoice(self, document: bytes, *, timestamp: int | None = None) -> PostResult:
        """POST one XRechnung document (signed as sent)."""
        ts = int(time.time()) if timestamp is None else timestamp
        headers = {
            "Content-Type": "application/xml",
            **signed_headers(self.portal, self.secret, ts, document),
        }
        resp = self.http.post("/v1/invoices", content=document, headers=headers)
        return PostResult(resp.status_code, _json(resp))

    def status(
        self, case_id: str, kind: str = "application", *, timestamp: int | None = None
    ) -> PostResult:
        """GET the journey of an application (or, with ``kind="invoice"``, an invoice), signed."""
        ts = int(time.time()) if timestamp is None else timestamp
        path = f"/v1/{kind}s/{case_id}"
        resp = self.http.get(path, headers=signed_read_headers(self.portal, self.secret, ts, path))
        return PostResult(resp.status_code, _json(resp))

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()


def _json(resp: httpx.Response) -> dict[str, Any]:
    try:
        data = resp.json()
    except ValueError:
        return {"raw": resp.text[:500]}
    return data if isinstance(data, dict) else {"value": data}
