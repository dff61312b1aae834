"""The connector conformance kit: the checks every connector kind must pass.

Subclass :class:`ConnectorConformance` in a test module of your connector and
set ``kind``; pytest collects the checks::

    from hub.sdk.testing import ConnectorConformance

    class TestMyDms(ConnectorConformance):
        kind = "dms.mydms"
        options = {"archive": "Bauamt"}            # a valid ``options`` block
        invalid_options = [{"archive": ""}]         # option sets that must be refused

What it checks, against an in-process fake back office (a directory, or an
``httpx.MockTransport`` that imports once per ``Idempotency-Key``):

* the kind is registered under the ``hub.connectors`` entry points;
* its settings accept ``options`` and refuse ``invalid_options`` and unknown keys;
* it renders every sample it handles (applications, e-invoices), the same bytes twice;
* delivering every sample twice imports each once, keyed by the delivery id;
* transport failures come out classified (transient / permanent / configuration);
* rendering and delivering write no personal data to the logs.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
import structlog

from hub.config.tenants import ConnectorConfig, Tenant
from hub.delivery.connector import Connector, connector_kinds
from hub.delivery.documents import Document
from hub.delivery.errors import ConnectorConfigError, DeliveryError, PermanentError, TransientError
from hub.delivery.transports import IDEMPOTENCY_HEADER, DirectoryDrop, HttpPost, Transport
from hub.events.models import Application, DeliveryRequested, Envelope, Invoice
from hub.ids import application_id, delivery_id, invoice_id
from hub.intake.invoice import document_sha256, parse_invoice, to_invoice
from hub.intake.submission import Submission, decode_attachments, to_application

__all__ = ["ConnectorConformance", "FakeBackOffice", "Sample", "load_samples"]

SAMPLES = resources.files("hub.sdk") / "samples"
BACK_OFFICE_URL = "http://back-office.test/import"
SAMPLE_TIME = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
TENANT = Tenant.model_validate(
    {
        "id": "testort",
        "name": "Teststadt",
        "ags": "06999001",
        "ars": "069990010010",
        "connectors": {},
        "routes": [],
    }
)


@dataclass(frozen=True)
class Sample:
    """A case the kit renders: the request and the bytes of what it references."""

    name: str
    request: DeliveryRequested
    attachments: dict[str, bytes]
    personal: tuple[str, ...]  # strings that must never appear in logs


def _personal_strings(raw: dict[str, Any]) -> tuple[str, ...]:
    applicant = raw.get("applicant", {})
    values = [applicant.get(k) for k in ("givenName", "familyName", "name", "email")]
    values += list((applicant.get("address") or {}).values())[:1]  # the street
    return tuple(v for v in values if isinstance(v, str) and len(v) > 3)


def _request(
    kind: str,
    connector_id: str,
    case_id: str,
    *,
    application: Application | None = None,
    invoice: Invoice | None = None,
) -> DeliveryRequested:
    """What the router would send ``connector_id`` of the test tenant for one case."""
    return DeliveryRequested(
        envelope=Envelope(
            case_id=case_id,
            tenant=TENANT.id,
            correlation_id=case_id,
            occurred_at=SAMPLE_TIME,
        ),
        delivery_id=delivery_id(case_id, TENANT.id, connector_id),
        connector=connector_id,
        connector_kind=kind,
        rule="conformance",
        application=application,
        invoice=invoice,
    )


def load_samples(kind: str, connector_id: str = "conformance") -> list[Sample]:
    """Every shipped sample as a delivery request for ``connector_id`` of the test tenant."""
    found: list[Sample] = []
    for path in sorted((SAMPLES / "applications").iterdir(), key=lambda p: p.name):
        raw = json.loads(path.read_text(encoding="utf-8"))
        sub = Submission.model_validate(raw)
        blobs, _ = decode_attachments(sub)
        case = application_id(sub.portal, sub.submissionId)
        application = to_application(sub, [f"blob:sha256:{a.sha256}" for a in sub.attachments])
        request = _request(kind, connector_id, case, application=application)
        attachments = {a.sha256: b for a, b in zip(sub.attachments, blobs, strict=True)}
        found.append(Sample(path.name, request, attachments, _personal_strings(raw)))
    for path in sorted((SAMPLES / "invoices").iterdir(), key=lambda p: p.name):
        data = path.read_bytes()
        header, digest = parse_invoice(data), document_sha256(data)
        case = invoice_id(header.seller_key, header.invoice_number, header.issue_date.isoformat())
        uri = f"blob:sha256:{digest}"
        invoice = to_invoice(header, header.buyer_reference, digest, len(data), uri)
        request = _request(kind, connector_id, case, invoice=invoice)
        found.append(Sample(path.name, request, {digest: data}, ()))
    return found


@dataclass
class FakeBackOffice:
    """An HTTP back office in-process: imports once per idempotency key; can fail on command."""

    fail: Callable[[httpx.Request], httpx.Response] | None = None
    imports: dict[str, bytes] = field(default_factory=dict)
    posts: int = 0

    def handle(self, request: httpx.Request) -> httpx.Response:
        """The MockTransport handler."""
        self.posts += 1
        if self.fail is not None:
            return self.fail(request)
        key = request.headers.get(IDEMPOTENCY_HEADER)
        if not key:
            return httpx.Response(400, json={"title": "Idempotency-Key missing"})
        if key in self.imports:
            return httpx.Response(200, json={"reference": key, "duplicate": True})
        self.imports[key] = request.content
        return httpx.Response(201, json={"reference": f"BO-{len(self.imports)}"})

    def client(self) -> httpx.Client:
        """An httpx client whose requests this back office answers."""
        return httpx.Client(transport=httpx.MockTransport(self.handle))


def _refuse(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


def _time_out(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("timed out", request=request)


def _status(code: int) -> Callable[[httpx.Request], httpx.Response]:
    return lambda _r: httpx.Response(code, json={"title": f"status {code}"})


HTTP_FAILURES: list[tuple[str, Callable[[httpx.Request], httpx.Response], type[DeliveryError]]] = [
    ("connection refused", _refuse, TransientError),
    ("timeout", _time_out, TransientError),
    ("503", _status(503), TransientError),
    ("429", _status(429), TransientError),
    ("500", _status(500), TransientError),
    ("422", _status(422), PermanentError),
    ("400", _status(400), PermanentError),
    ("401", _status(401), ConnectorConfigError),
]


class ConnectorConformance:
    """Base class of a connector kind's conformance tests (see module docstring)."""

    kind: ClassVar[str]
    options: ClassVar[dict[str, Any]] = {}
    invalid_options: ClassVar[list[dict[str, Any]]] = []

    # --- building ------------------------------------------------------------------------

    @classmethod
    def connector_class(cls) -> type[Connector]:
        """The registered class of ``kind``."""
        return connector_kinds()[cls.kind]

    @classmethod
    def transport_type(cls) -> str:
        """``directory`` or ``http``: the first transport the kind accepts."""
        for transport in ("directory", "http"):
            try:
                cls.build(cls._transport_config(transport, Path("/nonexistent")))
            except ConnectorConfigError as exc:
                if exc.field.startswith("transport"):
                    continue
                raise
            return transport
        raise AssertionError(f"{cls.kind} accepts neither a directory nor an http transport")

    @staticmethod
    def _transport_config(transport: str, path: Path) -> dict[str, Any]:
        if transport == "directory":
            return {"type": "directory", "path": str(path)}
        return {"type": "http", "url": BACK_OFFICE_URL}

    @classmethod
    def build(
        cls,
        transport: dict[str, Any],
        *,
        options: dict[str, Any] | None = None,
        override: Transport | None = None,
    ) -> Connector:
        """An instance of the kind for the test tenant."""
        config = ConnectorConfig.model_validate(
            {
                "kind": cls.kind,
                "transport": transport,
                "options": cls.options if options is None else options,
            }
        )
        tenant = TENANT.model_copy(update={"connectors": {"conformance": config}})
        return cls.connector_class()(tenant, "conformance", config, transport=override)

    # --- fixtures --------------------------------------------------------------------------

    @pytest.fixture
    def samples(self) -> list[Sample]:
        """The samples this kind handles."""
        cls = self.connector_class()
        return [
            s
            for s in load_samples(self.kind)
            if ("invoice" if s.request.invoice is not None else "application") in cls.handles
        ]

    @pytest.fixture
    def back_office(self) -> FakeBackOffice:
        """The fake HTTP back office (used when the kind talks HTTP)."""
        return FakeBackOffice()

    @pytest.fixture
    def connector(self, tmp_path: Path, back_office: FakeBackOffice) -> Iterator[Connector]:
        """An instance delivering to the fake back office or to ``tmp_path/inbox``."""
        transport = self.transport_type()
        override: Transport
        if transport == "http":
            override = HttpPost(BACK_OFFICE_URL, client=back_office.client())
        else:
            override = DirectoryDrop(tmp_path / "inbox")
        yield self.build(self._transport_config(transport, tmp_path / "inbox"), override=override)

    # --- the checks ------------------------------------------------------------------------

    def test_kind_is_registered_as_a_connector(self) -> None:
        cls = self.connector_class()
        assert issubclass(cls, Connector)
        assert self.kind == cls.kind

    def test_settings_accept_the_documented_options(self, connector: Connector) -> None:
        assert self.options == connector.settings.model_dump(exclude_unset=True)

    def test_settings_refuse_invalid_and_unknown_options(self) -> None:
        transport = self._transport_config(self.transport_type(), Path("/nonexistent"))
        for bad in [*self.invalid_options, {"surely_not_an_option": 1}]:
            with pytest.raises(ConnectorConfigError) as info:
                self.build(transport, options={**self.options, **bad})
            assert info.value.field.startswith("options"), (bad, info.value.field)

    def test_renders_every_sample_it_handles_the_same_way_twice(
        self, connector: Connector, samples: list[Sample]
    ) -> None:
        assert samples, f"{self.kind} handles none of the samples"
        for sample in samples:
            first = connector.render(sample.request, sample.attachments)
            second = connector.render(sample.request, sample.attachments)
            assert isinstance(first, Document)
            assert first.filename and first.content and first.media_type, sample.name
            assert first == second, f"{sample.name}: rendering is not deterministic"

    def test_delivering_every_sample_twice_imports_each_once(
        self,
        connector: Connector,
        samples: list[Sample],
        back_office: FakeBackOffice,
        tmp_path: Path,
    ) -> None:
        for sample in samples:
            document = connector.render(sample.request, sample.attachments)
            first = connector.deliver(document, sample.request.delivery_id)
            second = connector.deliver(document, sample.request.delivery_id)
            assert (False, True) == (first.duplicate, second.duplicate), sample.name
        if self.transport_type() == "http":
            expected = sorted(s.request.delivery_id for s in samples)
            assert expected == sorted(back_office.imports)
            assert 2 * len(samples) == back_office.posts
        else:
            files = [p for p in (tmp_path / "inbox").iterdir() if not p.name.startswith(".")]
            assert len(samples) == len(files)
            for sample in samples:
                assert any(sample.request.delivery_id in p.name for p in files), sample.name

    def _failing_connectors(
        self, tmp_path: Path
    ) -> Iterator[tuple[str, Connector, type[DeliveryError]]]:
        if self.transport_type() == "http":
            for failure, respond, expected in HTTP_FAILURES:
                office = FakeBackOffice(fail=respond)
                transport = HttpPost(BACK_OFFICE_URL, client=office.client())
                config = self._transport_config("http", tmp_path)
                yield failure, self.build(config, override=transport), expected
        else:
            blocked = tmp_path / "not-a-directory"
            blocked.write_text("a file where the inbox should be")
            config = self._transport_config("directory", blocked)
            yield (
                "inbox unusable",
                self.build(config, override=DirectoryDrop(blocked)),
                TransientError,
            )

    def test_transport_failures_are_classified(self, samples: list[Sample], tmp_path: Path) -> None:
        sample = samples[0]
        for failure, connector, expected in self._failing_connectors(tmp_path):
            document = connector.render(sample.request, sample.attachments)
            with pytest.raises(DeliveryError) as info:
                connector.deliver(document, sample.request.delivery_id)
            assert type(info.value) is expected, failure
            assert info.value.message and info.value.reason, failure

    def test_writes_no_personal_data_to_logs(
        self,
        connector: Connector,
        samples: list[Sample],
        caplog: pytest.LogCaptureFixture,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        caplog.set_level(logging.DEBUG)
        with structlog.testing.capture_logs() as events:
            for sample in samples:
                connector.deliver(
                    connector.render(sample.request, sample.attachments),
                    sample.request.delivery_id,
                )
        printed = capsys.readouterr()
        logged = json.dumps(events, default=str) + caplog.text + printed.out + printed.err
        for sample in samples:
            for personal in sample.personal:
                assert personal not in logged, f"{sample.name}: personal data in logs"
