"""Intake HTTP API: ``POST /v1/applications`` and ``GET /v1/applications/{id}``.

Accepting a submission, in order: media type, size, signature, JSON, schema,
portal, responsible tenant and the portal's right to serve it, attachment
hashes, repeat check; then blobs are stored, the event is produced and
acknowledged, the receipt is written, and only then ``202`` is answered. Any
failure before the acknowledgement creates no case (no event, no receipt); blobs already
written stay, since the blob store is shared by content and a retry reuses them.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import structlog
from aiohttp import web
from prometheus_client import generate_latest
from pydantic import ValidationError

from hub.config import HubConfig
from hub.events.codec import EventCodec
from hub.events.models import (
    INVOICE_SERVICE,
    ApplicationSubmitted,
    Envelope,
    Event,
    InvoiceReceived,
)
from hub.events.topics import Topics
from hub.ids import application_id, invoice_id, is_uuid
from hub.intake import signing
from hub.intake.invoice import InvoiceError, document_sha256, parse_invoice, to_invoice
from hub.intake.problems import Problem
from hub.intake.receipts import Receipt, ReceiptStore
from hub.intake.submission import (
    Submission,
    authority_of,
    content_fingerprint,
    decode_attachments,
    to_application,
)
from hub.kafka.producer import EventProducer, ProduceError
from hub.metrics import HubMetrics
from hub.routing.leitweg import LeitwegError, parse_leitweg_id
from hub.routing.rules import ResponsibilityError, responsible_tenant, tenant_for_leitweg_id
from hub.storage.blobs import BlobStore

log = structlog.get_logger("hub.intake")

JSON_TYPES = ("application/json",)
XML_TYPES = ("application/xml", "text/xml")


@dataclass
class IntakeDeps:
    """Everything the API talks to, injected so tests can swap any part."""

    config: HubConfig
    topics: Topics
    codec: EventCodec
    producer: EventProducer
    blobs: BlobStore
    receipts: ReceiptStore
    metrics: HubMetrics
    tracker_url: str
    max_body_bytes: int
    signature_tolerance_seconds: int
    http: httpx.AsyncClient | None = None


APP_KEY = web.AppKey("intake", IntakeDeps)


def _pointer(loc: tuple[int | str, ...]) -> str:
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in loc)


def _validation_problem(exc: ValidationError) -> Problem:
    errors = []
    for err in exc.errors(include_url=False, include_input=False):
        loc = tuple(p for p in err["loc"] if p not in ("person", "organisation"))
        msg = "unknown field" if err["type"] == "extra_forbidden" else err["msg"]
        errors.append({"pointer": _pointer(loc), "detail": msg})
    return Problem(422, "validation_failed", "The submission is not valid", errors=errors)


async def _read_body(request: web.Request, deps: IntakeDeps, media_types: tuple[str, ...]) -> bytes:
    if request.content_type not in media_types:
        raise Problem(
            415,
            "unsupported_media_type",
            "Unsupported media type",
            f"send {' or '.join(media_types)}, not {request.content_type or 'nothing'}",
        )
    too_large = Problem(
        413, "body_too_large", "Request body too large", f"limit is {deps.max_body_bytes} bytes"
    )
    if request.content_length is not None and request.content_length > deps.max_body_bytes:
        raise too_large
    body = await request.content.read(deps.max_body_bytes + 1)
    if len(body) > deps.max_body_bytes:
        raise too_large
    return body


def _authenticate(request: web.Request, body: bytes, deps: IntakeDeps) -> str:
    try:
        return signing.verify(
            request.headers,
            body,
            deps.config.portal_secrets,
            now=time.time(),
            tolerance_seconds=deps.signature_tolerance_seconds,
        )
    except signing.SignatureError as exc:
        raise Problem(401, "unauthenticated", "Authentication failed", exc.reason) from None


def _parse(body: bytes) -> tuple[dict[str, Any], Submission]:
    try:
        raw = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise Problem(400, "malformed_json", "Body is not JSON", str(exc)) from None
    if not isinstance(raw, dict):
        raise Problem(422, "validation_failed", "The submission must be a JSON object")
    try:
        return raw, Submission.model_validate(raw)
    except ValidationError as exc:
        raise _validation_problem(exc) from None


@dataclass(frozen=True)
class NewCase:
    """Everything needed to accept one case once it passed every check."""

    case_id: str
    kind: str  # application | invoice
    portal: str
    tenant: str
    service: str
    fingerprint: str  # of the content; equal content is a repeat, other content a conflict
    documents: list[tuple[str, bytes]]  # (sha256, bytes) to store before the event
    topic: str
    build_event: Callable[[list[str]], Event]  # from the documents' URIs
    conflict_detail: str


def _tenant_problem(exc: ResponsibilityError, pointer: str) -> Problem:
    return Problem(
        422,
        exc.reason,
        "No partner is responsible for this case",
        exc.detail,
        errors=[{"pointer": pointer, "detail": exc.detail}],
    )


class Intake:
    """Request handlers bound to their dependencies."""

    def __init__(self, deps: IntakeDeps) -> None:
        self.deps = deps
        # one lock per case in flight, so concurrent repeats of a submission are serialised
        self._locks: dict[str, asyncio.Lock] = {}
        self._holders: defaultdict[str, int] = defaultdict(int)

    def _check_portal_serves(self, portal: str, tenant: str) -> None:
        if tenant not in self.deps.config.portals[portal].tenants:
            raise Problem(
                403,
                "tenant_not_allowed",
                "Portal may not submit for this partner",
                f"portal {portal!r} is not configured for tenant {tenant!r}",
            )

    async def submit(self, request: web.Request) -> web.Response:
        """``POST /v1/applications``."""
        deps = self.deps
        body = await _read_body(request, deps, JSON_TYPES)
        portal = _authenticate(request, body, deps)
        raw, submission = _parse(body)
        if submission.portal != portal:
            raise Problem(
                403,
                "portal_mismatch",
                "Submission names another portal",
                f"signed by {portal!r}, but the body says portal {submission.portal!r}",
            )
        service = submission.service.leikaId
        try:
            tenant = responsible_tenant(authority_of(submission), service, deps.config.tenants)
        except ResponsibilityError as exc:
            raise _tenant_problem(exc, "/authority") from None
        self._check_portal_serves(portal, tenant.id)
        blobs, att_problems = decode_attachments(submission)
        if att_problems:
            raise Problem(
                422,
                "attachment_mismatch",
                "Attachment content does not match its announcement",
                errors=[{"pointer": p.pointer, "detail": p.detail} for p in att_problems],
            )
        case_id = application_id(portal, submission.submissionId)

        def event(uris: list[str]) -> Event:
            return ApplicationSubmitted(
                envelope=Envelope(case_id=case_id, tenant=tenant.id, correlation_id=case_id),
                application=to_application(submission, uris),
            )

        return await self._accept(
            NewCase(
                case_id=case_id,
                kind="application",
                portal=portal,
                tenant=tenant.id,
                service=service,
                fingerprint=content_fingerprint(raw),
                documents=[
                    (a.sha256, b) for a, b in zip(submission.attachments, blobs, strict=True)
                ],
                topic=deps.topics.submitted,
                build_event=event,
                conflict_detail=f"submissionId {submission.submissionId!r} was accepted before "
                "with different content",
            )
        )

    async def submit_invoice(self, request: web.Request) -> web.Response:
        """``POST /v1/invoices``: one XRechnung document (UBL or CII)."""
        deps = self.deps
        body = await _read_body(request, deps, XML_TYPES)
        portal = _authenticate(request, body, deps)
        try:
            header = parse_invoice(body)
        except InvoiceError as exc:
            status = 400 if exc.kind == "malformed_xml" else 422
            errors = [{"field": exc.field, "detail": str(exc)}] if exc.field else []
            raise Problem(
                status, exc.kind, "The e-invoice cannot be taken", str(exc), errors
            ) from None
        try:
            leitweg = parse_leitweg_id(header.buyer_reference)
        except LeitwegError as exc:
            raise Problem(
                422,
                "invalid_leitweg_id",
                "The buyer reference (BT-10) is not a valid Leitweg-ID",
                str(exc),
                errors=[{"field": "BT-10", "detail": str(exc)}],
            ) from None
        try:
            tenant = tenant_for_leitweg_id(leitweg, deps.config.tenants)
        except ResponsibilityError as exc:
            raise _tenant_problem(exc, "BT-10") from None
        self._check_portal_serves(portal, tenant.id)
        case_id = invoice_id(
            header.seller_key, header.invoice_number, header.issue_date.isoformat()
        )
        digest = document_sha256(body)

        def event(uris: list[str]) -> Event:
            return InvoiceReceived(
                envelope=Envelope(case_id=case_id, tenant=tenant.id, correlation_id=case_id),
                portal=portal,
                invoice=to_invoice(header, str(leitweg), digest, len(body), uris[0]),
            )

        return await self._accept(
            NewCase(
                case_id=case_id,
                kind="invoice",
                portal=portal,
                tenant=tenant.id,
                service=INVOICE_SERVICE,
                fingerprint=digest,
                documents=[(digest, body)],
                topic=deps.topics.invoices,
                build_event=event,
                conflict_detail=f"invoice {header.invoice_number!r} of {header.issue_date} from "
                "this seller was accepted before with different content",
            )
        )

    async def _accept(self, case: NewCase) -> web.Response:
        """Repeat check, documents, event, receipt; serialised per case."""
        structlog.contextvars.bind_contextvars(case_id=case.case_id, tenant=case.tenant)
        lock = self._locks.setdefault(case.case_id, asyncio.Lock())
        self._holders[case.case_id] += 1
        try:
            async with lock:
                return await self._accept_locked(case)
        finally:
            self._holders[case.case_id] -= 1
            if not self._holders[case.case_id]:
                del self._holders[case.case_id], self._locks[case.case_id]
            structlog.contextvars.unbind_contextvars("case_id", "tenant")

    async def _accept_locked(self, case: NewCase) -> web.Response:
        deps = self.deps
        existing = await asyncio.to_thread(deps.receipts.get, case.case_id)
        if existing is not None:
            if existing.content_sha256 != case.fingerprint:
                raise Problem(
                    409,
                    "conflicting_duplicate",
                    "Id already used for other content",
                    case.conflict_detail,
                )
            log.info("intake.repeat", kind=case.kind, service=case.service)
            return web.json_response(existing.public(), status=200)

        uris: list[str] = []
        try:
            # Blobs are content-addressed and shared between cases, so a failed request never
            # deletes one: another case may reference the same bytes. What a failure leaves is
            # at most a blob no case refers to, which the portal's retry reuses.
            for sha256, data in case.documents:
                uri, _new = await asyncio.to_thread(deps.blobs.put, sha256, data)
                uris.append(uri)
            event = case.build_event(uris)
            value = deps.codec.encode(event, topic=case.topic)
            await deps.producer.send(case.topic, case.case_id.encode(), value)
        except (ProduceError, OSError) as exc:
            log.warning("intake.unavailable", error=type(exc).__name__, detail=str(exc))
            raise Problem(
                503,
                "broker_unavailable",
                "The hub cannot take the submission right now",
                "no case was created; retry later",
                headers={"Retry-After": "30"},
            ) from None

        receipt = Receipt(
            case_id=case.case_id,
            kind=case.kind,
            portal=case.portal,
            tenant=case.tenant,
            service=case.service,
            received_at=event.envelope.occurred_at.isoformat(),
            content_sha256=case.fingerprint,
        )
        await asyncio.to_thread(deps.receipts.put, receipt)
        deps.metrics.cases_received.labels(case.kind, case.tenant, case.service).inc()
        log.info("intake.accepted", kind=case.kind, service=case.service, documents=len(uris))
        return web.json_response(
            receipt.public(), status=202, headers={"Location": receipt.public()["statusUrl"]}
        )

    async def journey(self, request: web.Request) -> web.Response:
        """``GET /v1/applications/{id}``: the case's status journey, without personal data."""
        return await self._journey(request.match_info["id"], "application")

    async def invoice_journey(self, request: web.Request) -> web.Response:
        """``GET /v1/invoices/{id}``: the invoice's journey."""
        return await self._journey(request.match_info["id"], "invoice")

    async def _journey(self, case_id: str, kind: str) -> web.Response:
        receipt = (
            await asyncio.to_thread(self.deps.receipts.get, case_id) if is_uuid(case_id) else None
        )
        if receipt is None or receipt.kind != kind:
            raise Problem(404, "not_found", f"No such {kind}", f"unknown id {case_id!r}")
        doc: dict[str, Any] = {
            receipt.id_key: case_id,
            "tenant": receipt.tenant,
            "service": receipt.service,
            "receivedAt": receipt.received_at,
            "status": "received",
            "history": [],
            "deliveries": [],
        }
        tracked = await self._tracker_view(case_id)
        if tracked is None:
            doc["tracking"] = "unavailable"
        elif tracked:
            doc.update({k: v for k, v in tracked.items() if k != "caseId"})
        return web.json_response(doc)

    async def _tracker_view(self, case_id: str) -> dict[str, Any] | None:
        """The tracker's journey; {} when it has not seen the case yet, None when unreachable."""
        client = self.deps.http
        assert client is not None
        try:
            resp = await client.get(f"{self.deps.tracker_url}/v1/cases/{case_id}")
        except httpx.HTTPError:
            return None
        if resp.status_code == 404:
            return {}
        if resp.status_code != 200:
            return None
        data: dict[str, Any] = resp.json()
        return data

    async def healthz(self, _request: web.Request) -> web.Response:
        """Process is up and serving."""
        return web.json_response({"status": "ok"})

    async def readyz(self, _request: web.Request) -> web.Response:
        """Ready when the broker answers a metadata request."""
        ok = await asyncio.to_thread(self.deps.producer.broker_reachable)
        return web.json_response({"broker": ok}, status=200 if ok else 503)

    async def metrics(self, _request: web.Request) -> web.Response:
        """Prometheus exposition of the hub's metrics."""
        return web.Response(
            body=generate_latest(self.deps.metrics.registry),
            headers={"Content-Type": "text/plain; version=0.0.4; charset=utf-8"},
        )


