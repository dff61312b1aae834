"""Intake HTTP API: submissions, e-invoices and their signed status reads.

Checking a submission, in order: media type, size (the whole body is read, up
to ``HUB_MAX_BODY_BYTES``), signature, JSON and its structural limits, schema,
portal, responsible tenant and the portal's right to serve it, attachment
hashes; then :mod:`hub.intake.accept` stores, produces and answers. Whatever is
refused is refused before anything is stored. Every answer that is not a
success is ``application/problem+json``, including the unexpected: an exception
becomes a ``500`` with a generic title and an error id that is also in the log.
"""

from __future__ import annotations

import asyncio
import json
import time
import traceback
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import structlog
from aiohttp import web
from prometheus_client import generate_latest
from pydantic import ValidationError

from hub import signing
from hub.config import HubConfig
from hub.events.codec import EventCodec
from hub.events.models import (
    ApplicationSubmitted,
    Envelope,
    Event,
)
from hub.events.topics import Topics
from hub.ids import application_id, is_uuid
from hub.intake.accept import Acceptor, NewCase, receipt_headers
from hub.intake.invoices import (
    IntakeValidator,
    InvoiceValidator,
    check_invoice,
    invoice_case,
    invoice_receipt,
)
from hub.intake.limits import LimitExceeded, check_json
from hub.intake.openapi import openapi_document
from hub.intake.problems import Problem
from hub.intake.receipts import Receipt, ReceiptStore
from hub.intake.submission import (
    Submission,
    authority_of,
    content_fingerprint,
    decode_attachments,
    to_application,
)
from hub.intake.views import ApplicationStatus, InvoiceStatus
from hub.kafka.producer import EventProducer
from hub.metrics import HubMetrics
from hub.routing.rules import ResponsibilityError, responsible_tenant
from hub.settings import DEFAULT_XRECHNUNG_RULES_DIR
from hub.storage.blobs import BlobStore
from hub.tracking.view import TrackedCase

log = structlog.get_logger("hub.intake")

JSON_TYPES = ("application/json",)
XML_TYPES = ("application/xml", "text/xml")
_CHUNK = 256 * 1024


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
    serve_metrics: bool = True  # False where the process serves its metrics on another port
    #: validates e-invoices; None: the app builds one pool from ``xrechnung_rules_dir`` at
    #: start-up and closes it at shutdown (an injected one is the caller's to close)
    validator: InvoiceValidator | None = None
    xrechnung_rules_dir: Path = DEFAULT_XRECHNUNG_RULES_DIR


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


async def read_body(request: web.Request, limit: int, media_types: tuple[str, ...]) -> bytes:
    """The whole request body, refusing a wrong media type (415) or more than ``limit`` bytes
    (413) without reading further than the limit."""
    if request.content_type not in media_types:
        raise Problem(
            415,
            "unsupported_media_type",
            "Unsupported media type",
            f"send {' or '.join(media_types)}, not {request.content_type or 'nothing'}",
        )
    too_large = Problem(413, "body_too_large", "Request body too large", f"limit is {limit} bytes")
    if request.content_length is not None and request.content_length > limit:
        raise too_large
    body = bytearray()
    while chunk := await request.content.read(_CHUNK):
        body += chunk
        if len(body) > limit:
            raise too_large
    return bytes(body)


def _authenticate(request: web.Request, payload: bytes, deps: IntakeDeps) -> str:
    try:
        return signing.verify(
            request.headers,
            payload,
            deps.config.portal_secrets,
            now=time.time(),
            tolerance_seconds=deps.signature_tolerance_seconds,
        )
    except signing.SignatureError as exc:
        raise Problem(401, "unauthenticated", "Authentication failed", exc.reason) from None


def _limit_problem(exc: LimitExceeded) -> Problem:
    if exc.limit == "text":  # not a limit: JSON that names no Unicode text
        return Problem(400, "malformed_json", "Body is not JSON", f"{exc.pointer}: {exc.detail}")
    return Problem(
        422,
        f"limit_{exc.limit}",
        "The submission exceeds a structural limit",
        exc.detail,
        errors=[{"pointer": exc.pointer or "/", "detail": exc.detail}],
    )


