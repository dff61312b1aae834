"""hub.intake at the edge: whole bodies, structural limits, private status reads, no bare 500s.

Served by aiohttp's real HTTP server on a local port, with real stores and a fake producer.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientResponse
from structlog.testing import capture_logs

from hub.config import HubConfig
from hub.intake import limits
from hub.intake.api import IntakeDeps
from hub.intake.problems import MEDIA_TYPE, PROBLEM_BASE
from hub.signing import signed_read_headers
from hub.storage.blobs import LocalBlobStore
from tests.unit.factories import (
    FakeProducer,
    body_of,
    case_id_of,
    intake_client,
    intake_deps,
    load_example,
    signed,
)

STEM = "gewerbe-anmelden-bensheim"
INVOICE = (
    Path(__file__).resolve().parents[3] / "examples" / "invoices" / "ubl-bensheim-gruenpflege.xml"
)


async def problem(resp: ClientResponse, status: int, kind: str) -> dict[str, Any]:
    assert (status, MEDIA_TYPE) == (resp.status, resp.content_type)
    doc: dict[str, Any] = json.loads(await resp.read())
    assert PROBLEM_BASE + kind == doc["type"]
    return doc


async def post_raw(client: Any, body: bytes, secrets: dict[str, str], *, xml: bool = False) -> Any:
    portal = "erechnung-gateway" if xml else "civento-hessen"
    kind = "application/xml" if xml else "application/json"
    headers = signed(body, secrets[portal], portal=portal, content_type=kind)
    path = "/v1/invoices" if xml else "/v1/applications"
    return await client.post(path, data=io.BytesIO(body), headers=headers)


def with_attachment(size: int, *, pad_to: int | None = None) -> bytes:
    """The Gewerbe example with one attachment of ``size`` random bytes; padded with
    trailing whitespace (still the same JSON) to exactly ``pad_to`` bytes when given."""
    raw = load_example(STEM)
    data = hashlib.sha256(b"seed").digest() * (size // 32 + 1)
    data = data[:size]
    raw["attachments"] = [
        {
            "attachmentId": "scan",
            "filename": "scan.pdf",
            "mediaType": "application/pdf",
            "size": size,
            "sha256": hashlib.sha256(data).hexdigest(),
            "contentBase64": base64.b64encode(data).decode(),
        }
    ]
    raw["submissionId"] = f"SIZE-{size}-{pad_to}"
    body = body_of(raw)
    if pad_to is not None:
        assert len(body) <= pad_to
        body += b" " * (pad_to - len(body))
    return body


@pytest.fixture
def deps(tmp_path: Path, hub_config: HubConfig) -> IntakeDeps:
    return intake_deps(tmp_path, hub_config, max_body_bytes=6 * 1024 * 1024)


@pytest.fixture
async def client(deps: IntakeDeps) -> AsyncIterator[Any]:
    async with intake_client(deps) as c:
        yield c


# --- whole bodies -------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 300 * 1024, 4 * 1024 * 1024])
async def test_attachment_of_real_size_is_accepted_and_stored_byte_for_byte(
    deps: IntakeDeps, client: Any, portal_env: dict[str, str], size: int
) -> None:
    body = with_attachment(size)

    resp = await post_raw(client, body, portal_env)

    assert 202 == resp.status, await resp.text()
    sent = json.loads(body)["attachments"][0]
    stored = deps.blobs.get(f"blob:sha256:{sent['sha256']}")
    assert base64.b64decode(sent["contentBase64"]) == stored


@pytest.mark.parametrize(("delta", "status"), [(-1, 202), (0, 202), (1, 413)])
async def test_body_at_the_limit_is_read_whole_and_one_byte_more_is_413(
    deps: IntakeDeps, client: Any, portal_env: dict[str, str], delta: int, status: int
) -> None:
    body = with_attachment(3 * 1024 * 1024, pad_to=deps.max_body_bytes + delta)

    resp = await post_raw(client, body, portal_env)

    assert status == resp.status
    assert (1 if status == 202 else 0) == len(deps.producer.messages)  # type: ignore[attr-defined]


async def test_empty_body_is_malformed_json_not_an_error(
    client: Any, portal_env: dict[str, str]
) -> None:
    await problem(await post_raw(client, b"", portal_env), 400, "malformed_json")


async def test_large_invoice_is_stored_byte_for_byte(
    deps: IntakeDeps, client: Any, portal_env: dict[str, str]
) -> None:
    # 5 MB of whitespace after the root element: the same document, a body of real size
    body = INVOICE.read_bytes() + b"\n" * (5 * 1024 * 1024)

    resp = await post_raw(client, body, portal_env, xml=True)

    assert 202 == resp.status, await resp.text()
    assert body == deps.blobs.get(f"blob:sha256:{hashlib.sha256(body).hexdigest()}")


# --- structural limits ----------------------------------------------------------------------


def nested(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = {"a": value}
    return value


@pytest.mark.parametrize(
    ("change", "status", "kind", "pointer"),
    [
        (
            lambda r: r["formData"].update(deep=nested(40)),
            422,
            "limit_json_depth",
            "/formData/deep",
        ),
        (
            lambda r: r["formData"].update(text="x" * 100_001),
            422,
            "limit_string_length",
            "/formData/text",
        ),
        (
            lambda r: r["formData"].update(rows=list(range(10_001))),
            422,
            "limit_form_data_values",
            "/formData",
        ),
        (
            lambda r: r["formData"].update(blob=["y" * 90_000] * 12),
            422,
            "limit_form_data_size",
            "/formData",
        ),
        (lambda r: r.update(attachments=[{}] * 101), 422, "limit_attachments", "/attachments"),
    ],
    ids=["depth", "string", "values", "form-size", "attachments"],
)
async def test_submission_over_a_structural_limit_is_refused_and_nothing_stored(
    deps: IntakeDeps,
    client: Any,
    portal_env: dict[str, str],
    change: Any,
    status: int,
    kind: str,
    pointer: str,
) -> None:
    raw = load_example(STEM)
    change(raw)

    doc = await problem(await post_raw(client, body_of(raw), portal_env), status, kind)

    assert doc["errors"][0]["pointer"].startswith(pointer)
    assert [] == deps.producer.messages  # type: ignore[attr-defined]
    assert isinstance(deps.blobs, LocalBlobStore) and 0 == deps.blobs.count()


async def test_json_nested_a_thousand_levels_is_a_problem_not_a_crash(
    client: Any, portal_env: dict[str, str]
) -> None:
    body = b'{"a":' * 1000 + b"1" + b"}" * 1000
    deeper = b"[" * 100_000 + b"]" * 100_000

    first = await post_raw(client, body, portal_env)
    second = await post_raw(client, deeper, portal_env)

    # deeper than the parser goes: 400 before any limit is checked; never a 500
    assert "nested too deeply to parse" == (await problem(first, 400, "malformed_json"))["detail"]
    await problem(second, 400, "malformed_json")


@pytest.mark.parametrize(
    ("document", "kind"),
    [
        (
            b"<a>" * (limits.MAX_XML_DEPTH + 1) + b"</a>" * (limits.MAX_XML_DEPTH + 1),
            "xml_too_deep",
        ),
        (b"<r>" + b"<e/>" * (limits.MAX_XML_ELEMENTS + 1) + b"</r>", "xml_too_large"),
        (b'<!DOCTYPE r [<!ENTITY e "x">]><r>&e;</r>', "forbidden_xml"),
    ],
    ids=["depth", "elements", "entity"],
)
async def test_invoice_xml_bombs_are_refused(
    client: Any, portal_env: dict[str, str], document: bytes, kind: str
) -> None:
    await problem(await post_raw(client, document, portal_env, xml=True), 422, kind)


# --- private status ---------------------------------------------------------------------------


async def read(client: Any, path: str, secrets: dict[str, str], portal: str) -> Any:
    headers = signed_read_headers(portal, secrets[portal], int(time.time()), path)
    return await client.get(path, headers=headers)


async def test_status_is_read_only_by_the_submitting_portal_and_others_see_a_404(
    client: Any, portal_env: dict[str, str]
) -> None:
    raw = load_example(STEM)
    await post_raw(client, body_of(raw), portal_env)
    path = f"/v1/applications/{case_id_of(raw)}"
    unknown = "/v1/applications/00000000-0000-0000-0000-000000000000"

    own = await read(client, path, portal_env, "civento-hessen")
    other = await read(client, path, portal_env, "civento-standesamt")
    missing = await read(client, unknown, portal_env, "civento-standesamt")
    anonymous = await client.get(path)

    assert 200 == own.status
    other_doc, missing_doc = (
        await problem(other, 404, "not_found"),
        await problem(missing, 404, "not_found"),
    )
    # nothing tells "exists, not yours" from "does not exist"
    assert {k: v for k, v in other_doc.items() if k != "instance"} == {
        k: v for k, v in missing_doc.items() if k != "instance"
    }
    await problem(anonymous, 401, "unauthenticated")


async def test_status_read_signed_for_another_path_is_refused(
    client: Any, portal_env: dict[str, str]
) -> None:
    raw = load_example(STEM)
    await post_raw(client, body_of(raw), portal_env)
    path = f"/v1/applications/{case_id_of(raw)}"
    headers = signed_read_headers(
        "civento-hessen", portal_env["civento-hessen"], int(time.time()), "/v1/x"
    )

    await problem(await client.get(path, headers=headers), 401, "unauthenticated")


# --- the unexpected ---------------------------------------------------------------------------


class ExplodingReceipts:
    """A receipt store that fails in a way intake does not expect."""

    def get(self, case_id: str) -> None:
        raise RuntimeError("disk on fire: Erika Mustermann")

    def put(self, receipt: object) -> None:
        raise RuntimeError("unreachable")


async def test_unexpected_exception_is_a_generic_500_problem_with_an_error_id_in_the_log(
    tmp_path: Path, hub_config: HubConfig, portal_env: dict[str, str]
) -> None:
    deps = intake_deps(tmp_path, hub_config)
    deps.receipts = ExplodingReceipts()  # type: ignore[assignment]

    with capture_logs() as logs:
        async with intake_client(deps) as client:
            resp = await post_raw(client, body_of(load_example(STEM)), portal_env)
            doc = await problem(resp, 500, "internal_error")

    assert "disk on fire" not in json.dumps(doc) and "Mustermann" not in json.dumps(doc)
    logged = [e for e in logs if e["event"] == "intake.unexpected"]
    assert [doc["errorId"]] == [e["error_id"] for e in logged]
    assert "RuntimeError" == logged[0]["error"]
    assert "Mustermann" not in json.dumps(logs, default=str)


async def test_request_duration_is_measured_per_endpoint_and_status_class(
    deps: IntakeDeps, client: Any, portal_env: dict[str, str]
) -> None:
    await post_raw(client, body_of(load_example(STEM)), portal_env)
    await client.get("/v1/applications/x")

    registry = deps.metrics.registry
    count = "hub_intake_request_duration_seconds_count"
    assert 1.0 == registry.get_sample_value(
        count, {"endpoint": "applications", "status_class": "2xx"}
    )
    assert 1.0 == registry.get_sample_value(count, {"endpoint": "status", "status_class": "4xx"})


async def test_broker_failure_still_answers_problem(
    tmp_path: Path, hub_config: HubConfig, portal_env: dict[str, str]
) -> None:
    async with intake_client(intake_deps(tmp_path, hub_config, FakeProducer(fail=True))) as client:
        await problem(
            await post_raw(client, body_of(load_example(STEM)), portal_env),
            503,
            "broker_unavailable",
        )


async def test_a_huge_array_is_refused_by_the_value_count_before_it_is_walked(
    deps: IntakeDeps, client: Any, portal_env: dict[str, str]
) -> None:
    raw = load_example(STEM)
    raw["formData"]["rows"] = [0] * 2_000_000  # 4 MB of body, two million values

    doc = await problem(await post_raw(client, body_of(raw), portal_env), 422, "limit_json_values")

    assert doc["errors"][0]["pointer"].startswith("/formData")


async def test_a_lone_surrogate_is_malformed_json_not_a_crash(
    client: Any, portal_env: dict[str, str]
) -> None:
    body = body_of(load_example(STEM)).replace(
        b'"formData": {', b'"formData": {"x": "\\ud800", ', 1
    )

    doc = await problem(await post_raw(client, body, portal_env), 400, "malformed_json")

    assert "surrogate" in doc["detail"]


async def test_an_absurd_timestamp_is_unauthenticated_not_a_crash(client: Any) -> None:
    headers = {
        "Content-Type": "application/json",
        "X-Hub-Portal": "civento-hessen",
        "X-Hub-Timestamp": "9" * 400,
        "X-Hub-Signature": "sha256=00",
    }

    resp = await client.post("/v1/applications", data=b"{}", headers=headers)

    await problem(resp, 401, "unauthenticated")
