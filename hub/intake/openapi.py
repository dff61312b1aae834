"""The OpenAPI 3.1 contract of intake, generated from the pydantic models it validates and answers
with, so it cannot drift from the code. Served at ``GET /openapi.json`` and committed as
``docs/openapi.json`` (a test keeps the two equal)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from hub import __version__
from hub.intake.problems import PROBLEM_TYPES, ProblemType
from hub.intake.submission import Submission
from hub.intake.views import (
    ApplicationReceipt,
    ApplicationStatus,
    Health,
    InvoiceReceipt,
    InvoiceStatus,
    ProblemDocument,
    Readiness,
)

_REF = "#/components/schemas/{model}"
_MODELS: tuple[type[BaseModel], ...] = (
    Submission,
    ApplicationReceipt,
    InvoiceReceipt,
    ApplicationStatus,
    InvoiceStatus,
    ProblemDocument,
    Health,
    Readiness,
)
SIGNING = """Every `/v1` request is signed by the portal with its own secret:

* `X-Hub-Portal`: the portal client's name (as in `portals.yaml`)
* `X-Hub-Timestamp`: unix seconds; at most 300 s off the hub's clock
* `X-Hub-Signature`: `sha256=` + hex HMAC-SHA256 with the portal's secret of
  `"{timestamp}.{payload}"`, where the payload of a POST is the raw body and the payload of a
  status read is `"GET {path}"` (the request path, percent-decoded, without query string),
  e.g. `"1795257883.GET /v1/applications/bf19cb39-...."`.

During a secret rotation both the current and the next secret verify. A status read answers only
the portal that submitted the case; any other caller gets the same 404 as for an unknown id."""


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": _REF.format(model=model.__name__)}


def _problems(operation: str) -> dict[str, Any]:
    by_status: dict[int, list[ProblemType]] = {}
    for problem in PROBLEM_TYPES[operation].values():
        by_status.setdefault(problem.status, []).append(problem)
    return {
        str(status): {
            "description": "; ".join(f"`{p.kind}`: {p.when}" for p in kinds),
            "content": {"application/problem+json": {"schema": _ref(ProblemDocument)}},
        }
        for status, kinds in sorted(by_status.items())
    }


def _json(model: type[BaseModel], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(model)}}}


def _sample(name: str) -> str:
    return (resources.files("hub.sdk") / "samples" / name).read_text(encoding="utf-8")


_SIGNED: list[dict[str, list[str]]] = [{"portal": [], "timestamp": [], "signature": []}]
_ID = {
    "name": "id",
    "in": "path",
    "required": True,
    "schema": {"type": "string"},
    "description": "the id from the receipt",
}


def _paths() -> dict[str, Any]:
    application_example = json.loads(_sample("applications/gewerbe-anmelden-bensheim.json"))
    return {
        "/v1/applications": {
            "post": {
                "operationId": "submitApplication",
                "summary": "Submit an application (Antrag)",
                "security": _SIGNED,
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": _ref(Submission),
                            "examples": {"gewerbe": {"value": application_example}},
                        }
                    },
                },
                "responses": {
                    "202": _json(ApplicationReceipt, "a new case; Location has its status URL"),
                    "200": _json(ApplicationReceipt, "a repeat: the original receipt"),
                    **_problems("submit_application"),
                },
            }
        },
        "/v1/applications/{id}": {
            "get": {
                "operationId": "readApplicationStatus",
                "summary": "Read an application's journey (signed; only its own portal)",
                "security": _SIGNED,
                "parameters": [_ID],
                "responses": {
                    "200": _json(ApplicationStatus, "the journey, without personal data"),
                    **_problems("read_status"),
                },
            }
        },
        "/v1/invoices": {
            "post": {
                "operationId": "submitInvoice",
                "summary": "Deliver an XRechnung e-invoice (UBL or CII)",
                "security": _SIGNED,
                "requestBody": {
                    "required": True,
                    "content": {
                        media: {
                            "schema": {"type": "string", "description": "the XML document"},
                            "examples": {
                                "ubl": {"value": _sample("invoices/ubl-bensheim-gruenpflege.xml")}
                            },
                        }
                        for media in ("application/xml", "text/xml")
                    },
                },
                "responses": {
                    "202": _json(InvoiceReceipt, "a new invoice case"),
                    "200": _json(InvoiceReceipt, "a repeat: the original receipt"),
                    **_problems("submit_invoice"),
                },
            }
        },
        "/v1/invoices/{id}": {
            "get": {
                "operationId": "readInvoiceStatus",
                "summary": "Read an e-invoice's journey (signed; only its own portal)",
                "security": _SIGNED,
                "parameters": [_ID],
                "responses": {
                    "200": _json(InvoiceStatus, "the journey"),
                    **_problems("read_status"),
                },
            }
        },
        "/healthz": {
            "get": {
                "operationId": "health",
                "summary": "Liveness: the process serves",
                "responses": {"200": _json(Health, "alive")},
            }
        },
        "/readyz": {
            "get": {
                "operationId": "readiness",
                "summary": "Readiness: the broker answers metadata requests",
                "responses": {
                    "200": _json(Readiness, "ready"),
                    "503": _json(Readiness, "the broker is unreachable"),
                },
            }
        },
        "/metrics": {
            "get": {
                "operationId": "metrics",
                "summary": "Prometheus metrics (text exposition format)",
                "responses": {
                    "200": {
                        "description": "metrics",
                        "content": {"text/plain": {"schema": {"type": "string"}}},
                    }
                },
            }
        },
        "/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This document",
                "responses": {
                    "200": {
                        "description": "OpenAPI 3.1",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            }
        },
    }


@cache
def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of the intake API."""
    # validation mode: a field with a default is optional, as in answers that leave out nulls
    _, schemas = models_json_schema([(m, "validation") for m in _MODELS], ref_template=_REF)
    components = schemas.get("$defs", {})
    header = {"type": "apiKey", "in": "header"}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "IKZ Hub intake",
            "version": __version__,
            "description": "Portals submit applications and e-invoices; the hub routes them to the "
            "responsible partner's back offices and reports each case's journey.\n\n" + SIGNING,
            "license": {"name": "EUPL-1.2", "identifier": "EUPL-1.2"},
        },
        "paths": _paths(),
        "components": {
            "schemas": dict(sorted(components.items())),
            "securitySchemes": {
                "portal": {**header, "name": "X-Hub-Portal", "description": "portal client name"},
                "timestamp": {**header, "name": "X-Hub-Timestamp", "description": "unix seconds"},
                "signature": {**header, "name": "X-Hub-Signature", "description": SIGNING},
            },
        },
        "x-problem-types": {
            op: {k: {"status": p.status, "when": p.when} for k, p in kinds.items()}
            for op, kinds in PROBLEM_TYPES.items()
        },
    }


if __name__ == "__main__":  # python -m hub.intake.openapi > docs/openapi.json
    print(json.dumps(openapi_document(), indent=2, ensure_ascii=False))
