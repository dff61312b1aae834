"""hub.delivery.runner: remembered states, attempts, retries until the deadline, parking."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.delivery.connector import Connector, Document, HandoverReceipt
from hub.delivery.errors import ConnectorConfigError, PermanentError, TransientError
from hub.delivery.runner import DeliveryRunner, Ended, MemoryStateStore, RetryPolicy
from hub.delivery.state import DeliveryState, DeliveryStatus
from hub.events.models import DeliveryRequested, DeliveryResult
from hub.intake.submission import Submission, decode_attachments
from hub.storage.blobs import LocalBlobStore
from tests.unit.factories import delivery_request, directory_connector, load_example, tenant

EXAMPLE = "baugenehmigung-kreis-bergstrasse"  # three attachments


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


class Harness:
    """A runner with a fake clock (advanced by every sleep) and recorded side effects."""

    def __init__(self, connector: Connector, store: LocalBlobStore, policy: RetryPolicy) -> None:
        self.now = 1_000_000.0
        self.sleeps: list[float] = []
        self.events: list[str] = []
        self.states = MemoryStateStore()
        self.runner = DeliveryRunner(
            connector,
            store,
            self.states,
            policy,
            park=lambda: self.events.append("park"),
            resume=lambda: self.events.append("resume"),
            on_attempt=lambda: self.events.append("attempt"),
            on_retry=lambda e: self.events.append(f"retry:{e.reason}"),
            sleep=self.sleep,
            clock=lambda: self.now,
        )

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


Stored = tuple[DeliveryRequested, LocalBlobStore]
POLICY = RetryPolicy(base_seconds=1.0, max_seconds=8.0, deadline_seconds=60.0)
OK = HandoverReceipt("IMPORT-1")


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


async def run(
    connector: Connector,
    stored: tuple[DeliveryRequested, LocalBlobStore],
    policy: RetryPolicy = POLICY,
) -> tuple[Ended, Harness]:
    request, store = stored
    harness = Harness(connector, store, policy)
    return await harness.runner.run(request), harness


async def test_success_at_first_attempt_is_delivered_and_remembered(stored: Stored) -> None:
    connector = ScriptedConnector([OK])

    ended, h = await run(connector, stored)

    request = stored[0]
    assert (DeliveryResult.delivered, "IMPORT-1", 1) == (
        ended.outcome.outcome,
        ended.outcome.receipt,
        ended.outcome.attempts,
    )
    assert (request.delivery_id, request.connector, request.envelope.case_id) == (
        ended.outcome.delivery_id,
        ended.outcome.connector,
        ended.outcome.envelope.case_id,
    )
    state = h.states.get(request.delivery_id)
    assert state is not None
    assert DeliveryStatus.delivered == state.status
    assert (False, False, ["attempt"]) == (ended.dead_letter, ended.skipped, h.events)


async def test_every_attachment_reaches_render_by_hash(stored: Stored) -> None:
    connector = ScriptedConnector([OK])

    await run(connector, stored)

    request, store = stored
    assert request.application is not None
    expected = {a.sha256: store.get(a.uri) for a in request.application.attachments}
    assert [expected] == connector.rendered


async def test_transient_errors_park_once_retry_with_backoff_then_deliver(stored: Stored) -> None:
    connector = ScriptedConnector(
        [TransientError("down"), TransientError("503", reason="http_503"), OK]
    )

    ended, h = await run(connector, stored)

    assert DeliveryResult.delivered == ended.outcome.outcome
    assert 3 == ended.outcome.attempts
    assert [
        "attempt",
        "retry:unavailable",
        "park",
        "attempt",
        "retry:http_503",
        "attempt",
        "resume",
    ] == h.events
    assert 0.5 <= h.sleeps[0] <= 1.0 and 1.0 <= h.sleeps[1] <= 2.0


async def test_transient_errors_until_the_deadline_give_up_and_dead_letter(stored: Stored) -> None:
    connector = ScriptedConnector([TransientError("still down", reason="http_503")])

    ended, h = await run(connector, stored)

    state = ended.state
    assert (DeliveryResult.gave_up, DeliveryStatus.gave_up, True) == (
        ended.outcome.outcome,
        state.status,
        ended.dead_letter,
    )
    assert state.last_error_at is not None and state.first_error_at is not None
    assert state.last_error_at - state.first_error_at >= POLICY.deadline_seconds
    assert ("still down", "http_503") == (state.first_error, state.reason)
    assert all(d <= POLICY.max_seconds for d in h.sleeps)
    assert 1 == h.events.count("park") == h.events.count("resume")
    assert ended.outcome.media_break


async def test_deadline_counts_from_the_first_error_even_across_restarts(stored: Stored) -> None:
    request, store = stored
    connector = ScriptedConnector([TransientError("down")])
    harness = Harness(connector, store, POLICY)
    harness.states.put(
        request.delivery_id,
        DeliveryState(
            status=DeliveryStatus.retrying,
            attempts=40,
            first_error_at=harness.now - 61,
            first_error="down",
        ),
    )

    ended = await harness.runner.run(request)

    assert (DeliveryStatus.gave_up, 41, []) == (
        ended.state.status,
        ended.state.attempts,
        harness.sleeps,
    )


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (PermanentError("content refused", reason="http_422"), "http_422"),
        (ConnectorConfigError("credentials refused", reason="http_401"), "http_401"),
    ],
)
async def test_permanent_and_configuration_errors_are_rejected_at_once(
    stored: Stored, error: Exception, reason: str
) -> None:
    connector = ScriptedConnector([error])

    ended, h = await run(connector, stored)

    assert (DeliveryResult.rejected, reason, 1, True) == (
        ended.outcome.outcome,
        ended.outcome.reason,
        ended.outcome.attempts,
        ended.dead_letter,
    )
    assert ([], ["attempt"]) == (h.sleeps, h.events)


async def test_missing_blob_is_rejected_without_calling_the_connector(tmp_path: Path) -> None:
    request = delivery_request(
        load_example(EXAMPLE), "kreis-bergstrasse", connector="fake", kind="fake.scripted"
    )
    connector = ScriptedConnector([OK])

    ended, _ = await run(connector, (request, LocalBlobStore(tmp_path / "empty")))

    assert ("attachment_missing", []) == (ended.outcome.reason, connector.delivered)


async def test_a_delivery_handed_over_before_is_not_handed_over_again(stored: Stored) -> None:
    request, store = stored
    connector = ScriptedConnector([OK])
    harness = Harness(connector, store, POLICY)
    await harness.runner.run(request)

    again = await harness.runner.run(request)  # consumed twice, replayed, or re-read after restart

    assert 1 == len(connector.delivered)
    assert (True, DeliveryResult.delivered, "IMPORT-1") == (
        again.skipped,
        again.outcome.outcome,
        again.outcome.receipt,
    )


async def test_a_rejected_delivery_is_attempted_again_when_replayed(stored: Stored) -> None:
    request, store = stored
    connector = ScriptedConnector([PermanentError("refused", reason="http_422"), OK])
    harness = Harness(connector, store, POLICY)
    first = await harness.runner.run(request)

    replay = await harness.runner.run(request)

    assert (DeliveryResult.rejected, DeliveryResult.delivered) == (
        first.outcome.outcome,
        replay.outcome.outcome,
    )
    assert (False, 2) == (replay.skipped, replay.state.attempts)


async def test_manual_connector_hand_over_is_a_media_break(stored: Stored) -> None:
    ended, _ = await run(ManualConnector([OK]), stored)

    assert (DeliveryResult.delivered, True) == (ended.outcome.outcome, ended.outcome.media_break)


@given(attempt=st.integers(1, 40))
def test_retry_delay_is_within_half_and_all_of_the_capped_exponential(attempt: int) -> None:
    ceiling = min(POLICY.max_seconds, POLICY.base_seconds * 2 ** (attempt - 1))

    assert ceiling / 2 <= POLICY.delay(attempt) <= ceiling


@settings(deadline=None, max_examples=30)
@given(failures=st.integers(0, 12))
def test_any_number_of_transient_failures_then_success_hands_over_exactly_once(
    failures: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    store = LocalBlobStore(tmp_path_factory.mktemp("b"))
    raw = load_example("geburtsurkunde-viernheim")  # no attachments
    request = delivery_request(raw, "viernheim", connector="fake", kind="fake.scripted")
    script: list[BaseException | HandoverReceipt] = [
        TransientError("down") for _ in range(failures)
    ]
    script.append(OK)
    connector = ScriptedConnector(script)
    harness = Harness(connector, store, RetryPolicy(1.0, 8.0, deadline_seconds=10_000))

    async def twice() -> Ended:
        ended = await harness.runner.run(request)
        await harness.runner.run(request)
        return ended

    ended = asyncio.run(twice())  # hypothesis drives sync tests; the runner is async

    assert (DeliveryStatus.delivered, failures + 1) == (
        ended.state.status,
        len(connector.delivered),
    )
    assert harness.events.count("park") == harness.events.count("resume") == (1 if failures else 0)
