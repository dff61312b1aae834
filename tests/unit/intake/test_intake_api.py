"""hub.intake.api: the intake HTTP API against real local stores and a fake producer."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientResponse

from hub.config import HubConfig
from hub.events.models import ApplicationSubmitted
from hub.intake.api import IntakeDeps
from hub.intake.problems import MEDIA_TYPE, PROBLEM_BASE
from hub.kafka.producer import ProduceError
from hub.signing import (
    PORTAL_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    signed_read_headers,
)
from hub.storage.blobs import LocalBlobStore
from tests.unit.factories import (
    EXAMPLE_STEMS,
    EXPECTED_TENANT,
    FakeProducer,
    body_of,
    case_id_of,
    intake_client,
    intake_deps,
    load_example,
    mutated,
    signed,
)

STEM = "gewerbe-anmelden-bensheim"
POST = "/v1/applications"


async def post(
    client: Any,
    raw: dict[str, Any] | bytes,
    secrets: dict[str, str],
    *,
    portal: str | None = None,
    timestamp: int | None = None,
    **header_overrides: str,
) -> ClientResponse:
    """POST a submission signed by ``portal`` (default: the body's portal)."""
    body = raw if isinstance(raw, bytes) else body_of(raw)
    signer = portal or (
        json.loads(body)["portal"] if not isinstance(raw, bytes) else "civento-hessen"
    )
    headers = {
        **signed(body, secrets[signer], portal=signer, timestamp=timestamp),
        **header_overrides,
    }
    resp: ClientResponse = await client.post(POST, data=body, headers=headers)
    return resp


async def signed_get(
    client: Any, path: str, secrets: dict[str, str], portal: str = "civento-hessen"
) -> ClientResponse:
    """A status read signed by ``portal``."""
    headers = signed_read_headers(portal, secrets[portal], int(time.time()), path)
    resp: ClientResponse = await client.get(path, headers=headers)
    return resp


async def assert_problem(resp: ClientResponse, status: int, kind: str) -> dict[str, Any]:
    """An RFC 9457 problem document of ``kind`` with ``status``; returns it."""
    assert (status, MEDIA_TYPE) == (resp.status, resp.content_type)
    doc: dict[str, Any] = json.loads(await resp.read())
    assert (PROBLEM_BASE + kind, status) == (doc["type"], doc["status"])
    assert isinstance(doc["title"], str) and doc["title"]
    return doc


def messages(deps: IntakeDeps) -> list[tuple[str, bytes, bytes]]:
    assert isinstance(deps.producer, FakeProducer)
    return deps.producer.messages


def blob_count(deps: IntakeDeps) -> int:
    assert isinstance(deps.blobs, LocalBlobStore)
    return deps.blobs.count()


@pytest.fixture
def deps(tmp_path: Path, hub_config: HubConfig) -> IntakeDeps:
    return intake_deps(tmp_path, hub_config)


@pytest.fixture
async def client(deps: IntakeDeps) -> AsyncIterator[Any]:
    async with intake_client(deps) as c:
        yield c


# --- accepted -------------------------------------------------------------------------------


@pytest.mark.parametrize("stem", EXAMPLE_STEMS)
async def test_new_submission_is_accepted_with_receipt_and_location(
    deps: IntakeDeps, client: Any, portal_env: dict[str, str], stem: str
) -> None:
    raw = load_example(stem)
    case_id = case_id_of(raw)

    resp = await post(client, raw, portal_env)

    assert 202 == resp.status
    receipt = await resp.json()
    assert {
        "applicationId": case_id,
        "status": "received",
        "tenant": EXPECTED_TENANT[stem],
        "service": raw["service"]["leikaId"],
        "statusUrl": f"/v1/applications/{case_id}",
    } == {k: v for k, v in receipt.items() if k != "receivedAt"}
    assert f"/v1/applications/{case_id}" == resp.headers["Location"]
    assert deps.receipts.get(case_id) is not None


@pytest.mark.parametrize("stem", EXAMPLE_STEMS)
async def test_accepted_submission_is_produced_once_keyed_by_case_with_stored_attachments(
    deps: IntakeDeps, client: Any, portal_env: dict[str, str], stem: str
) -> None:
    raw = load_example(stem)

    await post(client, raw, portal_env)

    [(topic, key, value)] = messages(deps)
    event = deps.codec.decode(value, topic=topic)
    assert isinstance(event, ApplicationSubmitted)
    assert ("hub.applications.submitted", case_id_of(raw).encode()) == (topic, key)
    assert (case_id_of(raw), EXPECTED_TENANT[stem], raw["submissionId"]) == (
        event.envelope.case_id,
        event.envelope.tenant,
        event.application.submission_id,
    )
    assert [a["sha256"] for a in raw["attachments"]] == [
        __import__("hashlib").sha256(deps.blobs.get(a.uri)).hexdigest()
        for a in event.application.attachments
    ]


async def test_repeat_submission_gets_same_application_id_and_no_second_message(
    deps: IntakeDeps, client: Any, portal_env: dict[str, str]
) -> None:
    raw = load_example(STEM)
    first = await (await post(client, raw, portal_env)).json()

    # same content, other formatting and key order
    again = await post(
        client, json.dumps(dict(reversed(raw.items())), indent=2).encode(), portal_env
    )

    assert 200 == again.status
    assert first == await again.json()
    assert 1 == len(messages(deps))


async def test_same_submission_id_with_other_content_is_a_conflict(
    deps: IntakeDeps, client: Any, portal_env: dict[str, str]
) -> None:
    raw = load_example(STEM)
    await post(client, raw, portal_env)

    resp = await post(
        client, mutated(raw, lambda r: r["formData"]["gewerbe"].update(mitarbeiter=3)), portal_env
    )

    await assert_problem(resp, 409, "conflicting_duplicate")
    assert 1 == len(messages(deps))


async def test_concurrent_identical_submissions_produce_one_message(
    deps: IntakeDeps, client: Any, portal_env: dict[str, str]
) -> None:
    raw = load_example(STEM)

    responses = await asyncio.gather(*(post(client, raw, portal_env) for _ in range(5)))

    assert [200, 200, 200, 200, 202] == sorted(r.status for r in responses)
    assert 1 == len(messages(deps))


async def test_json_with_charset_parameter_is_accepted(
    client: Any, portal_env: dict[str, str]
) -> None:
    resp = await post(
        client,
        load_example(STEM),
        portal_env,
        **{"Content-Type": "application/json; charset=utf-8"},
    )

    assert 202 == resp.status


# --- refused ---------------------------------------------------------------------------------


def _header_cases() -> list[tuple[str, dict[str, Any]]]:
    return [
        ("wrong-signature", {SIGNATURE_HEADER: "sha256=" + "0" * 64}),
        ("stale-timestamp", {"timestamp_offset": -302}),
        ("future-timestamp", {"timestamp_offset": 302}),
        ("missing-portal", {PORTAL_HEADER: ""}),
        ("missing-timestamp", {TIMESTAMP_HEADER: ""}),
        ("missing-signature", {SIGNATURE_HEADER: ""}),
        ("unknown-portal", {PORTAL_HEADER: "civento-bayern"}),
    ]


@pytest.mark.parametrize(("case", "change"), _header_cases(), ids=[c for c, _ in _header_cases()])
async def test_unauthenticated_request_is_refused_with_401(
    deps: IntakeDeps, client: Any, portal_env: dict[str, str], case: str, change: dict[str, Any]
) -> None:
    change = dict(change)
    if "timestamp_offset" in change:  # relative to the moment of sending
        change["timestamp"] = int(time.time()) + change.pop("timestamp_offset")
    resp = await post(client, load_example(STEM), portal_env, **change)

    await assert_problem(resp, 401, "unauthenticated")
    assert ([], 0) == (messages(deps), blob_count(deps))


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"]
)
async def test_wrong_media_type_is_refused_with_415(
    client: Any, portal_env: dict[str, str], content_type: str
) -> None:
    resp = await post(client, load_example(STEM), portal_env, **{"Content-Type": content_type})

    await assert_problem(resp, 415, "unsupported_media_type")


