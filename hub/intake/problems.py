"""RFC 9457 problem details (``application/problem+json``) for every error intake returns."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

PROBLEM_BASE = "https://ikz-hub.example/problems/"
MEDIA_TYPE = "application/problem+json"


@dataclass
class Problem(Exception):  # noqa: N818 - RFC 9457 calls it a problem, not an error
    """An error answer: ``kind`` is the stable problem type (and metric reason)."""

    status: int
    kind: str
    title: str
    detail: str = ""
    errors: list[dict[str, str]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def body(self, instance: str | None = None) -> dict[str, Any]:
        """The problem document."""
        doc: dict[str, Any] = {
            "type": PROBLEM_BASE + self.kind,
            "title": self.title,
            "status": self.status,
        }
        if self.detail:
            doc["detail"] = self.detail
        if instance:
            doc["instance"] = instance
        if self.errors:
            doc["errors"] = self.errors
        return doc

    def response(self, instance: str | None = None) -> web.Response:
        """The aiohttp response carrying this problem."""
        return web.Response(
            status=self.status,
            body=json.dumps(self.body(instance), ensure_ascii=False).encode(),
            content_type=MEDIA_TYPE,
            headers=self.headers,
        )
