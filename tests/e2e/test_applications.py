"""End to end on the real broker: portal -> intake -> router -> DMS inbox -> tracker."""

from __future__ import annotations

import base64
import hashlib
import json
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from defusedxml import ElementTree

from hub.events.codec import SingleObjectCodec
from hub.events.models import ApplicationSubmitted
from hub.ids import application_id, delivery_id
from hub.kafka.reader import read_topic
from hub.runtime.local import LocalHub, free_port
from hub.signing import signed_headers
from tests.conftest import sample_files
from tests.e2e.conftest import HubDriver

pytestmark = [pytest.mark.kafka, pytest.mark.e2e]

NS = {"x": "urn:xoev-de:xdomea:schema:3.1.0"}
# where each example must land, per the shipped configuration (config/tenants/*.yaml)
EXPECTED_TARGETS = {
    "baugenehmigung-kreis-bergstrasse": ("kreis-bergstrasse", ["bauaufsicht", "dms"]),
    "ehrenamtskarte-mrn": ("mrn", ["ehrenamt"]),
    "geburtsurkunde-viernheim": ("viernheim", ["standesamt"]),
    "gewerbe-anmelden-bensheim": ("bensheim", ["gewerbe", "dms"]),
    "hundesteuer-anmelden-viernheim": ("viernheim", ["steuer", "dms"]),
}
# procedure connectors post to stand-in back offices (tests/e2e/test_procedures.py looks there)
PROCEDURES = {("bensheim", "gewerbe"), ("viernheim", "standesamt")}


def submitted_events(hub: HubDriver, case_id: str) -> list[ApplicationSubmitted]:
    codec = SingleObjectCodec()
    topic = f"{hub.hub.topic_prefix}.applications.submitted"
    events = [codec.decode(r.value, topic=topic) for r in read_topic(hub.hub.bootstrap, topic)]
    return [
        e for e in events if isinstance(e, ApplicationSubmitted) and e.envelope.case_id == case_id
    ]


def delivered_files(hub: HubDriver, case_id: str) -> set[tuple[str, str]]:
    """(tenant, connector) of every file any connector wrote for this case."""
    found = set()
    for tenant, connectors in hub.connectors().items():
        for connector in connectors:
            prefix = delivery_id(case_id, tenant, connector)
            if any(p.name.startswith(prefix) for p in hub.inbox(tenant, connector)):
                found.add((tenant, connector))
    return found


@pytest.mark.parametrize("stem", [p.stem for p in sample_files()])
def test_sample_reaches_exactly_its_configured_connectors_as_xdomea_zips(
    running_hub: HubDriver, stem: str
) -> None:
    body = running_hub.example(stem)
    tenant, connectors = EXPECTED_TARGETS[stem]

    posted = running_hub.post(body)

    assert 202 == posted.status, posted.body
    case_id = posted.body["applicationId"]
    assert application_id(body["portal"], body["submissionId"]) == case_id
    view = running_hub.wait_final(case_id)
    assert "completed" == view["status"]
    steps = [s["status"] for s in view["history"]]
    order = ["received", "routed", "delivered", "completed"]
    # events of one case come from several topics, so a step may be skipped, never reordered
    assert steps == sorted(steps, key=order.index)
    assert "completed" == steps[-1]
    filed = [c for c in connectors if (tenant, c) not in PROCEDURES]
    assert {(tenant, c) for c in filed} == delivered_files(running_hub, case_id)
    assert sorted(connectors) == sorted(d["connector"] for d in view["deliveries"])
    for connector in filed:
        did = delivery_id(case_id, tenant, connector)
        name = f"{did}_FVDaten.SGOAblegen.0605.zip"
        zip_path = next(p for p in running_hub.inbox(tenant, connector) if p.name == name)
        with zipfile.ZipFile(zip_path) as z:
            xml = ElementTree.fromstring(z.read(f"{did}_FVDaten.SGOAblegen.0605.xml"))
            assert did == xml.findtext("x:Kopf/x:ProzessID", namespaces=NS)
            assert case_id == xml.findtext(".//x:Vorgang/x:Identifikation/x:ID", namespaces=NS)
            names = xml.findall(".//x:Primaerdokument/x:Dateiname", namespaces=NS)
            # the Antrag (clerk view and form data as JSON), then every attachment
            assert 2 + len(body["attachments"]) == len(names)
            for i, att in enumerate(body["attachments"]):
                entry = names[i + 2].text
                assert entry is not None
                assert base64.b64decode(att["contentBase64"]) == z.read(entry)
            form = json.loads(z.read(str(names[1].text)))
            assert body["formData"] == form["formData"]