async def test_body_over_limit_is_refused_with_413(
    tmp_path: Path, hub_config: HubConfig, portal_env: dict[str, str]
) -> None:
    deps = intake_deps(tmp_path, hub_config, max_body_bytes=1000)
    async with intake_client(deps) as client:
        resp = await post(client, load_example(STEM), portal_env)

        await assert_problem(resp, 413, "body_too_large")
    assert [] == messages(deps)


async def test_streamed_body_over_limit_is_refused_with_413(
    tmp_path: Path, hub_config: HubConfig, portal_env: dict[str, str]
) -> None:
    deps = intake_deps(tmp_path, hub_config, max_body_bytes=1000)
    body = body_of(load_example(STEM))

    async def chunks() -> AsyncIterator[bytes]:
        for i in range(0, len(body), 256):
            yield body[i : i + 256]

    async with intake_client(deps) as client:
        resp = await client.post(
            POST, data=chunks(), headers=signed(body, portal_env["civento-hessen"])
        )

        await assert_problem(resp, 413, "body_too_large")


@pytest.mark.parametrize(
    "body",
    [b'{"submissionId": ', b"\xff\xfe{}", b"{'single': 'quotes'}"],
    ids=["cut", "not-utf8", "quotes"],
)
async def test_malformed_json_is_refused_with_400(
    client: Any, portal_env: dict[str, str], body: bytes
) -> None:
    await assert_problem(await post(client, body, portal_env), 400, "malformed_json")


