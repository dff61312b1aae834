"""Real-world body sizes through the real intake process on the real broker.

Scanned attachments are megabytes: every size up to ``HUB_MAX_BODY_BYTES`` is read
whole, signed over the whole body, and stored byte for byte; one byte more is a
``413`` and stores nothing.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hub.runtime.local import PROJECT_ROOT, LocalHub
from hub.signing import signed_headers

pytestmark = [pytest.mark.kafka, pytest.mark.e2e]

LIMIT = 25 * 1024 * 1024  # the default HUB_MAX_BODY_BYTES
APPLICATION = PROJECT_ROOT / "examples" / "applications" / "gewerbe-anmelden-bensheim.json"
INVOICE = PROJECT_ROOT / "examples" / "invoices" / "ubl-bensheim-gruenpflege.xml"
SIZES = {
    "0B": 0,
    "300KB": 300 * 1024,
    "5MB": 5 * 1024 * 1024,
    "20MB": 20 * 1024 * 1024,
    "limit-1": LIMIT - 1,
    "limit": LIMIT,
    "limit+1": LIMIT + 1,
}
TIMES: dict[str, float] = {}


@pytest.fixture(scope="module")
def intake(kafka_broker: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalHub]:
    hub = LocalHub(
        workdir=tmp_path_factory.mktemp("bodies"), roles=("intake",), bootstrap=kafka_broker
    ).start(timeout=60)
    try:
        yield hub
    finally:
        hub.stop()
        print(f"\nbody sizes: seconds to 202: {TIMES}")


def scan(size: int, seed: str) -> bytes:
    """``size`` bytes that do not compress (like a scanned PDF)."""
    block = hashlib.sha512(seed.encode()).digest()
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha512(block + counter.to_bytes(8, "big")).digest()
        counter += 1
    return bytes(out[:size])


def application_body(target: int, label: str) -> tuple[bytes, bytes | None]:
    """A submission of exactly ``target`` bytes (an attachment plus whitespace padding), and
    the attachment's bytes; below the bare submission's size, the body is cut (still signed)."""
    raw = json.loads(APPLICATION.read_text())
    raw["submissionId"] = f"BODY-{label}-{time.time_ns()}"
    bare = json.dumps(raw).encode()
    if target <= len(bare) + 200:
        return bare[:target], None
    size = (target - len(bare) - 200) * 3 // 4
    data = scan(size, label)
    raw["attachments"] = [
        {
            "attachmentId": "scan",
            "filename": "scan.pdf",
            "mediaType": "application/pdf",
            "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "contentBase64": base64.b64encode(data).decode(),
        }
    ]
    body = json.dumps(raw).encode()
    assert len(body) <= target
    return body + b" " * (target - len(body)), data


def invoice_body(target: int, label: str) -> bytes:
    """The UBL example with an embedded attachment (BG-24), padded to exactly ``target`` bytes."""
    xml = INVOICE.read_bytes().replace(b"RE-2026-0815", f"RE-{label}-{time.time_ns()}".encode(), 1)
    if target <= len(xml):
        return xml[:target]
    payload = base64.b64encode(scan(max(0, (target - len(xml) - 400) * 3 // 4), label))
    reference = (
        b"<cac:AdditionalDocumentReference><cbc:ID>scan</cbc:ID><cac:Attachment>"
        b'<cbc:EmbeddedDocumentBinaryObject mimeCode="application/pdf" filename="scan.pdf">'
        + payload
        + b"</cbc:EmbeddedDocumentBinaryObject></cac:Attachment></cac:AdditionalDocumentReference>"
    )
    marker = b"<cac:AccountingSupplierParty>"
    assert marker in xml
    body = xml.replace(marker, reference + marker, 1)
    assert len(body) <= target
    return body + b"\n" * (target - len(body))


def post(hub: LocalHub, path: str, body: bytes, portal: str, media: str) -> httpx.Response:
    headers = {
        "Content-Type": media,
        **signed_headers(portal, hub.portal_secrets[portal], int(time.time()), body),
    }
    return httpx.post(f"{hub.intake_url}{path}", content=body, headers=headers, timeout=120)


def stored(hub: LocalHub, sha256: str) -> bytes | None:
    path = hub.blob_dir / "sha256" / sha256[:2] / sha256
    return path.read_bytes() if path.exists() else None


@pytest.mark.parametrize("label", list(SIZES))
def test_application_of_any_size_up_to_the_limit_is_taken_whole(
    intake: LocalHub, label: str
) -> None:
    body, attachment = application_body(SIZES[label], label)
    assert SIZES[label] == len(body)

    started = time.monotonic()
    resp = post(intake, "/v1/applications", body, "civento-hessen", "application/json")

    if label == "limit+1":
        assert (413, "application/problem+json") == (resp.status_code, resp.headers["content-type"])
    elif label == "0B":
        assert 400 == resp.status_code  # an empty body is not JSON; authenticated all the same
    else:
        assert 202 == resp.status_code, resp.text
        TIMES[f"application {label}"] = round(time.monotonic() - started, 2)
        if attachment is not None:
            assert attachment == stored(intake, hashlib.sha256(attachment).hexdigest())
    if attachment is not None and label == "limit+1":
        assert stored(intake, hashlib.sha256(attachment).hexdigest()) is None


@pytest.mark.parametrize("label", [k for k in SIZES if k != "0B"])
def test_invoice_of_any_size_up_to_the_limit_is_taken_whole(intake: LocalHub, label: str) -> None:
    body = invoice_body(SIZES[label], label)
    assert SIZES[label] == len(body)

    started = time.monotonic()
    resp = post(intake, "/v1/invoices", body, "erechnung-gateway", "application/xml")

    digest = hashlib.sha256(body).hexdigest()
    if label == "limit+1":
        assert 413 == resp.status_code
        assert stored(intake, digest) is None
    elif label == "300KB" and len(INVOICE.read_bytes()) > SIZES[label]:
        pytest.fail("example invoice larger than the smallest size")
    else:
        assert 202 == resp.status_code, resp.text
        TIMES[f"invoice {label}"] = round(time.monotonic() - started, 2)
        assert body == stored(intake, digest)


def test_empty_invoice_body_is_a_problem(intake: LocalHub) -> None:
    resp = post(intake, "/v1/invoices", b"", "erechnung-gateway", "application/xml")

    assert (400, "application/problem+json") == (resp.status_code, resp.headers["content-type"])


def test_no_blob_is_a_partial_body(intake: LocalHub) -> None:
    """Every stored blob's name is the hash of its content: nothing truncated was kept."""
    for path in Path(intake.blob_dir / "sha256").glob("*/*"):
        if not path.name.startswith("."):
            assert path.name == hashlib.sha256(path.read_bytes()).hexdigest()