def test_journey_shows_deliveries_and_no_personal_data(running_hub: HubDriver) -> None:
    body = running_hub.example("hundesteuer-anmelden-viernheim")
    case_id = running_hub.post(body).body["applicationId"]

    view = running_hub.wait_final(case_id)

    assert "viernheim" == view["tenant"]
    assert "99102013104000" == view["service"]
    assert [("dms", "dms.xdomea", "delivered"), ("steuer", "dms.xdomea", "delivered")] == [
        (d["connector"], d["kind"], d["outcome"]) for d in view["deliveries"]
    ]
    assert "hundesteuer" == view["rule"]
    assert view["mediaBreak"] is False
    text = json.dumps(view, ensure_ascii=False)
    for personal in (
        "Jürgen",
        "Weißmüller",
        "Lorscher",
        "DE02120300000000202051",
        "Bella",
        "example.org",
    ):
        assert personal not in text


def test_repeated_submission_creates_no_second_case_and_no_second_file(
    running_hub: HubDriver,
) -> None:
    body = running_hub.example("gewerbe-anmelden-bensheim")
    first = running_hub.post(body)
    case_id = first.body["applicationId"]
    running_hub.wait_final(case_id)
    files_before = running_hub.inbox("bensheim")

    again = running_hub.post(body)

    assert (202, 200) == (first.status, again.status)
    assert first.body == again.body
    time.sleep(1.0)  # give a (wrong) second event time to travel
    assert files_before == running_hub.inbox("bensheim")
    assert 1 == len(submitted_events(running_hub, case_id))


def test_same_submission_id_with_other_content_is_a_conflict(running_hub: HubDriver) -> None:
    body = running_hub.example("gewerbe-anmelden-bensheim")
    assert 202 == running_hub.post(body).status
    body["formData"]["gewerbe"]["mitarbeiter"] = 99

    conflict = running_hub.post(body)

    assert 409 == conflict.status
    assert conflict.body["type"].endswith("/conflicting_duplicate")


def _raw_post(
    hub: HubDriver, raw: bytes, headers: dict[str, str]
) -> tuple[int, dict[str, object], str]:
    client = hub.clients["civento-hessen"].http
    resp = client.post("/v1/applications", content=raw, headers=headers)
    return resp.status_code, resp.json(), resp.headers.get("content-type", "")


def _signed(
    hub: HubDriver, raw: bytes, *, ts: int | None = None, secret: str | None = None
) -> dict[str, str]:
    portal = "civento-hessen"
    key = secret or hub.hub.portal_secrets[portal]
    return {
        "Content-Type": "application/json",
        **signed_headers(portal, key, ts or int(time.time()), raw),
    }


def _bad_request(hub: HubDriver, name: str) -> tuple[bytes, dict[str, str]]:
    """A request that intake must refuse, and its headers."""
    body = hub.example("gewerbe-anmelden-bensheim")
    if name == "wrong_attachment_hash":
        other = b"%PDF-1.4 something else"
        body["attachments"][0].update(
            contentBase64=base64.b64encode(other).decode(), size=len(other)
        )
    elif name == "invalid_body":
        body["service"]["leikaId"] = "123"
    elif name == "oversized_body":
        body["formData"]["blob"] = "x" * 300_000
    elif name == "unknown_authority":
        body["authority"].update(ags="06999999", ars="069999999999")
    raw = json.dumps(body).encode()
    if name == "bad_signature":
        return raw, _signed(hub, raw, secret="not-the-secret")
    if name == "stale_timestamp":
        return raw, _signed(hub, raw, ts=int(time.time()) - 600)
    if name == "wrong_media_type":
        return raw, {**_signed(hub, raw), "Content-Type": "text/plain"}
    return raw, _signed(hub, raw)