async def test_json_that_is_not_an_object_is_refused_with_422(
    client: Any, portal_env: dict[str, str]
) -> None:
    await assert_problem(await post(client, b"[1, 2]", portal_env), 422, "validation_failed")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda r: r["service"].update(leikaId="123"), ("/service/leikaId", "pattern")),
        (lambda r: r["applicant"].pop("givenName"), ("/applicant/givenName", "required")),
        (lambda r: r.update(comment="hi"), ("/comment", "unknown field")),
        (lambda r: r["attachments"][0].update(sha256="XYZ"), ("/attachments/0/sha256", "pattern")),
        (lambda r: r.update(submittedAt="2026-11-20T09:14:03"), ("/submittedAt", "timezone")),
    ],
    ids=["leika", "missing-name", "unknown-field", "sha256-format", "naive-time"],
)
async def test_schema_violation_is_refused_with_422_and_json_pointer(
    deps: IntakeDeps,
    client: Any,
    portal_env: dict[str, str],
    change: Any,
    expected: tuple[str, str],
) -> None:
    pointer, detail_part = expected
    resp = await post(client, mutated(load_example(STEM), change), portal_env)

    doc = await assert_problem(resp, 422, "validation_failed")
    assert [pointer] == [e["pointer"] for e in doc["errors"]]
    assert detail_part in doc["errors"][0]["detail"].lower()
    assert [] == messages(deps)


async def test_unknown_authority_is_refused_with_422(
    deps: IntakeDeps, client: Any, portal_env: dict[str, str]
) -> None:
    raw = mutated(
        load_example(STEM), lambda r: r["authority"].update(ags="06999999", ars="069999999999")
    )

    doc = await assert_problem(await post(client, raw, portal_env), 422, "unknown_authority")

    assert doc["type"].endswith("unknown_authority")
    assert ["/authority"] == [e["pointer"] for e in doc["errors"]]
    assert [] == messages(deps)


async def test_portal_not_configured_for_tenant_is_refused_with_403(
    deps: IntakeDeps, client: Any, portal_env: dict[str, str]
) -> None:
    raw = mutated(load_example(STEM), lambda r: r.update(portal="civento-standesamt"))

    await assert_problem(await post(client, raw, portal_env), 403, "tenant_not_allowed")
    assert [] == messages(deps)


async def test_body_naming_another_portal_than_the_signature_is_refused_with_403(
    deps: IntakeDeps, client: Any, portal_env: dict[str, str]
) -> None:
    resp = await post(client, load_example(STEM), portal_env, portal="civento-standesamt")

    await assert_problem(resp, 403, "portal_mismatch")
    assert [] == messages(deps)


