"""The SDK's public surface is explicit, and its conformance kit catches broken connectors."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar

import pytest
import structlog
from pydantic import BaseModel, ConfigDict

import hub.sdk
from hub.config.tenants import HttpTransport
from hub.delivery.connector import Connector
from hub.delivery.documents import Document, HandoverReceipt
from hub.delivery.errors import ConnectorConfigError
from hub.delivery.transports import HttpPost
from hub.events.models import DeliveryRequested
from hub.sdk.testing import ConnectorConformance, FakeBackOffice, load_samples

EXPORTED = {
    "IDEMPOTENCY_HEADER",
    "Application",
    "AttachmentRef",
    "CaseType",
    "Connector",
    "ConnectorConfig",
    "ConnectorConfigError",
    "DeliveryError",
    "DeliveryRequested",
    "DirectoryDrop",
    "DirectoryTransport",
    "Document",
    "HandoverReceipt",
    "HttpPost",
    "HttpTransport",
    "Invoice",
    "NoOptions",
    "PermanentError",
    "Tenant",
    "TransientError",
    "Transport",
    "attachment_entries",
    "drop_file",
    "form_document",
    "form_payload",
    "invoice_filename",
    "safe_name",
}


def test_public_surface_is_exactly_what_all_lists() -> None:
    assert EXPORTED == set(hub.sdk.__all__)
    for name in hub.sdk.__all__:
        assert getattr(hub.sdk, name) is not None


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Good(Connector):
    kind = "test.good"
    Settings: ClassVar[type[BaseModel]] = Strict

    def check_transport(self) -> None:
        if not isinstance(self.config.transport, HttpTransport):
            raise ConnectorConfigError("needs http", field="transport.type")

    def render(self, request: DeliveryRequested, attachments: Mapping[str, bytes]) -> Document:
        return Document(f"{request.delivery_id}.txt", request.delivery_id.encode(), "text/plain")


class RandomRender(Good):
    def render(self, request: DeliveryRequested, attachments: Mapping[str, bytes]) -> Document:
        return Document(f"{request.delivery_id}.txt", uuid.uuid4().bytes, "text/plain")


class LogsApplicant(Good):
    def render(self, request: DeliveryRequested, attachments: Mapping[str, bytes]) -> Document:
        if request.application:
            structlog.get_logger().info("rendering", who=request.application.applicant.family_name)
        return super().render(request, attachments)


class SwallowsErrors(Good):
    def deliver(self, document: Document, delivery_id: str) -> HandoverReceipt:
        try:
            return super().deliver(document, delivery_id)
        except Exception:  # the defect under test
            return HandoverReceipt("pretend")


class IgnoresDeliveryId(Good):
    def deliver(self, document: Document, delivery_id: str) -> HandoverReceipt:
        return super().deliver(document, str(uuid.uuid4()))


def kit_for(connector_class: type[Connector]) -> ConnectorConformance:
    """The kit, pointed at a class that is not registered as an entry point."""

    class Kit(ConnectorConformance):
        kind = "test.good"

    Kit.connector_class = classmethod(lambda _cls: connector_class)  # type: ignore[assignment,method-assign]
    return Kit()


def _connector(kit: ConnectorConformance, tmp_path: Path, office: FakeBackOffice) -> Connector:
    return kit.build(
        {"type": "http", "url": "http://back-office.test/import"},
        override=HttpPost("http://back-office.test/import", client=office.client()),
    )


def test_the_kit_passes_a_good_connector(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    kit, office = kit_for(Good), FakeBackOffice()
    samples = load_samples("test.good")
    connector = _connector(kit, tmp_path, office)

    kit.test_renders_every_sample_it_handles_the_same_way_twice(connector, samples)
    kit.test_delivering_every_sample_twice_imports_each_once(connector, samples, office, tmp_path)
    kit.test_transport_failures_are_classified(samples, tmp_path)
    kit.test_writes_no_personal_data_to_logs(connector, samples, caplog, capsys)
    kit.test_settings_refuse_invalid_and_unknown_options()


@pytest.mark.parametrize(
    ("broken", "check"),
    [
        (RandomRender, "test_renders_every_sample_it_handles_the_same_way_twice"),
        (LogsApplicant, "test_writes_no_personal_data_to_logs"),
        (SwallowsErrors, "test_transport_failures_are_classified"),
        (IgnoresDeliveryId, "test_delivering_every_sample_twice_imports_each_once"),
    ],
)
def test_the_kit_catches_a_broken_connector(
    broken: type[Connector],
    check: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    kit, office = kit_for(broken), FakeBackOffice()
    samples = [s for s in load_samples("test.good") if s.request.application is not None]
    connector = _connector(kit, tmp_path, office)
    arguments = {
        "test_renders_every_sample_it_handles_the_same_way_twice": (connector, samples),
        "test_writes_no_personal_data_to_logs": (connector, samples, caplog, capsys),
        "test_transport_failures_are_classified": (samples, tmp_path),
        "test_delivering_every_sample_twice_imports_each_once": (
            connector,
            samples,
            office,
            tmp_path,
        ),
    }

    with pytest.raises((AssertionError, pytest.fail.Exception)):
        getattr(kit, check)(*arguments[check])
