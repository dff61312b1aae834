"""A stand-in DMS that imports xdomea filing packages, for tests and the demo.

It behaves like a DMS import interface: every package ``{ProzessID}_FVDaten.SGOAblegen.0605.zip``
is opened, its message validated against the KoSIT XSD of its own xdomea version (3.1.0 or
3.0.0), every primary document the message lists is looked up in the ZIP, and a valid package
is filed once per ProzessID. It answers each package with ``FVDaten.EmpfangBestaetigen.0629``
(received) and then ``FVDaten.ImportBestaetigen.0630`` (imported, or not, with the reason).
A repeated ProzessID is not filed again: it gets the answers it got the first time.

    python -m tests.peers.dms --port 8802 --state var/dms [--inbox DIR --outbox DIR | --root VAR]

Directory mode (``--inbox`` and ``--outbox``): the inbox is scanned every ``--poll`` seconds;
answers are written to the outbox as ``{ProzessID}_FVDaten.EmpfangBestaetigen.0629.xml`` and
then ``{ProzessID}_FVDaten.ImportBestaetigen.0630.xml``; each package leaves the inbox into
``<state>/filed/`` (filed) or ``<state>/rejected/`` (refused or unreadable).

Several tenants (``--root VAR``): every ``VAR/<tenant>/dms`` is an inbox, answered into
``VAR/<tenant>/dms-outbox``; filed packages move to ``VAR/<tenant>/dms-filed``. One state
(answers by ProzessID) serves them all: ProzessIDs are delivery ids, unique across tenants.

HTTP endpoints (always served):
  POST /packages   body: the ZIP (any content type). 200 with JSON
                   ``{"prozessId", "receipt": "<0629 xml>", "import": "<0630 xml>" | null,
                   "duplicate": bool}``; 400 problem+json for bytes that are no package;
                   503 when down.
  POST /_control   ``{"mode": "accept"|"reject"|"silent"|"down", "reason": "..."}``:
                   accept files valid packages; reject answers every new package with a
                   negative 0630 carrying ``reason``; silent sends the 0629 only (the package
                   is neither filed nor remembered, a resend is processed anew); down answers
                   503 and leaves the inbox alone.
  GET  /_stats     exact counts: ``seen`` (packages received, repeats included), ``filed``
                   (ProzessIDs filed, each once), ``rejected`` (negative 0630s issued),
                   ``duplicates``, ``silenced``, ``invalid``, and the filed ProzessIDs.
  GET  /healthz    ``{"status": "ok"}``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import io
import json
import uuid
import zipfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web
from lxml import etree

from hub.formats.xdomea import (
    Confirmation,
    MappingError,
    Party,
    build_import_0630,
    build_receipt_0629,
    confirmation_filename,
    parse_confirmation,
    read_filing,
)
from hub.formats.xdomea.codes import Version
from hub.formats.xdomea.errors import ConfirmationError
from hub.runtime.local import PROJECT_ROOT

XSD_ROOT = PROJECT_ROOT.parent / "shared" / "standards" / "xdomea" / "xsd"
PACKAGE_SUFFIX = "_FVDaten.SGOAblegen.0605.zip"
MESSAGE_SUFFIX = "_FVDaten.SGOAblegen.0605.xml"
MODES = ("accept", "reject", "silent", "down")
ROOT_INBOX, ROOT_OUTBOX, ROOT_FILED = "dms", "dms-outbox", "dms-filed"
_RECORDS = uuid.UUID("5d0c6b1e-2f8a-4c3e-9b7d-1a2b3c4d5e6f")


class PackageError(ValueError):
    """Bytes that are not a filing package at all (no answer can name a ProzessID)."""


@dataclass(frozen=True)
class Answer:
    """What the DMS answers one package."""

    prozess_id: str
    receipt: bytes
    imported: bytes | None
    duplicate: bool = False
    filed: bool = False  # filed by this very answer (not a repeat, not refused)


class Dms:
    """State and logic of the stand-in; HTTP and directory mode share it."""

    def __init__(self, state_dir: Path, xsd_root: Path = XSD_ROOT) -> None:
        self.state_dir, self.xsd_root = state_dir, xsd_root
        self.mode, self.reason = "accept", "Import abgelehnt: Aktenplaneinheit unbekannt"
        self.counts = dict.fromkeys(
            ("seen", "filed", "rejected", "duplicates", "silenced", "invalid"), 0
        )
        self._schemas: dict[str, etree.XMLSchema] = {}
        self.answers_dir = state_dir / "answers"
        for sub in ("answers", "filed", "rejected"):
            (state_dir / sub).mkdir(parents=True, exist_ok=True)
        self.answers: dict[str, Answer] = {}
        for path in sorted(self.answers_dir.glob("*.json")):
            entry = json.loads(path.read_text())
            imported = entry["import"].encode() if entry["import"] else None
            self.answers[entry["prozessId"]] = Answer(
                entry["prozessId"], entry["receipt"].encode(), imported
            )
        self.filed_ids = sorted(
            pid
            for pid, a in self.answers.items()
            if a.imported is not None and parse_confirmation(a.imported).success
        )

    def schema(self, version: Version) -> etree.XMLSchema:
        """The compiled XSD of one xdomea version (compiled once)."""
        if version not in self._schemas:
            xsd = etree.parse(str(self.xsd_root / version / "xdomea.xsd"))
            self._schemas[version] = etree.XMLSchema(xsd)
        return self._schemas[version]

    def _answer(self, prozess_id: str, version: Version, sender: Party, recipient: Party,
                problem: tuple[str, str | None] | None) -> Answer:  # fmt: skip
        """0629, then 0630 unless silent; ``problem`` is (reason, 0605 code) of a refusal."""
        now = datetime.now(UTC)
        who = {"sender": recipient, "recipient": sender, "version": version}
        receipt = build_receipt_0629(prozess_id, created_at=now, system_name="Stand-in DMS", **who)
        if self.mode == "silent":
            self.counts["silenced"] += 1
            return Answer(prozess_id, receipt, None)
        if problem is None and self.mode == "reject":
            problem = (self.reason, "0605005")
        if problem is None:
            record = str(uuid.uuid5(_RECORDS, prozess_id))
            imported = build_import_0630(
                prozess_id, created_at=now, success=True, record_id=record,
                location=f"filed/{prozess_id}{PACKAGE_SUFFIX}", system_name="Stand-in DMS", **who,
            )  # fmt: skip
        else:
            imported = build_import_0630(
                prozess_id, created_at=now, success=False, reason=problem[0],
                error_code=problem[1], system_name="Stand-in DMS", **who,
            )  # fmt: skip
            self.counts["rejected"] += 1
        answer = Answer(prozess_id, receipt, imported)
        self.answers[prozess_id] = answer
        entry = {"prozessId": prozess_id, "receipt": receipt.decode(), "import": imported.decode()}
        (self.answers_dir / f"{prozess_id}.json").write_text(json.dumps(entry))
        return answer

    def receive(self, data: bytes) -> Answer:
        """Check, file and answer one package; :class:`PackageError` if it is none.

        The caller keeps the bytes of a package filed anew (``answer.filed``)."""
        self.counts["seen"] += 1
        try:
            zf = zipfile.ZipFile(io.BytesIO(data))
            names = set(zf.namelist())
            message_names = [n for n in names if n.endswith(MESSAGE_SUFFIX)]
            if len(message_names) != 1:
                raise PackageError(f"expected one *{MESSAGE_SUFFIX}, found {len(message_names)}")
            message = zf.read(message_names[0])
            summary = read_filing(message)
        except (zipfile.BadZipFile, ConfirmationError, MappingError) as exc:
            self.counts["invalid"] += 1
            raise PackageError(str(exc)) from None
        pid = summary.prozess_id
        if pid in self.answers:
            self.counts["duplicates"] += 1
            a = self.answers[pid]
            return Answer(pid, a.receipt, a.imported, duplicate=True)
        problem: tuple[str, str | None] | None = None
        schema = self.schema(summary.version)
        if message_names[0] != f"{pid}{MESSAGE_SUFFIX}":
            problem = (f"Nachricht heißt nicht {pid}{MESSAGE_SUFFIX}", None)
        elif not schema.validate(etree.fromstring(message)):
            problem = (f"Nachricht nicht schemakonform: {schema.error_log.last_error}", None)
        elif missing := sorted(set(summary.primary_files) - names):
            problem = (f"Primärdokumente fehlen: {', '.join(missing)}", "0605004")
        answer = self._answer(pid, summary.version, summary.sender, summary.recipient, problem)
        if answer.imported is not None and parse_confirmation(answer.imported).success:
            self.counts["filed"] += 1
            self.filed_ids.append(pid)
            return dataclasses.replace(answer, filed=True)
        return answer

    def scan(self, inbox: Path, outbox: Path, filed: Path | None = None) -> int:
        """Directory mode, one pass: answer every package in ``inbox``, moving each one filed
        to ``filed`` (default ``<state>/filed``); how many were taken."""
        if self.mode == "down" or not inbox.is_dir():
            return 0
        filed = filed or self.state_dir / "filed"
        taken = 0
        for path in sorted(inbox.glob(f"*{PACKAGE_SUFFIX}")):
            data = path.read_bytes()
            try:
                answer = self.receive(data)
            except PackageError:
                path.replace(self.state_dir / "rejected" / path.name)
                continue
            outbox.mkdir(parents=True, exist_ok=True)
            _write(outbox / confirmation_filename(answer.prozess_id, "received"), answer.receipt)
            if answer.filed:
                filed.mkdir(parents=True, exist_ok=True)
                path.replace(filed / path.name)  # before the 0630: what is confirmed is filed
            if answer.imported is not None:
                _write(
                    outbox / confirmation_filename(answer.prozess_id, "imported"), answer.imported
                )
                ok = parse_confirmation(answer.imported).success
                if not ok and not answer.duplicate:
                    (self.state_dir / "rejected" / path.name).write_bytes(data)
            path.unlink(missing_ok=True)
            taken += 1
        return taken

    def scan_root(self, root: Path) -> int:
        """One pass over every tenant's inbox ``root/<tenant>/dms`` (see module docstring)."""
        taken = 0
        for inbox in sorted(root.glob(f"*/{ROOT_INBOX}")):
            tenant = inbox.parent
            taken += self.scan(inbox, tenant / ROOT_OUTBOX, tenant / ROOT_FILED)
        return taken

    def stats(self) -> dict[str, Any]:
        """Exact counts and the filed ProzessIDs."""
        return {**self.counts, "mode": self.mode, "filedIds": list(self.filed_ids)}


