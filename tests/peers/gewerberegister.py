"""A stand-in Gewerbe register taking XGewerbeanzeige messages over HTTP, for tests and the demo.

Behaves like a real one: ``POST /xgewerbeanzeige`` takes one message as
``application/xml``, checks it is well-formed XML in the XGewerbeanzeige 2.2
namespace with the parts a register needs (message UUID, reader and author,
Gemeindeschluessel, business address town, the person's family name, gueltigAb,
the main activity), and registers it once per ``Idempotency-Key``:
``201 {"aktenzeichen": "GEW-2026-000123"}``; a repeat is answered ``200`` with
the same Aktenzeichen and ``"duplicate": true``; content it refuses
``422 {"title": reason}`` (problem+json, e.g. "Pflichtangabe fehlt: gueltigAb").
Registrations are appended to ``<state>/registrations.jsonl`` (so a restart keeps
them) and each message is kept as ``<state>/messages/<Aktenzeichen>.xml``.

Bensheim's shipped ``gewerbe`` connector posts here: run it on the port its default
URL names, with the token the hub sends (``BENSHEIM_GEWERBE_TOKEN``):

    python -m tests.peers.gewerberegister --port 8804 --state var/gewerberegister --token "$BENSHEIM_GEWERBE_TOKEN"

Endpoints:
  POST /xgewerbeanzeige  one message as application/xml; headers: Idempotency-Key
                         (required, else 400) and, with --token, Authorization: Bearer
                         TOKEN (else 401); answers 201/200 {"aktenzeichen"}, 415 for
                         another content type, 422 problem+json for refused content
  POST /_control         JSON {"mode": "up"|"unavailable"|"hang"|"reject",
                         "delay_seconds": 0.0, "retry_after": "120"}, each key optional:
                         up takes messages; unavailable answers 503 (with Retry-After when
                         set); hang holds requests until the mode changes; reject refuses
                         every new message with 422 "Annahme verweigert"; delay_seconds
                         waits before answering
  GET  /_stats           {"registrations": n (one per key), "posts": n (every POST, repeats
                         and refusals included), "keys": [...], "registered": [{"key",
                         "aktenzeichen", "bytes", "at"}]}
  GET  /healthz          {"status": "ok"}
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from aiohttp import web
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

NAMESPACE = "http://www.xgewerbeanzeige.de/spezifikation/2.2"
# what the register cannot work without (paths below the root, in the XGewerbeanzeige namespace)
REQUIRED = (
    "nachrichtenkopf/identifikation.nachricht/nachrichtenUUID",
    "nachrichtenkopf/leser/behoerdenkennung",
    "nachrichtenkopf/autor/behoerdenkennung",
    "satz/anmeldung/gemeindeSchluessel",
    "satz/anmeldung/gewerbe/anschrift/ort",
    "satz/anmeldung/gewerbe/beteiligtePerson/familienname",
    "satz/anmeldung/gueltigAb",
    "satz/anmeldung/taetigkeitenGesamt/schwerpunkt/taetigkeitSchwerpunkt",
)


def refusal(content: bytes) -> str | None:
    """Why the register refuses ``content``, or None when it takes it."""
    try:
        root: Element = fromstring(content)
    except (ParseError, DefusedXmlException):
        return "Nachricht ist kein wohlgeformtes XML"
    if not root.tag.startswith(f"{{{NAMESPACE}}}"):
        return "Nachricht ist keine XGewerbeanzeige 2.2"
    if not root.tag.endswith(".0500") and "gewerbemeldung" not in root.tag:
        return "Nachrichtentyp wird nicht unterstützt"
    for path in REQUIRED:
        qualified = "/".join(f"{{{NAMESPACE}}}{p}" for p in path.split("/"))
        found = root.find(qualified)
        if found is None or (len(found) == 0 and not (found.text or "").strip()):
            return f"Pflichtangabe fehlt: {path.rsplit('/', 1)[-1]}"
    return None


class GewerbeRegister:
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
        self.log = state_dir / "registrations.jsonl"
        self.messages = state_dir / "messages"
        self.messages.mkdir(exist_ok=True)
        self.registrations: dict[str, dict[str, Any]] = {}
        if self.log.exists():
            for line in self.log.read_text().splitlines():
                entry = json.loads(line)
                self.registrations[entry["key"]] = entry

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

    async def register(self, request: web.Request) -> web.Response:
        """``POST /xgewerbeanzeige``."""
        self.posts += 1
        refused = await self.gate(request)
        if refused is not None:
            return refused
        key = request.headers["Idempotency-Key"]
        if key in self.registrations:
            aktenzeichen = self.registrations[key]["aktenzeichen"]
            return web.json_response({"aktenzeichen": aktenzeichen, "duplicate": True})
        if request.content_type not in ("application/xml", "text/xml"):
            return self.problem(415, "XGewerbeanzeige wird als application/xml erwartet")
        content = await request.read()
        reason = "Annahme verweigert" if self.mode == "reject" else refusal(content)
        if reason:
            return self.problem(422, reason)
        entry = {
            "key": key,
            "aktenzeichen": f"GEW-{self.year}-{len(self.registrations) + 123:06d}",
            "bytes": len(content),
            "at": time.time(),
        }
        self.registrations[key] = entry
        (self.messages / f"{entry['aktenzeichen']}.xml").write_bytes(content)
        with self.log.open("a") as f:
            f.write(json.dumps(entry) + "\n")
        return web.json_response({"aktenzeichen": entry["aktenzeichen"]}, status=201)

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
                "registrations": len(self.registrations),
                "posts": self.posts,
                "keys": sorted(self.registrations),
                "registered": list(self.registrations.values()),
            }
        )

    async def health(self, _request: web.Request) -> web.Response:
        """``GET /healthz``."""
        return web.json_response({"status": "ok"})


def create_app(state_dir: Path, token: str | None = None, year: int = 2026) -> web.Application:
    """The stand-in as an aiohttp app."""
    register = GewerbeRegister(state_dir, token, year)
    app = web.Application()
    app.router.add_post("/xgewerbeanzeige", register.register)
    app.router.add_post("/_control", register.control)
    app.router.add_get("/_stats", register.stats)
    app.router.add_get("/healthz", register.health)
    return app


def parser() -> argparse.ArgumentParser:
    """Command-line options (``--help`` also lists the endpoints)."""
    summary, _, endpoints = (__doc__ or "").partition("Endpoints:")
    p = argparse.ArgumentParser(
        prog="python -m tests.peers.gewerberegister",
        description=summary.strip(),
        epilog="endpoints:" + endpoints,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--port",
        type=int,
        required=True,
        help="TCP port on 127.0.0.1 to listen on (the shipped configuration expects 8804)",
    )
    p.add_argument(
        "--state",
        type=Path,
        required=True,
        help="directory for registrations.jsonl and messages/ (created; reused on restart)",
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
        help="year in the Aktenzeichen GEW-YEAR-nnnnnn (default: %(default)s)",
    )
    return p


def main() -> None:
    """Run the stand-in until interrupted."""
    args = parser().parse_args()
    app = create_app(args.state, args.token, args.year)
    web.run_app(app, host="127.0.0.1", port=args.port, print=None)


if __name__ == "__main__":
    main()
