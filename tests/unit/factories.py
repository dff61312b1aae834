"""Factory helpers shared by the unit tests (imported as ``factories``; no broker needed).

Paths are derived from the project root rather than imported from ``tests/conftest.py``
so that ``import conftest`` never has to be resolved from a test module.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import functools
import hashlib
import json
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import CollectorRegistry

from hub.config import HubConfig
from hub.config.tenants import ConnectorConfig, DirectoryTransport, Route, Tenant
from hub.events.codec import SingleObjectCodec
from hub.events.models import (
    Application,
    ApplicationSubmitted,
    DeliveryRequested,
    Envelope,
)
from hub.events.topics import Topics
from hub.ids import application_id, delivery_id
from hub.intake.api import IntakeDeps, create_intake_app
from hub.intake.invoices import IntakeValidator, InvoiceValidator
from hub.intake.receipts import ReceiptStore
from hub.intake.submission import Submission, decode_attachments, to_application
from hub.kafka.producer import ProduceError
from hub.metrics import HubMetrics
from hub.runtime.local import PROJECT_ROOT, free_port
from hub.signing import signed_headers
from hub.storage.blobs import LocalBlobStore

EXAMPLES = PROJECT_ROOT / "examples" / "applications"
CONFIG_DIR = PROJECT_ROOT / "config"
EXAMPLE_STEMS = [p.stem for p in sorted(EXAMPLES.glob("*.json"))]

# which tenant of the shipped configuration is responsible for each example
EXPECTED_TENANT = {
    "baugenehmigung-kreis-bergstrasse": "kreis-bergstrasse",
    "ehrenamtskarte-mrn": "mrn",
    "geburtsurkunde-viernheim": "viernheim",
    "gewerbe-anmelden-bensheim": "bensheim",
    "hundesteuer-anmelden-viernheim": "viernheim",
}


# --- submissions and events -------------------------------------------------------------


def load_example(stem: str) -> dict[str, Any]:
    """A fresh (mutable) copy of an example submission."""
    data: dict[str, Any] = json.loads((EXAMPLES / f"{stem}.json").read_text(encoding="utf-8"))
    return data


def body_of(raw: dict[str, Any]) -> bytes:
    """The JSON bytes a portal would post."""
    return json.dumps(raw, ensure_ascii=False).encode()


def attachment(
    data: bytes, *, filename: str = "scan.pdf", attachment_id: str = "a1"
) -> dict[str, Any]:
    """A wire-format attachment whose announcement matches ``data``."""
    return {
        "attachmentId": attachment_id,
        "filename": filename,
        "mediaType": "application/pdf",
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "contentBase64": base64.b64encode(data).decode(),
    }


def fake_uris(submission: Submission) -> list[str]:
    """Blob URIs as the local blob store would assign them (nothing is stored)."""
    return [LocalBlobStore.uri(a.sha256) for a in submission.attachments]


def application_from(raw: dict[str, Any]) -> Application:
    """The event form of a submission, attachments referenced by fake URIs."""
    sub = Submission.model_validate(raw)
    return to_application(sub, fake_uris(sub))


def attachment_bytes(raw: dict[str, Any]) -> dict[str, bytes]:
    """sha256 -> bytes of every attachment of a submission."""
    sub = Submission.model_validate(raw)
    blobs, problems = decode_attachments(sub)
    assert problems == []
    return {a.sha256: b for a, b in zip(sub.attachments, blobs, strict=True)}


def case_id_of(raw: dict[str, Any]) -> str:
    """The application id intake gives this submission."""
    return application_id(raw["portal"], raw["submissionId"])


def envelope(case_id: str = "case-1", tenant: str = "bensheim", **overrides: Any) -> Envelope:
    """An envelope of one case (correlation id = case id unless overridden)."""
    fields: dict[str, Any] = {"case_id": case_id, "tenant": tenant, "correlation_id": case_id}
    fields.update(overrides)
    return Envelope(**fields)


def submitted_event(raw: dict[str, Any], tenant: str) -> ApplicationSubmitted:
    """What intake produces for ``raw``."""
    case_id = case_id_of(raw)
    return ApplicationSubmitted(
        envelope=envelope(case_id, tenant), application=application_from(raw)
    )


def delivery_request(
    raw: dict[str, Any],
    tenant: str,
    *,
    connector: str = "dms",
    kind: str = "dms.xdomea",
    rule: str = "everything-to-dms",
    application: Application | None = None,
) -> DeliveryRequested:
    """What the router asks ``connector`` of ``tenant`` to deliver for ``raw``."""
    case_id = case_id_of(raw)
    return DeliveryRequested(
        envelope=envelope(case_id, tenant),
        delivery_id=delivery_id(case_id, tenant, connector),
        connector=connector,
        connector_kind=kind,
        rule=rule,
        application=application or application_from(raw),
    )


def string_leaves(value: Any) -> list[str]:
    """Every string inside a JSON-like value (dict values, list items), depth first."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in string_leaves(v)]
    if isinstance(value, list):
        return [s for v in value for s in string_leaves(v)]
    return []