async def test_wrong_attachment_hash_is_refused_with_422_and_nothing_stored(
    deps: IntakeDeps, client: Any, portal_env: dict[str, str]
) -> None:
    raw = mutated(
        load_example("baugenehmigung-kreis-bergstrasse"),
        lambda r: r["attachments"][1].update(sha256="0" * 64),
    )

    doc = await assert_problem(await post(client, raw, portal_env), 422, "attachment_mismatch")

    assert ["/attachments/1/sha256"] == [e["pointer"] for e in doc["errors"]]
    assert (0, [], None) == (blob_count(deps), messages(deps), deps.receipts.get(case_id_of(raw)))


async def test_broker_failure_answers_503_and_creates_no_case(
    tmp_path: Path, hub_config: HubConfig, portal_env: dict[str, str]
) -> None:
    deps = intake_deps(tmp_path, hub_config, FakeProducer(fail=True))
    raw = load_example("baugenehmigung-kreis-bergstrasse")

    async with intake_client(deps) as client:
        resp = await post(client, raw, portal_env)
        await assert_problem(resp, 503, "broker_unavailable")
        status = await signed_get(client, f"/v1/applications/{case_id_of(raw)}", portal_env)

    assert "30" == resp.headers["Retry-After"]
    assert (None, 404) == (deps.receipts.get(case_id_of(raw)), status.status)
    # the blob store is shared by content: what was written stays for the portal's retry
    assert 3 == len(raw["attachments"])  # three attachments with the same bytes: one blob
    assert 1 == blob_count(deps)


async def test_broker_failure_keeps_blobs_that_existed_before(
    tmp_path: Path, hub_config: HubConfig, portal_env: dict[str, str]
) -> None:
    producer = FakeProducer()
    deps = intake_deps(tmp_path, hub_config, producer)
    async with intake_client(deps) as client:
        await post(client, load_example("baugenehmigung-kreis-bergstrasse"), portal_env)
        producer.fail = True

        resp = await post(client, load_example(STEM), portal_env)  # same attachment bytes

    assert 503 == resp.status
    assert 1 == blob_count(deps)


async def test_retry_after_broker_failure_is_accepted(
    tmp_path: Path, hub_config: HubConfig, portal_env: dict[str, str]
) -> None:
    producer = FakeProducer(fail=True)
    deps = intake_deps(tmp_path, hub_config, producer)
    async with intake_client(deps) as client:
        first = await post(client, load_example(STEM), portal_env)
        producer.fail = False
        second = await post(client, load_example(STEM), portal_env)

    assert (503, 202) == (first.status, second.status)
    assert (1, 1) == (len(producer.messages), blob_count(deps))


class GatedProducer(FakeProducer):
    """Send number n (from 1) waits for ``gates[n]`` if there is one, then fails if n is failing."""

    def __init__(self, gated: int, failing: set[int]) -> None:
        super().__init__()
        self.gates = {n: asyncio.Event() for n in range(1, gated + 1)}
        self.failing = failing
        self.calls = 0

    async def send(self, topic: str, key: bytes, value: bytes) -> None:
        self.calls += 1
        n = self.calls
        if n in self.gates:
            await self.gates[n].wait()
        if n in self.failing:
            raise ProduceError("broker did not acknowledge in time")
        self.messages.append((topic, key, value))


async def _until(condition: Callable[[], bool]) -> None:
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not reached")


async def test_failed_request_does_not_delete_a_blob_another_accepted_case_uses(
    tmp_path: Path, hub_config: HubConfig, portal_env: dict[str, str]
) -> None:
    """A failing request must not remove a blob that a concurrent request for another case
    referenced meanwhile (regression: rollback used to delete what it had created)."""
    producer = GatedProducer(gated=2, failing={1})
    deps = intake_deps(tmp_path, hub_config, producer)
    # two cases whose attachments have the same bytes
    failing, accepted = load_example("baugenehmigung-kreis-bergstrasse"), load_example(STEM)
    async with intake_client(deps) as client:
        first = asyncio.ensure_future(post(client, failing, portal_env))
        await _until(lambda: producer.calls == 1)  # blob created, first send waiting
        second = asyncio.ensure_future(post(client, accepted, portal_env))
        await _until(lambda: producer.calls == 2)  # blob reused, second send waiting
        for gate in producer.gates.values():
            gate.set()
        statuses = ((await first).status, (await second).status)

    [(_, _, value)] = producer.messages
    event = deps.codec.decode(value, topic="")
    assert isinstance(event, ApplicationSubmitted)
    assert (503, 202) == statuses
    # the accepted case's attachment must still be there for its connectors
    assert 1 == blob_count(deps)


