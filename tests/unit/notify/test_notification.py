"""hub.notify.notification: what a status callback says, and that it is signed as documented."""

from __future__ import annotations

import hashlib
import hmac
import json

from hub.events.models import BackOfficeReference, CaseStatus, CaseStatusChanged, Envelope
from hub.notify.notification import NOTIFICATION_HEADER, notification_for


def changed(sequence: int, status: CaseStatus = CaseStatus.completed) -> CaseStatusChanged:
    return CaseStatusChanged(
        envelope=Envelope(case_id="case-1", tenant="bensheim", correlation_id="case-1"),
        status=status,
        previous=CaseStatus.delivered,
        service="99050012104000",
        portal="civento-hessen",
        sequence=sequence,
        references=(BackOfficeReference(connector="gewerbe", reference="GEW-2026-000123"),),
    )


def test_notification_carries_status_sequence_and_references_and_nothing_personal() -> None:
    doc = json.loads(notification_for(changed(4)).body)

    assert ("case-1", "completed", 4, True, False) == (
        doc["caseId"], doc["status"], doc["sequence"], doc["final"], doc["mediaBreak"],
    )  # fmt: skip
    assert [{"connector": "gewerbe", "reference": "GEW-2026-000123"}] == doc["references"]
    assert "/v1/applications/case-1" == doc["statusUrl"]
    assert {"notificationId", "caseId", "kind", "status", "previous", "sequence", "final",
            "mediaBreak", "reasons", "references", "occurredAt", "statusUrl"} == set(doc)  # fmt: skip


def test_the_same_change_has_the_same_id_and_another_change_another() -> None:
    assert (
        notification_for(changed(4)).notification_id == notification_for(changed(4)).notification_id
    )
    assert (
        notification_for(changed(4)).notification_id != notification_for(changed(5)).notification_id
    )


def test_headers_sign_timestamp_and_raw_body_with_the_portal_secret() -> None:
    notification = notification_for(changed(2, CaseStatus.routed))

    headers = notification.headers("s3cret", timestamp=1_795_257_883)

    mac = hmac.new(b"s3cret", b"1795257883." + notification.body, hashlib.sha256).hexdigest()
    assert f"sha256={mac}" == headers["X-Hub-Signature"]
    assert notification.notification_id == headers[NOTIFICATION_HEADER]
    assert json.loads(notification.body)["mediaBreak"] is None  # not final yet
