"""A stand-in portal that receives the hub's status callbacks, for end-to-end tests and the demo.

It checks every callback as a real portal must: the timestamp at most 300 s off, the
``X-Hub-Signature`` (HMAC-SHA256 of ``"{timestamp}.{raw body}"`` with the portal's
secret), and it recognises a repeat by ``X-Hub-Notification-Id``. Every accepted
notification is appended to ``<state>/notifications.jsonl`` (so counts survive a
restart of the stand-in); a repeat is answered ``200`` and counted, not recorded again.

    python -m tests.peers.portal --port 8803 --state var/portal --secret SECRET

Endpoints:
  POST /callbacks     a status callback (401 for a bad signature, 503 in mode "unavailable")
  POST /_control      {"mode": "up" | "unavailable" | "reject"}: answer 200, 503, or 422
  GET  /_stats        {"posts": n, "notifications": [...in arrival order...], "repeats": n}
  GET  /healthz       200
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any

from aiohttp import web


class Portal:
    """State and handlers of the stand-in portal."""

    def __init__(self, state_dir: Path, secret: str) -> None:
        self.secret = secret
        self.mode = "up"
        self.posts = 0
        self.repeats = 0
        self.bad_signatures = 0
        state_dir.mkdir(parents=True, exist_ok=True)
        self.log = state_dir / "notifications.jsonl"
        self.seen: dict[str, dict[str, Any]] = {}
        self.order: list[dict[str, Any]] = []
        if self.log.exists():
            for line in self.log.read_text().splitlines():
                entry = json.loads(line)
                self.seen[entry["notificationId"]] = entry
                self.order.append(entry)

    def _signed(self, request: web.Request, body: bytes) -> bool:
        timestamp = request.headers.get("X-Hub-Timestamp", "")
        signature = request.headers.get("X-Hub-Signature", "")
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > 300:
            return False
        mac = hmac.new(self.secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
        return hmac.compare_digest(f"sha256={mac.hexdigest()}", signature)

    async def callback(self, request: web.Request) -> web.Response:
        """``POST /callbacks``."""
        self.posts += 1
        body = await request.read()
        if not self._signed(request, body):
            self.bad_signatures += 1
            return web.json_response({"title": "bad signature"}, status=401)
        if self.mode == "unavailable":
            return web.json_response({"title": "Wartung"}, status=503)
        if self.mode == "reject":
            return web.json_response({"title": "nicht angenommen"}, status=422)
        doc = json.loads(body)
        nid = request.headers.get("X-Hub-Notification-Id", "")
        if nid != doc["notificationId"]:
            return web.json_response({"title": "notification id mismatch"}, status=400)
        if nid in self.seen:
            self.repeats += 1
            return web.json_response({"duplicate": True})
        entry = {**doc, "receivedAt": time.time()}
        self.seen[nid] = entry
        self.order.append(entry)
        with self.log.open("a") as f:
            f.write(json.dumps(entry) + "\n")
        return web.json_response({"received": nid})

    async def control(self, request: web.Request) -> web.Response:
        """``POST /_control``."""
        self.mode = (await request.json()).get("mode", self.mode)
        return web.json_response({"mode": self.mode})

    async def stats(self, _request: web.Request) -> web.Response:
        """``GET /_stats``."""
        return web.json_response(
            {
                "posts": self.posts,
                "repeats": self.repeats,
                "bad_signatures": self.bad_signatures,
                "notifications": self.order,
            }
        )

    async def healthz(self, _request: web.Request) -> web.Response:
        """``GET /healthz``."""
        return web.json_response({"status": "ok"})


def main() -> None:
    """Run the stand-in portal until interrupted."""
    parser = argparse.ArgumentParser(
        prog="python -m tests.peers.portal",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--port", type=int, required=True, help="TCP port on 127.0.0.1")
    parser.add_argument(
        "--state",
        type=Path,
        required=True,
        help="directory for notifications.jsonl (created; reused on restart)",
    )
    parser.add_argument(
        "--secret",
        required=True,
        help="the portal's signing secret (the value of its HUB_PORTAL_*_SECRET)",
    )
    args = parser.parse_args()
    portal = Portal(args.state, args.secret)
    app = web.Application()
    app.router.add_post("/callbacks", portal.callback)
    app.router.add_post("/_control", portal.control)
    app.router.add_get("/_stats", portal.stats)
    app.router.add_get("/healthz", portal.healthz)
    web.run_app(app, host="127.0.0.1", port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