@web.middleware
async def problem_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    """Turn every error into problem+json; count refusals by kind."""
    deps: IntakeDeps = request.app[APP_KEY]
    try:
        response: web.StreamResponse = await handler(request)
    except Problem as problem:
        deps.metrics.intake_rejected.labels(problem.kind).inc()
        log.info("intake.refused", status=problem.status, problem=problem.kind, path=request.path)
        return problem.response(instance=request.path)
    except web.HTTPException as exc:
        kind = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large"}.get(
            exc.status, "http_error"
        )
        return Problem(exc.status, kind, exc.reason).response(instance=request.path)
    return response


def create_intake_app(deps: IntakeDeps) -> web.Application:
    """The aiohttp application of the intake role."""
    app = web.Application(
        middlewares=[problem_middleware], client_max_size=deps.max_body_bytes + 1024
    )
    app[APP_KEY] = deps
    intake = Intake(deps)
    app.router.add_post("/v1/applications", intake.submit)
    app.router.add_get("/v1/applications/{id}", intake.journey)
    app.router.add_post("/v1/invoices", intake.submit_invoice)
    app.router.add_get("/v1/invoices/{id}", intake.invoice_journey)
    app.router.add_get("/healthz", intake.healthz)
    app.router.add_get("/readyz", intake.readyz)
    app.router.add_get("/metrics", intake.metrics)

    async def http_client(_app: web.Application) -> Any:
        own = deps.http is None
        if own:
            deps.http = httpx.AsyncClient(timeout=5.0)
        yield
        if own and deps.http is not None:
            await deps.http.aclose()

    app.cleanup_ctx.append(http_client)
    return app
