"""hub.delivery.handover.hand_over: render, deliver, classify, retry; never raises."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import pytest
from factories import delivery_request, directory_connector, load_example, tenant
from hypothesis import given
from hypothesis import strategies as st

from hub.delivery.connector import Connector, Document, HandoverReceipt
from hub.delivery.errors import ConnectorConfigError, PermanentError, TransientError
from hub.delivery.handover import RetryPolicy, hand_over
from hub.events.models import DeliveryOutcome, DeliveryRequested, DeliveryResult
from hub.intake.blobstore import LocalBlobStore
from hub.intake.submission import Submission, decode_attachments

EXAMPLE = "baugenehmigung-kreis-bergstrasse"  # three attachments
POLICY = RetryPolicy(attempts=3, base_seconds=0.5, max_seconds=30.0)


class ScriptedConnector(Connector):
    """Delivers according to a script: each step an exception to raise or a receipt to return."""

    kind = "fake.scripted"

    def __init__(self, script: list[BaseException | HandoverReceipt]) -> None:
        t = tenant("bensheim", connectors={"fake": "fake.scripted"}, routes=[])
        super().__init__(t, "fake", directory_connector("fake.scripted"))
        self.script = list(script)
        self.rendered: list[Mapping[str, bytes]] = []
        self.delivered: list[str] = []

    def render(self, request: DeliveryRequested, attachments: Mapping[str, bytes]) -> Document:
        self.rendered.append(attachments)
        return Document("case.zip", b"PK", "application/zip")

    def deliver(self, document: Document, delivery_id: str) -> HandoverReceipt:
        self.delivered.append(delivery_id)
        step = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        if isinstance(step, BaseException):
            raise step
        return step


class ManualConnector(ScriptedConnector):
    kind = "manual.mailbox"
    media_break: ClassVar[bool] = True


class Recorder:
    """No-op async sleep and on_retry callback that remember their calls."""

    def __init__(self) -> None:
        self.sleeps: list[float] = []
        self.retries: list[TransientError] = []

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    def on_retry(self, exc: TransientError) -> None:
        self.retries.append(exc)


@pytest.fixture
def stored(tmp_path: Path) -> tuple[DeliveryRequested, LocalBlobStore]:
    """A delivery request whose attachments are in a real blob store."""
    raw = load_example(EXAMPLE)
    store = LocalBlobStore(tmp_path / "blobs")
    sub = Submission.model_validate(raw)
    blobs, _ = decode_attachments(sub)
    for att, data in zip(sub.attachments, blobs, strict=True):
        store.put(att.sha256, data)
    return delivery_request(raw, "kreis-bergstrasse", connector="fake", kind="fake.scripted"), store


async def _run(
    connector: Connector,
    stored: tuple[DeliveryRequested, LocalBlobStore],
    rec: Recorder,
    policy: RetryPolicy = POLICY,
) -> DeliveryOutcome:
    request, store = stored
    return await hand_over(
        connector, request, store, policy, on_retry=rec.on_retry, sleep=rec.sleep
    )


async def test_success_is_delivered_with_receipt_at_first_attempt(stored: Any) -> None:
    connector = ScriptedConnector([HandoverReceipt("case.zip")])
    rec = Recorder()

    outcome = await _run(connector, stored, rec)

    assert (DeliveryResult.delivered, "case.zip", None, 1, False) == (
        outcome.outcome,
        outcome.receipt,
        outcome.reason,
        outcome.attempts,
        outcome.media_break,
    )
    assert [] == rec.retries


async def test_outcome_identifies_the_delivery_and_follows_the_request_envelope(
    stored: Any,
) -> None:
    request, _ = stored

    outcome = await _run(ScriptedConnector([HandoverReceipt("case.zip")]), stored, Recorder())

    assert (request.delivery_id, "fake", "fake.scripted") == (
        outcome.delivery_id,
        outcome.connector,
        outcome.connector_kind,
    )
    assert (request.envelope.case_id, request.envelope.correlation_id, request.envelope.tenant) == (
        outcome.envelope.case_id,
        outcome.envelope.correlation_id,
        outcome.envelope.tenant,
    )
    assert request.envelope.event_id != outcome.envelope.event_id


async def test_connector_receives_every_attachment_by_hash(stored: Any) -> None:
    request, store = stored
    connector = ScriptedConnector([HandoverReceipt("case.zip")])

    await _run(connector, stored, Recorder())

    expected = {a.sha256: store.get(a.uri) for a in request.application.attachments}
    assert [expected] == connector.rendered


@pytest.mark.parametrize("attempts", [1, 3, 5])
async def test_transient_errors_are_retried_up_to_policy_then_given_up(
    stored: Any, attempts: int
) -> None:
    connector = ScriptedConnector([TransientError("DMS share offline")])
    rec = Recorder()

    outcome = await _run(connector, stored, rec, RetryPolicy(attempts=attempts))

    assert (DeliveryResult.gave_up, "unavailable", attempts, True) == (
        outcome.outcome,
        outcome.reason,
        outcome.attempts,
        outcome.media_break,
    )
    assert attempts == len(connector.delivered)
    assert attempts - 1 == len(rec.retries) == len(rec.sleeps)


async def test_transient_errors_then_success_is_delivered_after_retries(stored: Any) -> None:
    busy = TransientError("busy", reason="throttled")
    connector = ScriptedConnector([busy, busy, HandoverReceipt("case.zip", duplicate=True)])
    rec = Recorder()

    outcome = await _run(connector, stored, rec)

    assert (DeliveryResult.delivered, "case.zip", 3, False) == (
        outcome.outcome,
        outcome.receipt,
        outcome.attempts,
        outcome.media_break,
    )
    assert [busy, busy] == rec.retries


async def test_backoff_waits_stay_within_policy_bounds(stored: Any) -> None:
    rec = Recorder()

    await _run(
        ScriptedConnector([TransientError("x")]),
        stored,
        rec,
        RetryPolicy(attempts=4, base_seconds=1.0),
    )

    assert 3 == len(rec.sleeps)
    assert all(0 <= s <= limit for s, limit in zip(rec.sleeps, [1.0, 2.0, 4.0], strict=True))


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (PermanentError("DMS refused the package"), "rejected"),
        (PermanentError("no such Aktenplan entry", reason="mapping"), "mapping"),
        (ConnectorConfigError("import directory not configured"), "configuration"),
    ],
    ids=["permanent", "permanent-with-reason", "config"],
)
async def test_permanent_error_is_rejected_at_once_with_its_reason(
    stored: Any, error: Exception, reason: str
) -> None:
    connector = ScriptedConnector([error])
    rec = Recorder()

    outcome = await _run(connector, stored, rec)

    assert (DeliveryResult.rejected, reason, 1, True, None) == (
        outcome.outcome,
        outcome.reason,
        outcome.attempts,
        outcome.media_break,
        outcome.receipt,
    )
    assert ([], []) == (rec.retries, rec.sleeps)


async def test_missing_attachment_blob_is_rejected_without_calling_the_connector(
    stored: Any,
) -> None:
    request, store = stored
    store.delete(request.application.attachments[0].uri)
    connector = ScriptedConnector([HandoverReceipt("case.zip")])

    outcome = await _run(connector, stored, Recorder())

    assert (DeliveryResult.rejected, "attachment_missing", 1) == (
        outcome.outcome,
        outcome.reason,
        outcome.attempts,
    )
    assert ([], []) == (connector.rendered, connector.delivered)


async def test_manual_connector_delivery_is_a_media_break(stored: Any) -> None:
    outcome = await _run(ManualConnector([HandoverReceipt("mailbox-17")]), stored, Recorder())

    assert (DeliveryResult.delivered, True, "mailbox-17") == (
        outcome.outcome,
        outcome.media_break,
        outcome.receipt,
    )


async def test_request_without_application_is_rendered_with_no_attachments(stored: Any) -> None:
    request, store = stored
    connector = ScriptedConnector([HandoverReceipt("case.zip")])

    outcome = await hand_over(
        connector,
        request.model_copy(update={"application": None}),
        store,
        POLICY,
        sleep=Recorder().sleep,
    )

    assert DeliveryResult.delivered == outcome.outcome
    assert [{}] == connector.rendered


@given(
    attempt=st.integers(min_value=1, max_value=40),
    base=st.floats(min_value=0.001, max_value=10),
    cap=st.floats(min_value=0.001, max_value=60),
)
def test_retry_delay_is_between_zero_and_capped_exponential(
    attempt: int, base: float, cap: float
) -> None:
    policy = RetryPolicy(attempts=3, base_seconds=base, max_seconds=cap)

    delay = policy.delay(attempt)

    assert 0 <= delay <= min(cap, base * 2 ** (attempt - 1))