def personal_strings(raw: dict[str, Any]) -> list[str]:
    """Applicant data, form contents and reply address of a submission: must never leak.

    Date-shaped form values are left out (they could equal today's date in a timestamp), and
    so are strings under four characters (a Flur "3" occurs in any id).
    """
    values = [
        *string_leaves(raw["applicant"]),
        *[s for s in string_leaves(raw["formData"]) if not _is_iso_date(s)],
        *(string_leaves(raw["replyChannel"]["address"]) if raw.get("replyChannel") else []),
    ]
    # the discriminator and country code are not personal
    return sorted({v for v in values if len(v) >= 4 and v not in ("person", "organisation")})


def _is_iso_date(s: str) -> bool:
    return len(s) == 10 and s[4] == "-" and s[7] == "-" and s.replace("-", "").isdigit()


def mutated(raw: dict[str, Any], change: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
    """A deep copy of ``raw`` with ``change`` applied to it."""
    copied = copy.deepcopy(raw)
    change(copied)
    return copied


# --- configuration ------------------------------------------------------------------------


def directory_connector(kind: str = "dms.xdomea", path: str = "/tmp/hub-test") -> ConnectorConfig:
    """A connector instance that drops files into ``path``."""
    return ConnectorConfig(
        kind=kind, transport=DirectoryTransport(type="directory", path=Path(path))
    )


def rule(service: str, *to: str, name: str | None = None) -> Route:
    """A routing rule: ``service`` (14-digit key or ``*``) to connector ids."""
    return Route(service=service, to=list(to), name=name)


def tenant(
    tenant_id: str,
    *,
    ags: str | None = None,
    ars: str | None = None,
    connectors: dict[str, str] | None = None,
    routes: list[Route] | None = None,
    fallback: str | None = None,
) -> Tenant:
    """A tenant built in code; ``connectors`` maps connector id -> kind."""
    conns = connectors if connectors is not None else {"dms": "dms.xdomea"}
    return Tenant(
        id=tenant_id,
        name=f"Tenant {tenant_id}",
        ags=ags,
        ars=ars,
        connectors={cid: directory_connector(kind) for cid, kind in conns.items()},
        routes=routes if routes is not None else [rule("*", "dms", name="everything-to-dms")],
        fallback=fallback,
    )


# --- intake API harness -------------------------------------------------------------------


class FakeProducer:
    """Records produced messages instead of talking to Kafka; ``fail=True`` makes sends fail."""

    def __init__(self, *, fail: bool = False) -> None:
        self.fail = fail
        self.messages: list[tuple[str, bytes, bytes]] = []
        self.closed = False

    async def send(self, topic: str, key: bytes, value: bytes) -> None:
        if self.fail:
            raise ProduceError("broker did not acknowledge in time")
        self.messages.append((topic, key, value))

    def broker_reachable(self, timeout: float = 2.0) -> bool:
        return not self.fail

    def close(self) -> None:
        self.closed = True


def closed_port_url() -> str:
    """An http URL on 127.0.0.1 where nothing listens (connection refused)."""
    return f"http://127.0.0.1:{free_port()}"


@functools.cache
def shared_validator() -> IntakeValidator:
    """One XRechnung validation pool per test process: its worker starts (and compiles the
    rules) on the first invoice, not for tests that post none."""
    return IntakeValidator(PROJECT_ROOT / ".cache" / "xrechnung")


def intake_deps(
    tmp_path: Path,
    config: HubConfig,
    producer: Any | None = None,
    *,
    max_body_bytes: int = 2_000_000,
    tolerance_seconds: int = 300,
    validator: InvoiceValidator | None = None,
) -> IntakeDeps:
    """Intake collaborators: real local stores in ``tmp_path``, fake producer, fresh metrics,
    the shared validator unless ``validator`` is given."""
    return IntakeDeps(
        config=config,
        topics=Topics(),
        codec=SingleObjectCodec(),
        producer=producer if producer is not None else FakeProducer(),
        blobs=LocalBlobStore(tmp_path / "blobs"),
        receipts=ReceiptStore(tmp_path / "receipts"),
        metrics=HubMetrics(CollectorRegistry()).prepare(config, ["intake"]),
        tracker_url=closed_port_url(),
        max_body_bytes=max_body_bytes,
        signature_tolerance_seconds=tolerance_seconds,
        validator=validator if validator is not None else shared_validator(),
    )


@contextlib.asynccontextmanager
async def intake_client(deps: IntakeDeps) -> AsyncIterator[TestClient[Any, Any]]:
    """An HTTP client talking to the intake app served on a random local port."""
    async with TestClient(TestServer(create_intake_app(deps))) as client:
        yield client


def signed(
    body: bytes,
    secret: str,
    *,
    portal: str = "civento-hessen",
    timestamp: int | None = None,
    content_type: str = "application/json",
) -> dict[str, str]:
    """Request headers of a correctly signed submission."""
    ts = int(time.time()) if timestamp is None else timestamp
    return {"Content-Type": content_type, **signed_headers(portal, secret, ts, body)}