def parse_submission(body: bytes) -> tuple[dict[str, Any], Submission]:
    """The submission JSON, checked against the structural limits and the schema."""
    try:
        raw = json.loads(body)
    except RecursionError:
        raise Problem(
            400, "malformed_json", "Body is not JSON", "nested too deeply to parse"
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise Problem(400, "malformed_json", "Body is not JSON", str(exc)) from None
    try:
        check_json(raw)
    except LimitExceeded as exc:
        raise _limit_problem(exc) from None
    if not isinstance(raw, dict):
        raise Problem(422, "validation_failed", "The submission must be a JSON object")
    try:
        return raw, Submission.model_validate(raw)
    except ValidationError as exc:
        raise _validation_problem(exc) from None


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
        self.acceptor = Acceptor(
            codec=deps.codec,
            producer=deps.producer,
            blobs=deps.blobs,
            receipts=deps.receipts,
            metrics=deps.metrics,
        )

    def _check_portal_serves(self, portal: str, tenant: str) -> None:
        if tenant not in self.deps.config.portals[portal].tenants:
            raise Problem(
                403,
                "tenant_not_allowed",
                "Portal may not submit for this partner",
                f"portal {portal!r} is not configured for tenant {tenant!r}",
            )

    async def _answer(self, case: NewCase) -> web.Response:
        accepted = await self.acceptor.accept(case)
        return web.json_response(
            accepted.receipt.public(), status=accepted.status, headers=receipt_headers(accepted)
        )

    async def submit(self, request: web.Request) -> web.Response:
        """``POST /v1/applications``."""
        deps = self.deps
        body = await read_body(request, deps.max_body_bytes, JSON_TYPES)
        portal = _authenticate(request, body, deps)
        raw, submission = parse_submission(body)
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

        return await self._answer(
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
        """``POST /v1/invoices``: one XRechnung document (UBL or CII); the checks after the
        signature are :func:`hub.intake.invoices.check_invoice`'s."""
        deps = self.deps
        body = await read_body(request, deps.max_body_bytes, XML_TYPES)
        portal = _authenticate(request, body, deps)
        checked = await check_invoice(
            body,
            deps.config.tenants,
            deps.validator,
            deps.metrics,
            lambda tenant: self._check_portal_serves(portal, tenant),
        )
        accepted = await self.acceptor.accept(invoice_case(checked, portal, deps.topics.invoices))
        return web.json_response(
            invoice_receipt(checked, accepted, deps.metrics),
            status=accepted.status,
            headers=receipt_headers(accepted),
        )

    async def application_status(self, request: web.Request) -> web.Response:
        """``GET /v1/applications/{id}``: the journey, for the portal that submitted it."""
        return await self._status(request, "application")

    async def invoice_status(self, request: web.Request) -> web.Response:
        """``GET /v1/invoices/{id}``: the journey, for the portal that delivered it."""
        return await self._status(request, "invoice")

    async def _status(self, request: web.Request, kind: str) -> web.Response:
        portal = _authenticate(request, signing.read_payload("GET", request.path), self.deps)
        case_id = request.match_info["id"]
        receipt = await self._receipt(case_id) if is_uuid(case_id) else None
        if receipt is None or receipt.kind != kind or receipt.portal != portal:
            # the same answer for "unknown" and "not yours": ids are guessable, cases are not
            raise Problem(404, "not_found", f"No such {kind}", f"no such {kind} for this portal")
        tracked = await self._tracker_view(case_id)
        fields: dict[str, Any] = {
            "tenant": receipt.tenant,
            "service": receipt.service,
            "status": "received",
            "final": False,
        }
        if tracked is None:
            fields["tracking"] = "unavailable"
        elif isinstance(tracked, TrackedCase):
            fields.update(tracked.model_dump(exclude={"caseId"}))
        fields["receivedAt"] = receipt.received_at
        doc: ApplicationStatus | InvoiceStatus = (
            ApplicationStatus(applicationId=case_id, **fields)
            if kind == "application"
            else InvoiceStatus(invoiceId=case_id, **fields)
        )
        return web.json_response(doc.model_dump(mode="json", exclude_none=True))

    async def _receipt(self, case_id: str) -> Receipt | None:
        return await asyncio.to_thread(self.deps.receipts.get, case_id)

    async def _tracker_view(self, case_id: str) -> TrackedCase | bool | None:
        """The tracker's journey; False when it has not seen the case yet, None if unreachable."""
        client = self.deps.http
        if client is None:
            return None
        try:
            resp = await client.get(f"{self.deps.tracker_url}/v1/cases/{case_id}")
        except httpx.HTTPError:
            return None
        if resp.status_code == 404:
            return False
        if resp.status_code != 200:
            return None
        try:
            return TrackedCase.model_validate(resp.json())
        except (ValueError, ValidationError) as exc:
            log.warning("intake.tracker_answer_invalid", error=type(exc).__name__)
            return None

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

    async def openapi(self, _request: web.Request) -> web.Response:
        """``GET /openapi.json``: the contract of this API."""
        return web.json_response(openapi_document())


_ENDPOINTS = {
    "/v1/applications": "applications",
    "/v1/invoices": "invoices",
    "/v1/applications/{id}": "status",
    "/v1/invoices/{id}": "status",
}


def _endpoint(request: web.Request) -> str:
    """A bounded label for the route that served ``request``."""
    resource = request.match_info.route.resource
    return _ENDPOINTS.get(resource.canonical if resource else "", "other")


def _unexpected(exc: BaseException, request: web.Request) -> web.Response:
    """A 500 that tells the caller nothing internal, and the operator where to look."""
    error_id = uuid.uuid4().hex[:16]
    frames = [f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}:{f.name}" for f in
              traceback.extract_tb(exc.__traceback__)][-8:]  # fmt: skip
    # the exception's message may quote the input, so only its type and where it happened
    log.error("intake.unexpected", error_id=error_id, error=type(exc).__name__, frames=frames)
    body = Problem(500, "internal_error", "Internal error").body(instance=request.path)
    body["errorId"] = error_id
    return web.Response(
        status=500, body=json.dumps(body).encode(), content_type="application/problem+json"
    )


@web.middleware
async def problem_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    """Turn every error into problem+json; count refusals by kind; time every request."""
    deps: IntakeDeps = request.app[APP_KEY]
    started = time.perf_counter()
    response: web.StreamResponse
    try:
        response = await handler(request)
    except Problem as problem:
        deps.metrics.intake_rejected.labels(problem.kind).inc()
        log.info("intake.refused", status=problem.status, problem=problem.kind, path=request.path)
        response = problem.response(instance=request.path)
    except web.HTTPException as exc:
        kind = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large"}.get(
            exc.status, "http_error"
        )
        response = Problem(exc.status, kind, exc.reason).response(instance=request.path)
    except Exception as exc:  # the edge never answers with a bare 500
        response = _unexpected(exc, request)
    deps.metrics.intake_request_seconds.labels(
        _endpoint(request), f"{response.status // 100}xx"
    ).observe(time.perf_counter() - started)
    return response