BAD_REQUESTS = {
    "bad_signature": (401, "unauthenticated"),
    "stale_timestamp": (401, "unauthenticated"),
    "wrong_attachment_hash": (422, "attachment_mismatch"),
    "invalid_body": (422, "validation_failed"),
    "oversized_body": (413, "body_too_large"),
    "unknown_authority": (422, "unknown_authority"),
    "wrong_media_type": (415, "unsupported_media_type"),
}


@pytest.mark.parametrize("name", sorted(BAD_REQUESTS))
def test_bad_request_gets_problem_json_and_leaves_nothing_stored(
    running_hub: HubDriver, name: str
) -> None:
    status, kind = BAD_REQUESTS[name]
    raw, headers = _bad_request(running_hub, name)
    body = json.loads(raw)
    case_id = application_id(body["portal"], body["submissionId"])
    blobs_before = sorted(Path(running_hub.hub.blob_dir).rglob("*"))

    got_status, problem, content_type = _raw_post(running_hub, raw, headers)

    assert (status, "application/problem+json") == (got_status, content_type.split(";")[0])
    assert str(problem["type"]).endswith("/" + kind)
    assert status == problem["status"]
    assert blobs_before == sorted(Path(running_hub.hub.blob_dir).rglob("*"))
    assert [] == submitted_events(running_hub, case_id)
    assert 404 == running_hub.clients["civento-hessen"].status(case_id).status
    assert [] == [p for p in running_hub.inbox("bensheim") if case_id in p.name]


def test_attachment_blobs_are_content_addressed(running_hub: HubDriver) -> None:
    body = running_hub.example("baugenehmigung-kreis-bergstrasse")
    digest = body["attachments"][0]["sha256"]

    assert 202 == running_hub.post(body).status

    blob = running_hub.hub.blob_dir / "sha256" / digest[:2] / digest
    assert digest == hashlib.sha256(blob.read_bytes()).hexdigest()


def test_intake_answers_503_and_creates_no_case_when_the_broker_is_down(
    local_hub: Callable[..., LocalHub], tmp_path: Path
) -> None:
    hub = local_hub(
        "intake", bootstrap=f"127.0.0.1:{free_port()}", wait_for="healthz",
        extra_env={"HUB_PRODUCE_TIMEOUT_SECONDS": "2"}, workdir=tmp_path / "down",
    )  # fmt: skip
    driver = HubDriver(hub)
    try:
        body = driver.example("baugenehmigung-kreis-bergstrasse")
        result = driver.post(body)
        assert 503 == result.status
        assert result.body["type"].endswith("/broker_unavailable")
        assert [] == list((hub.workdir / "data" / "receipts").rglob("*.json"))
        assert (
            404
            == driver.clients["civento-hessen"].status(result.body.get("applicationId", "x")).status
        )
        assert 503 == httpx.get(f"{hub.intake_url}/readyz", timeout=10).status_code
    finally:
        driver.close()


def test_one_process_exposes_its_metrics_once_with_bounded_labels(running_hub: HubDriver) -> None:
    case_id = running_hub.post(running_hub.example("geburtsurkunde-viernheim")).body[
        "applicationId"
    ]
    running_hub.wait_final(case_id)

    stages = httpx.get(f"{running_hub.hub.web_url}/metrics", timeout=5)
    intake = httpx.get(f"{running_hub.hub.intake_url}/metrics", timeout=5)

    # `hub run` serves one registry on the web port only: scraping both ports never double-counts
    assert (200, 404) == (stages.status_code, intake.status_code)
    assert stages.headers["content-type"].startswith("text/plain")
    assert "hub_intake_request_duration_seconds_count" in stages.text
    for text in (stages.text,):
        assert (
            'hub_cases_completed_total{media_break="false",reason="none",service="99027002012000",tenant="viernheim"}'
            in text
        )
        assert case_id not in text  # never an id as a label
    assert "hub_case_completion_seconds_bucket" in stages.text
