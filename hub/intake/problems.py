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


@dataclass(frozen=True)
class ProblemType:
    """One kind of error answer: its status and when it is given (for docs and OpenAPI)."""

    kind: str
    status: int
    when: str


def _types(*rows: tuple[str, int, str]) -> dict[str, ProblemType]:
    return {kind: ProblemType(kind, status, when) for kind, status, when in rows}


#: every problem type intake answers with, by the operation that answers it
PROBLEM_TYPES: dict[str, dict[str, ProblemType]] = {
    "submit_application": _types(
        ("malformed_json", 400, "the body is not JSON, or nests too deeply to parse"),
        ("unauthenticated", 401, "signature headers missing or wrong, or timestamp off"),
        ("portal_mismatch", 403, "the body names another portal than the one that signed"),
        ("tenant_not_allowed", 403, "the portal may not submit for the responsible partner"),
        ("conflicting_duplicate", 409, "the submissionId was accepted before with other content"),
        ("body_too_large", 413, "the body is larger than HUB_MAX_BODY_BYTES"),
        ("unsupported_media_type", 415, "not application/json"),
        ("validation_failed", 422, "schema violations; errors[] has a JSON pointer per field"),
        ("attachment_mismatch", 422, "an attachment's bytes differ from its size or sha256"),
        ("unknown_authority", 422, "no partner is responsible for the authority"),
        ("ambiguous_authority", 422, "more than one partner claims the authority"),
        ("limit_json_depth", 422, "JSON nested deeper than 32 levels"),
        ("limit_string_length", 422, "a string longer than 100,000 characters"),
        ("limit_attachments", 422, "more than 100 attachments"),
        ("limit_form_data_size", 422, "formData larger than 1 MiB as JSON"),
        ("limit_form_data_values", 422, "formData with more than 10,000 values"),
        ("limit_json_values", 422, "more than 20,000 values in the whole submission"),
        ("internal_error", 500, "an unexpected error; errorId is in the hub's log"),
        ("broker_unavailable", 503, "Kafka did not acknowledge: nothing was stored, retry"),
    ),
    "submit_invoice": _types(
        ("malformed_xml", 400, "the body is not well-formed XML"),
        ("unauthenticated", 401, "signature headers missing or wrong, or timestamp off"),
        ("tenant_not_allowed", 403, "the portal may not deliver for that partner"),
        ("conflicting_duplicate", 409, "seller, number and date were accepted with other bytes"),
        ("body_too_large", 413, "the body is larger than HUB_MAX_BODY_BYTES"),
        ("unsupported_media_type", 415, "not application/xml or text/xml"),
        ("forbidden_xml", 422, "a DTD, entity declaration or external reference"),
        ("xml_too_deep", 422, "elements nested deeper than 64 levels"),
        ("xml_too_large", 422, "more than 500,000 elements"),
        ("unsupported_document", 422, "neither UBL Invoice/CreditNote nor CII"),
        (
            "unroutable_invoice",
            422,
            "BT-10 names no partner: no configured Leitweg-ID prefix matches its leading digits",
        ),
        (
            "unsupported_specification",
            422,
            "BT-24 is not XRechnung 3.0 (CIUS or extension): no rules to check it",
        ),
        (
            "invalid_invoice",
            422,
            "the official EN 16931 / XRechnung rules (XML Schema, Schematron) found fatal "
            "errors; errors[] has each one's rule_id, severity, location and text (detail)",
        ),
        ("validation_failed", 422, "a term the hub identifies invoices by is unusable (BT-2)"),
        ("internal_error", 500, "an unexpected error; errorId is in the hub's log"),
        ("broker_unavailable", 503, "Kafka did not acknowledge: nothing was stored, retry"),
        (
            "validation_unavailable",
            503,
            "the validator's worker process failed: nothing was stored, retry",
        ),
    ),
    "read_status": _types(
        ("unauthenticated", 401, "signature headers missing or wrong, or timestamp off"),
        ("not_found", 404, "no such case for this portal (unknown and not yours look the same)"),
        ("internal_error", 500, "an unexpected error; errorId is in the hub's log"),
    ),
}