DMS_KEY = web.AppKey("dms", Dms)


def _write(path: Path, data: bytes) -> None:
    """Write so that a reader never sees a partial file."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def _problem(status: int, title: str) -> web.Response:
    body = json.dumps({"type": "about:blank", "title": title, "status": status})
    return web.Response(status=status, text=body, content_type="application/problem+json")


def create_app(
    state_dir: Path,
    *,
    inbox: Path | None = None,
    outbox: Path | None = None,
    root: Path | None = None,
    xsd_root: Path = XSD_ROOT,
    poll_seconds: float = 0.2,
) -> web.Application:
    """The stand-in as an aiohttp app; ``app[DMS_KEY]`` is its :class:`Dms`; it watches
    ``inbox`` (answering into ``outbox``) or every tenant under ``root``, if given."""
    dms = Dms(state_dir, xsd_root)
    app = web.Application(client_max_size=512 * 1024 * 1024)
    app[DMS_KEY] = dms

    async def packages(request: web.Request) -> web.Response:
        if dms.mode == "down":
            return _problem(503, "DMS nicht verfügbar")
        data = await request.read()
        try:
            answer = dms.receive(data)
        except PackageError as exc:
            return _problem(400, f"kein Ablagepaket: {exc}")
        if answer.filed:
            (state_dir / "filed" / f"{answer.prozess_id}{PACKAGE_SUFFIX}").write_bytes(data)
        imported = answer.imported.decode() if answer.imported is not None else None
        return web.json_response(
            {
                "prozessId": answer.prozess_id,
                "receipt": answer.receipt.decode(),
                "import": imported,
                "duplicate": answer.duplicate,
            }
        )

    async def control(request: web.Request) -> web.Response:
        body = await request.json()
        mode = body.get("mode", dms.mode)
        if mode not in MODES:
            return _problem(400, f"mode must be one of {', '.join(MODES)}")
        dms.mode, dms.reason = mode, body.get("reason", dms.reason)
        return web.json_response({"mode": dms.mode, "reason": dms.reason})

    async def stats(_request: web.Request) -> web.Response:
        return web.json_response(dms.stats())

    async def health(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def watch(_app: web.Application) -> AsyncIterator[None]:
        def scan() -> None:
            if root is not None:
                dms.scan_root(root)
            if inbox is not None and outbox is not None:
                dms.scan(inbox, outbox)

        async def loop() -> None:
            while True:
                await asyncio.to_thread(scan)
                await asyncio.sleep(poll_seconds)

        watching = root is not None or (inbox is not None and outbox is not None)
        task = asyncio.create_task(loop()) if watching else None
        yield
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app.router.add_post("/packages", packages)
    app.router.add_post("/_control", control)
    app.router.add_get("/_stats", stats)
    app.router.add_get("/healthz", health)
    app.cleanup_ctx.append(watch)
    return app


def answer_of(xml: str | None) -> Confirmation | None:
    """The parsed confirmation of an HTTP answer field (tests use it)."""
    return None if xml is None else parse_confirmation(xml.encode())


def main() -> None:
    """Run the stand-in until interrupted."""
    p = argparse.ArgumentParser(
        prog="python -m tests.peers.dms",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--port", type=int, required=True, help="HTTP port on 127.0.0.1")
    p.add_argument("--state", type=Path, required=True, help="state directory (answers, filed/)")
    p.add_argument("--inbox", type=Path, help="directory mode: folder the hub drops packages into")
    p.add_argument("--outbox", type=Path, help="directory mode: folder the answers are written to")
    p.add_argument(
        "--root", type=Path,
        help="directory mode for several tenants: watch ROOT/*/dms, answer into ROOT/*/dms-outbox",
    )  # fmt: skip
    p.add_argument("--poll", type=float, default=0.2, help="seconds between inbox scans (0.2)")
    p.add_argument(
        "--xsd-root", type=Path, default=XSD_ROOT,
        help=f"folder with <version>/xdomea.xsd (default {XSD_ROOT})",
    )  # fmt: skip
    p.add_argument("--mode", choices=MODES, default="accept", help="initial mode (accept)")
    args = p.parse_args()
    if (args.inbox is None) != (args.outbox is None):
        p.error("--inbox and --outbox go together")
    if args.root is not None and args.inbox is not None:
        p.error("--root or --inbox/--outbox, not both")
    app = create_app(
        args.state, inbox=args.inbox, outbox=args.outbox, root=args.root,
        xsd_root=args.xsd_root, poll_seconds=args.poll,
    )  # fmt: skip
    app[DMS_KEY].mode = args.mode
    web.run_app(app, host="127.0.0.1", port=args.port, print=None)


if __name__ == "__main__":
    main()
