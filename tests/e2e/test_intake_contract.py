"""The intake API against its own OpenAPI document, fuzzed by Schemathesis.

A real intake process on the real broker answers; Schemathesis reads the committed
document (which a unit test proves equal to what intake serves) and generates valid and invalid requests for every operation.
Each request is signed for real (body or ``"GET {path}"``), so the fuzzer reaches
past authentication into parsing, validation, routing and the broker write.
Checks: never a 5xx, every answer conforms to the document (status, media type,
headers, schema), every error is a problem document.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from hub.runtime.local import PROJECT_ROOT, LocalHub
from hub.signing import read_payload, signed_headers

pytestmark = [pytest.mark.kafka, pytest.mark.e2e]

EXAMPLES_PER_OPERATION = 450  # per operation, valid and invalid: over 2,000 requests in all
TIME_CAP_SECONDS = 240.0
PORTAL = "civento-hessen"
INVOICE_PORTAL = "erechnung-gateway"
SENT: Counter[str] = Counter()
STARTED: list[float] = []


class HubSignature(requests.auth.AuthBase):
    """Signs each prepared request as a portal would: the raw body, or ``GET {path}``."""

    def __init__(self, secrets: dict[str, str]) -> None:
        self.secrets = secrets

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        path = unquote(urlsplit(r.url or "").path)
        body = r.body or b""
        payload = body.encode() if isinstance(body, str) else body
        if r.method == "GET":
            payload = read_payload("GET", path)
        portal = INVOICE_PORTAL if path.startswith("/v1/invoices") else PORTAL
        r.headers.update(signed_headers(portal, self.secrets[portal], int(time.time()), payload))
        return r


@pytest.fixture(scope="module")
def intake(kafka_broker: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalHub]:
    """A real intake on the real broker (no stage roles: status reads answer from receipts)."""
    hub = LocalHub(
        workdir=tmp_path_factory.mktemp("contract"), roles=("intake",), bootstrap=kafka_broker
    ).start(timeout=60)
    try:
        yield hub
    finally:
        hub.stop()
        report = Path(hub.workdir) / "schemathesis-report.json"
        report.write_text(json.dumps(dict(SENT), indent=2))
        print(f"\nschemathesis: {sum(SENT.values())} requests: {dict(SENT)}")


# the committed document; test_openapi.py proves the running intake serves exactly this one
schema = schemathesis.openapi.from_path(str(PROJECT_ROOT / "docs" / "openapi.json"))


@schemathesis.check
def errors_are_problem_documents(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every 4xx and 5xx answer is RFC 9457 problem+json naming its own status."""
    if response.status_code < 400:
        return None
    found = {k.lower(): v for k, v in response.headers.items()}.get("content-type", [""])
    media = found[0] if isinstance(found, list) else found
    assert media.startswith("application/problem+json"), f"error answered as {media!r}"
    doc = json.loads(response.content)
    assert doc["status"] == response.status_code and doc["type"] and doc["title"]
    return True


@schemathesis.check
def never_a_server_error(ctx: Any, response: Any, case: Any) -> bool | None:
    """Intake answers 503 only when the broker is down, and never any other 5xx."""
    assert response.status_code < 500, f"{response.status_code}: {response.content[:300]!r}"
    return True


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_intake_honours_its_contract(case: Any, intake: LocalHub) -> None:
    if not STARTED:
        STARTED.append(time.monotonic())
    if time.monotonic() - STARTED[0] > TIME_CAP_SECONDS:
        return  # the time cap: the suite stays bounded on a slow machine
    auth = HubSignature(intake.portal_secrets)
    response = case.call(base_url=intake.intake_url, auth=auth, timeout=30)
    SENT[f"{case.method} {case.path} {response.status_code}"] += 1
    case.validate_response(
        response,
        checks=[
            never_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_headers_conformance,
            response_schema_conformance,
            errors_are_problem_documents,
        ],
    )


def test_the_fuzzer_sent_enough_requests(intake: LocalHub) -> None:
    """Runs after the fuzz test (file order): the run really exercised the API."""
    total = sum(SENT.values())
    assert total >= 2000, f"only {total} requests: {dict(SENT)}"
    accepted = sum(n for key, n in SENT.items() if key.endswith((" 200", " 202")))
    assert accepted > 0
