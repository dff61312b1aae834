"""A stand-in Standesamt (civil registry) with a REST/JSON import, for tests and the demo.

Behaves like a real one: ``POST /auftraege`` takes one order for a certificate as
JSON, checks the fields it needs (``vorgang.referenz``, ``antragsteller.familienname``
and ``.vornamen``, ``urkunde.art`` one of GU, MGU, RA, SONST, ``urkunde.anzahl`` 1-99,
``beurkundetePerson.familienname``, ``beurkundetePerson.geburtsdatum`` as DD.MM.YYYY),
and takes it once per ``Idempotency-Key``: ``201 {"auftragsnummer": "STA-2026-000001"}``;
a repeat is answered ``200`` with the same number and ``"duplicate": true``; content it
refuses ``422 {"title": reason}`` (problem+json, e.g. "Pflichtfeld fehlt: urkunde.art").
Orders are appended to ``<state>/auftraege.jsonl`` (so a restart keeps them) and each
order's JSON is kept as ``<state>/orders/<Auftragsnummer>.json``.

Viernheim's shipped ``standesamt`` connector posts here: run it on the port its default
URL names, with the token the hub sends (``VIERNHEIM_STANDESAMT_TOKEN``):

    python -m tests.peers.standesamt --port 8805 --state var/standesamt --token "$VIERNHEIM_STANDESAMT_TOKEN"

Endpoints:
  POST /auftraege    one order as application/json; headers: Idempotency-Key (required,
                     else 400) and, with --token, Authorization: Bearer TOKEN (else 401);
                     answers 201/200 {"auftragsnummer"}, 422 problem+json for refused content
  POST /_control     JSON {"mode": "up"|"unavailable"|"hang"|"reject", "delay_seconds": 0.0,
                     "retry_after": "120"}, each key optional: up takes orders; unavailable
                     answers 503 (with Retry-After when set); hang holds requests until the
                     mode changes; reject refuses every new order with 422 "Annahme
                     verweigert"; delay_seconds waits before answering
  GET  /_stats       {"auftraege": n (one per key), "posts": n (every POST, repeats and
                     refusals included), "keys": [...], "received": [{"key",
                     "auftragsnummer", "art", "anzahl", "at"}]}
  GET  /healthz      {"status": "ok"}
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import time
from pathlib import Path
from typing import Any

from aiohttp import web

# field -> what it must look like; paths into the order JSON
REQUIRED: dict[str, re.Pattern[str] | None] = {
    "vorgang.referenz": None,
    "antragsteller.familienname": None,
    "antragsteller.vornamen": None,
    "urkunde.art": re.compile(r"^(GU|MGU|RA|SONST)$"),
    "urkunde.anzahl": re.compile(r"^[1-9]\d?$"),
    "beurkundetePerson.familienname": None,
    "beurkundetePerson.geburtsdatum": re.compile(r"^\d{2}\.\d{2}\.\d{4}$"),
}


def _at(body: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(body, dict):
            return None
        body = body.get(part)
    return body


def refusal(body: Any) -> str | None:
    """Why the Standesamt refuses ``body``, or None when it takes it."""
    if not isinstance(body, dict):
        return "Auftrag ist kein JSON-Objekt"
    for path, shape in REQUIRED.items():
        value = _at(body, path)
        if value in (None, "") or isinstance(value, dict | list | bool):
            return f"Pflichtfeld fehlt: {path}"
        if shape is not None and not shape.match(str(value)):
            return f"Pflichtfeld ungültig: {path}"
    return None


class Standesamt:
    """State and handlers of the stand-in."""

    def __init__(self, state_dir: Path, token: str | None, year: int) -> None:
        self.token, self.year = token, year
        self.mode = "up"
        self.delay_seconds = 0.0
        self.retry_after: str | None = None
        self.posts = 0
        self.unblocked = asyncio.Event()
        self.unblocked.set()
        state_dir.mkdir(parents=True, exist_ok=True)
        self.log = state_dir / "auftraege.jsonl"
        self.bodies = state_dir / "orders"
        self.bodies.mkdir(exist_ok=True)
        self.orders: dict[str, dict[str, Any]] = {}
        if self.log.exists():
            for line in self.log.read_text().splitlines():
                entry = json.loads(line)
                self.orders[entry["key"]] = entry

    @staticmethod
    def problem(status: int, title: str, headers: dict[str, str] | None = None) -> web.Response:
        """A problem+json answer."""
        body = json.dumps({"type": "about:blank", "title": title, "status": status})
        return web.Response(
            status=status, text=body, content_type="application/problem+json", headers=headers
        )

    async def gate(self, request: web.Request) -> web.Response | None:
        """The answer to a request refused before its content is read (auth, mode, key)."""
        if self.token and request.headers.get("Authorization") != f"Bearer {self.token}":
            return self.problem(401, "invalid token")
        await self.unblocked.wait()
        if self.mode == "unavailable":
            headers = {"Retry-After": self.retry_after} if self.retry_after else None
            return self.problem(503, "Wartungsfenster", headers)
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        if not request.headers.get("Idempotency-Key"):
            return self.problem(400, "Idempotency-Key header missing")
        return None

    async def order(self, request: web.Request) -> web.Response:
        """``POST /auftraege``."""
        self.posts += 1
        refused = await self.gate(request)
        if refused is not None:
            return refused
        key = request.headers["Idempotency-Key"]
        if key in self.orders:
            number = self.orders[key]["auftragsnummer"]
            return web.json_response({"auftragsnummer": number, "duplicate": True})
        try:
            body = await request.json()
        except ValueError:
            return self.problem(422, "Auftrag ist kein JSON")
        reason = "Annahme verweigert" if self.mode == "reject" else refusal(body)
        if reason:
            return self.problem(422, reason)
        entry = {
            "key": key,
            "auftragsnummer": f"STA-{self.year}-{len(self.orders) + 1:06d}",
            "art": _at(body, "urkunde.art"),
            "anzahl": _at(body, "urkunde.anzahl"),
            "at": time.time(),
        }
        self.orders[key] = entry
        (self.bodies / f"{entry['auftragsnummer']}.json").write_text(json.dumps(body))
        with self.log.open("a") as f:
            f.write(json.dumps(entry) + "\n")
        return web.json_response({"auftragsnummer": entry["auftragsnummer"]}, status=201)

    async def control(self, request: web.Request) -> web.Response:
        """``POST /_control``: change behaviour."""
        body = await request.json()
        self.mode = body.get("mode", self.mode)
        self.delay_seconds = float(body.get("delay_seconds", self.delay_seconds))
        self.retry_after = body.get("retry_after", self.retry_after)
        if self.mode == "hang":
            self.unblocked.clear()
        else:
            self.unblocked.set()
        return web.json_response({"mode": self.mode})

    async def stats(self, _request: web.Request) -> web.Response:
        """``GET /_stats``: exact counts."""
        return web.json_response(
            {
                "auftraege": len(self.orders),
                "posts": self.posts,
                "keys": sorted(self.orders),
                "received": list(self.orders.values()),
            }
        )

    async def health(self, _request: web.Request) -> web.Response:
        """``GET /healthz``."""
        return web.json_response({"status": "ok"})


def create_app(state_dir: Path, token: str | None = None, year: int = 2026) -> web.Application:
    """The stand-in as an aiohttp app."""
    office = Standesamt(state_dir, token, year)
    app = web.Application()
    app.router.add_post("/auftraege", office.order)
    app.router.add_post("/_control", office.control)
    app.router.add_get("/_stats", office.stats)
    app.router.add_get("/healthz", office.health)
    return app


def parser() -> argparse.ArgumentParser:
    """Command-line options (``--help`` also lists the endpoints)."""
    summary, _, endpoints = (__doc__ or "").partition("Endpoints:")
    p = argparse.ArgumentParser(
        prog="python -m tests.peers.standesamt",
        description=summary.strip(),
        epilog="endpoints:" + endpoints,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--port",
        type=int,
        required=True,
        help="TCP port on 127.0.0.1 to listen on (the shipped configuration expects 8805)",
    )
    p.add_argument(
        "--state",
        type=Path,
        required=True,
        help="directory for auftraege.jsonl and orders/ (created; reused on restart)",
    )
    p.add_argument(
        "--token",
        default=None,
        help="require 'Authorization: Bearer TOKEN' (default: no authentication)",
    )
    p.add_argument(
        "--year",
        type=int,
        default=2026,
        help="year in the order number STA-YEAR-nnnnnn (default: %(default)s)",
    )
    return p


def main() -> None:
    """Run the stand-in until interrupted."""
    args = parser().parse_args()
    web.run_app(
        create_app(args.state, args.token, args.year), host="127.0.0.1", port=args.port, print=None
    )


if __name__ == "__main__":
    main()