def create_intake_app(deps: IntakeDeps) -> web.Application:
    """The aiohttp application of the intake role."""
    # bodies are read by read_body against max_body_bytes; aiohttp's own cap only guards
    # request.read(), which intake never calls
    app = web.Application(
        middlewares=[problem_middleware], client_max_size=deps.max_body_bytes + 1024
    )
    app[APP_KEY] = deps
    intake = Intake(deps)
    app.router.add_post("/v1/applications", intake.submit)
    app.router.add_get("/v1/applications/{id}", intake.application_status)
    app.router.add_post("/v1/invoices", intake.submit_invoice)
    app.router.add_get("/v1/invoices/{id}", intake.invoice_status)
    app.router.add_get("/healthz", intake.healthz)
    app.router.add_get("/readyz", intake.readyz)
    if deps.serve_metrics:
        app.router.add_get("/metrics", intake.metrics)
    app.router.add_get("/openapi.json", intake.openapi)

    async def http_client(_app: web.Application) -> Any:
        own = deps.http is None
        if own:
            deps.http = httpx.AsyncClient(timeout=5.0)
        yield
        if own and deps.http is not None:
            await deps.http.aclose()
            deps.http = None

    async def invoice_validator(_app: web.Application) -> Any:
        own = deps.validator is None
        if own:
            validator = IntakeValidator(deps.xrechnung_rules_dir)
            await validator.start()
            deps.validator = validator
        yield
        if own and isinstance(deps.validator, IntakeValidator):
            await deps.validator.close()
            deps.validator = None

    app.cleanup_ctx.append(http_client)
    app.cleanup_ctx.append(invoice_validator)
    return app