async def test_repeats_racing_a_failed_attempt_produce_one_message(
    tmp_path: Path, hub_config: HubConfig, portal_env: dict[str, str]
) -> None:
    """The per-case lock outlives the failed request while others still wait on it, so a
    repeat arriving meanwhile does not run in parallel with the one holding the lock."""
    producer = GatedProducer(gated=2, failing={1})
    deps = intake_deps(tmp_path, hub_config, producer)
    raw = load_example(STEM)
    async with intake_client(deps) as client:
        first = asyncio.ensure_future(post(client, raw, portal_env))
        await _until(lambda: producer.calls == 1)
        waiting = asyncio.ensure_future(post(client, raw, portal_env))  # queues on the case lock
        await asyncio.sleep(0.1)
        producer.gates[1].set()
        assert 503 == (await first).status
        await _until(lambda: producer.calls == 2)  # the queued repeat now sends, held at gate 2
        late = asyncio.ensure_future(post(client, raw, portal_env))
        await asyncio.sleep(0.1)  # without the lock it would send now (call 3)
        producer.gates[2].set()
        statuses = sorted([(await waiting).status, (await late).status])

    assert [200, 202] == statuses
    assert 1 == len(producer.messages)


# --- problem documents and reads ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "status", "kind"),
    [
        ("GET", "/v1/applications/00000000-0000-0000-0000-000000000000", 401, "unauthenticated"),
        ("GET", "/v1/applications/..%2F..%2Fetc%2Fpasswd", 401, "unauthenticated"),
        ("GET", "/v1/applications/not-a-uuid", 401, "unauthenticated"),
        ("GET", "/v1/nothing-here", 404, "not_found"),
        ("DELETE", POST, 405, "method_not_allowed"),
    ],
    ids=["unknown-id", "traversal", "not-uuid", "unknown-path", "wrong-method"],
)
async def test_every_error_is_a_problem_document(
    client: Any, method: str, path: str, status: int, kind: str
) -> None:
    await assert_problem(await client.request(method, path), status, kind)


async def test_known_application_reads_as_received_when_tracker_is_unreachable(
    client: Any, portal_env: dict[str, str]
) -> None:
    raw = load_example(STEM)
    receipt = await (await post(client, raw, portal_env)).json()

    resp = await signed_get(client, receipt["statusUrl"], portal_env)

    assert 200 == resp.status
    doc = await resp.json()
    assert (
        receipt["applicationId"],
        "received",
        "unavailable",
        "bensheim",
        receipt["receivedAt"],
    ) == (doc["applicationId"], doc["status"], doc["tracking"], doc["tenant"], doc["receivedAt"])


async def test_metrics_count_accepted_once_and_refusals_by_kind(
    deps: IntakeDeps, client: Any, portal_env: dict[str, str]
) -> None:
    raw = load_example(STEM)
    await post(client, raw, portal_env)
    await post(client, raw, portal_env)
    await post(client, raw, portal_env, timestamp=0)

    registry = deps.metrics.registry
    assert 1.0 == registry.get_sample_value(
        "hub_cases_received_total",
        {"kind": "application", "tenant": "bensheim", "service": "99050012104000"},
    )
    assert 1.0 == registry.get_sample_value(
        "hub_intake_rejected_total", {"reason": "unauthenticated"}
    )
    text = await (await client.get("/metrics")).text()
    labels = 'kind="application",service="99050012104000",tenant="bensheim"'
    assert f"hub_cases_received_total{{{labels}}} 1.0" in text


@pytest.mark.parametrize(("fail", "status"), [(False, 200), (True, 503)])
async def test_readiness_follows_broker_reachability(
    tmp_path: Path, hub_config: HubConfig, fail: bool, status: int
) -> None:
    async with intake_client(intake_deps(tmp_path, hub_config, FakeProducer(fail=fail))) as client:
        ready = await client.get("/readyz")
        alive = await client.get("/healthz")

    assert (status, 200) == (ready.status, alive.status)
