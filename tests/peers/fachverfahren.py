"""A stand-in Fachverfahren with a REST import (a generic procedure), for tests and tutorials.

Behaves like a real one: ``POST /import`` takes a case as JSON, imports it once
per ``Idempotency-Key`` (a repeat is answered ``200`` with the same reference and
``"duplicate": true``), refuses content it does not accept with ``422``
problem+json, and can be told to answer ``503`` or to hang. It reads no field but
``service.leikaId`` (for ``reject_services``), ``caseId`` and ``tenant``, so it takes
the generic case JSON of ``procedure.rest`` as well as any mapped body. Imports are
appended to ``<state>/imports.jsonl`` so counts survive a restart of the stand-in.

    python -m tests.peers.fachverfahren --port 8801 --state var/fv [--token SECRET]

Endpoints:
  POST /import     one case as application/json; headers: Idempotency-Key (required, else
                   400) and, with --token, Authorization: Bearer TOKEN (else 401); answers
                   201 {"reference": "FV-000001"} (200 with "duplicate": true for a repeat)
                   or 422 problem+json "Pflichtangaben fuer Leistung ... unvollstaendig"
  POST /_control   JSON {"mode": "up"|"unavailable"|"hang"|"reject", "reject_services":
                   ["99050012104000"], "delay_seconds": 0.05}, each key optional: up
                   imports; unavailable answers 503; hang holds requests until the mode
                   changes; reject refuses every new import with 422; reject_services
                   refuses only cases of those Leistungsschluessel; delay_seconds waits
                   before answering
  GET  /_stats     {"imports": n (one per key), "posts": n (every POST), "keys": [...],
                   "imported": [{"key", "reference", "case", "tenant", "service", "at"}]}
  GET  /healthz    {"status": "ok"}
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path
from typing import Any

from aiohttp import web


class Fachverfahren:
    """State and handlers of the stand-in."""

    def __init__(self, state_dir: Path, token: str | None) -> None:
        self.state_dir, self.token = state_dir, token
        self.mode = "up"
        self.reject_services: set[str] = set()
        self.delay_seconds = 0.0
        self.posts = 0
        self.unblocked = asyncio.Event()
        self.unblocked.set()
        state_dir.mkdir(parents=True, exist_ok=True)
        self.log = state_dir / "imports.jsonl"
        self.imports: dict[str, dict[str, Any]] = {}
        if self.log.exists():
            for line in self.log.read_text().splitlines():
                entry = json.loads(line)
                self.imports[entry["key"]] = entry

    def problem(self, status: int, title: str) -> web.Response:
        """A problem+json answer."""
        body = json.dumps({"type": "about:blank", "title": title, "status": status})
        return web.Response(status=status, text=body, content_type="application/problem+json")

    async def import_case(self, request: web.Request) -> web.Response:
        """``POST /import``."""
        self.posts += 1
        if self.token and request.headers.get("Authorization") != f"Bearer {self.token}":
            return self.problem(401, "invalid token")
        await self.unblocked.wait()
        if self.mode == "unavailable":
            return self.problem(503, "Wartungsfenster")
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        key = request.headers.get("Idempotency-Key")
        if not key:
            return self.problem(400, "Idempotency-Key header missing")
        body = await request.json()
        if key in self.imports:
            return web.json_response(
                {"reference": self.imports[key]["reference"], "duplicate": True}
            )
        service = body.get("service", {}).get("leikaId", "")
        if self.mode == "reject" or service in self.reject_services:
            return self.problem(422, f"Pflichtangaben für Leistung {service or '?'} unvollständig")
        entry = {
            "key": key,
            "reference": f"FV-{len(self.imports) + 1:06d}",
            "case": body.get("caseId"),
            "tenant": body.get("tenant"),
            "service": service,
            "at": time.time(),
        }
        self.imports[key] = entry
        with self.log.open("a") as f:
            f.write(json.dumps(entry) + "\n")
        return web.json_response({"reference": entry["reference"]}, status=201)

    async def control(self, request: web.Request) -> web.Response:
        """``POST /_control``: change behaviour."""
        body = await request.json()
        self.mode = body.get("mode", self.mode)
        self.reject_services = set(body.get("reject_services", self.reject_services))
        self.delay_seconds = float(body.get("delay_seconds", self.delay_seconds))
        if self.mode == "hang":
            self.unblocked.clear()
        else:
            self.unblocked.set()
        return web.json_response({"mode": self.mode})

    async def stats(self, _request: web.Request) -> web.Response:
        """``GET /_stats``: exact counts."""
        return web.json_response(
            {
                "imports": len(self.imports),
                "posts": self.posts,
                "keys": sorted(self.imports),
                "imported": list(self.imports.values()),
            }
        )

    async def health(self, _request: web.Request) -> web.Response:
        """``GET /healthz``."""
        return web.json_response({"status": "ok"})


def create_app(state_dir: Path, token: str | None = None) -> web.Application:
    """The stand-in as an aiohttp app."""
    fv = Fachverfahren(state_dir, token)
    app = web.Application()
    app.router.add_post("/import", fv.import_case)
    app.router.add_post("/_control", fv.control)
    app.router.add_get("/_stats", fv.stats)
    app.router.add_get("/healthz", fv.health)
    return app


def parser() -> argparse.ArgumentParser:
    """Command-line options (``--help`` also lists the endpoints)."""
    summary, _, endpoints = (__doc__ or "").partition("Endpoints:")
    p = argparse.ArgumentParser(
        prog="python -m tests.peers.fachverfahren",
        description=summary.strip(),
        epilog="endpoints:" + endpoints,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--port", type=int, required=True, help="TCP port on 127.0.0.1 to listen on")
    p.add_argument(
        "--state",
        type=Path,
        required=True,
        help="directory for imports.jsonl (created; reused on restart)",
    )
    p.add_argument(
        "--token",
        default=None,
        help="require 'Authorization: Bearer TOKEN' (default: no authentication)",
    )
    return p


def main() -> None:
    """Run the stand-in until interrupted."""
    args = parser().parse_args()
    web.run_app(create_app(args.state, args.token), host="127.0.0.1", port=args.port, print=None)


if __name__ == "__main__":
    main()
