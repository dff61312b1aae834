"""procedure.rest: mapped bodies, auth schemes, answer classification, the back office's reference."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from hub.config.tenants import ConnectorConfig, HttpAuth
from hub.connectors.procedure_rest import ProcedureRestConnector, render_preview
from hub.delivery.errors import ConnectorConfigError, PermanentError, TransientError
from hub.delivery.transports import HttpPost, build_transport, hmac_auth, retry_after_seconds
from hub.runtime.local import PROJECT_ROOT
from hub.sdk.testing import TENANT, load_samples

MAPPINGS = PROJECT_ROOT / "config" / "mappings"
SAMPLES = {s.name: s for s in load_samples("procedure.rest", "standesamt")}
GEBURT = SAMPLES["geburtsurkunde-viernheim.json"]
GEWERBE = SAMPLES["gewerbe-anmelden-bensheim.json"]


@pytest.fixture(autouse=True)
def _mappings_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_MAPPINGS_DIR", str(MAPPINGS))


def build(options: dict[str, Any], handler: Any = None, **transport: Any) -> ProcedureRestConnector:
    config = ConnectorConfig.model_validate(
        {
            "kind": "procedure.rest",
            "transport": {"type": "http", "url": "http://sta.test/auftraege", **transport},
            "options": options,
        }
    )
    client = httpx.Client(transport=httpx.MockTransport(handler or (lambda r: httpx.Response(201))))
    return ProcedureRestConnector(
        TENANT, "standesamt", config, transport=HttpPost(config.transport.url, client=client)
    )  # type: ignore[union-attr]


STANDESAMT = {
    "mappings": {"99027002012000": "geburtsurkunde-standesamt"},
    "reference": "/auftragsnummer",
}


def test_a_mapped_body_is_the_mappings_result_plus_attachments() -> None:
    body = json.loads(build(STANDESAMT).render(GEBURT.request, GEBURT.attachments).content)

    assert "GU" == body["urkunde"]["art"]
    assert 2 == body["urkunde"]["anzahl"]
    assert "11.02.1987" == body["beurkundetePerson"]["geburtsdatum"]
    assert "24,00" == body["gebuehr"]["betrag"]
    assert [] == body["attachments"]


def test_attachments_go_inline_or_as_metadata_where_configured() -> None:
    options = {
        "mappings": {"*": [{"target": "id", "from": "/meta/caseId"}]},
        "attachments_at": "/anlagen/liste",
    }
    inline = json.loads(build(options).render(GEWERBE.request, GEWERBE.attachments).content)
    meta = json.loads(
        build({**options, "attachments": "metadata"})
        .render(GEWERBE.request, GEWERBE.attachments)
        .content
    )

    (data,) = GEWERBE.attachments.values()
    assert base64.b64encode(data).decode() == inline["anlagen"]["liste"][0]["contentBase64"]
    assert "contentBase64" not in meta["anlagen"]["liste"][0]
    assert "personalausweis.pdf" == meta["anlagen"]["liste"][0]["filename"]


def test_megabyte_attachments_travel_inline() -> None:
    big = bytes(range(256)) * 4096 * 3  # 3 MiB
    sha = hashlib.sha256(big).hexdigest()
    app = GEWERBE.request.application
    assert app is not None
    att = app.attachments[0].model_copy(update={"sha256": sha, "size": len(big)})
    request = GEWERBE.request.model_copy(
        update={"application": app.model_copy(update={"attachments": (att,)})}
    )

    body = json.loads(
        build({"mappings": {"*": [{"target": "id", "from": "/meta/caseId"}]}})
        .render(request, {sha: big})
        .content
    )

    assert big == base64.b64decode(body["attachments"][0]["contentBase64"])


def test_a_service_without_mapping_is_a_permanent_mapping_error() -> None:
    with pytest.raises(PermanentError) as info:
        build(STANDESAMT).render(GEWERBE.request, GEWERBE.attachments)

    assert ("mapping_failed", "no mapping for service 99050012104000") == (
        info.value.reason,
        info.value.message,
    )


def test_a_case_the_mapping_cannot_fill_names_target_and_pointer_not_the_value() -> None:
    options = {
        "mappings": {
            "*": [
                {"target": "kind.geburtsdatum", "from": "/applicant/familyName", "convert": "date"}
            ]
        }
    }

    with pytest.raises(PermanentError) as info:
        build(options).render(GEBURT.request, {})

    assert "kind.geburtsdatum <- /applicant/familyName" in info.value.message
    assert "Schäfer" not in info.value.message


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"mappings": {"99027002012000": "no-such-file"}}, "options.mappings"),
        ({"mappings": {"9902700201200": "geburtsurkunde-standesamt"}}, "options.mappings"),
        ({"mappings": {"*": [{"target": "attachments.x", "const": 1}]}}, "options"),
        ({"reference": "auftragsnummer"}, "options.reference"),
        ({"attachments_at": ""}, "options.attachments_at"),
    ],
)
def test_unusable_options_are_configuration_errors_naming_the_field(
    options: dict[str, Any], field: str
) -> None:
    with pytest.raises(ConnectorConfigError) as info:
        build(options)

    assert field == info.value.field


def test_an_unknown_mapping_file_is_named_in_the_error() -> None:
    with pytest.raises(ConnectorConfigError) as info:
        build({"mappings": {"*": "no-such-file"}})

    assert str(MAPPINGS / "no-such-file.yaml") in info.value.message


def test_the_reference_comes_from_the_configured_pointer() -> None:
    connector = build(
        STANDESAMT, lambda r: httpx.Response(201, json={"auftragsnummer": "STA-2026-000001"})
    )

    receipt = connector.deliver(connector.render(GEBURT.request, {}), GEBURT.request.delivery_id)

    assert "STA-2026-000001" == receipt.reference


def test_without_the_pointer_in_the_answer_location_then_the_delivery_id_is_the_reference() -> None:
    located = build(STANDESAMT, lambda r: httpx.Response(201, headers={"Location": "/auftraege/7"}))
    bare = build(STANDESAMT, lambda r: httpx.Response(204))
    document = located.render(GEBURT.request, {})

    assert "/auftraege/7" == located.deliver(document, "d-1").reference
    assert "d-1" == bare.deliver(document, "d-1").reference


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (408, TransientError),
        (429, TransientError),
        (500, TransientError),
        (503, TransientError),
        (400, PermanentError),
        (404, PermanentError),
        (409, PermanentError),
        (422, PermanentError),
        (401, ConnectorConfigError),
        (403, ConnectorConfigError),
    ],
)
def test_answers_are_classified(status: int, expected: type[Exception]) -> None:
    connector = build(STANDESAMT, lambda r: httpx.Response(status, json={"title": "nein"}))

    with pytest.raises(expected):
        connector.deliver(connector.render(GEBURT.request, {}), "d-1")


def test_retry_after_in_seconds_is_passed_on() -> None:
    connector = build(STANDESAMT, lambda r: httpx.Response(503, headers={"Retry-After": "120"}))

    with pytest.raises(TransientError) as info:
        connector.deliver(connector.render(GEBURT.request, {}), "d-1")

    assert 120.0 == info.value.retry_after_seconds


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120.0),
        ("0", 0.0),
        ("Fri, 20 Nov 2026 12:02:00 GMT", 120.0),
        ("Fri, 20 Nov 2026 11:00:00 GMT", 0.0),
        ("soon", None),
        ("", None),
        (None, None),
        ("-5", None),
    ],
)
def test_retry_after_takes_delta_seconds_and_http_dates(
    value: str | None, expected: float | None
) -> None:
    assert expected == retry_after_seconds(value, now=datetime(2026, 11, 20, 12, 0, tzinfo=UTC))


def _sent_headers(auth: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> httpx.Headers:
    monkeypatch.setenv("STA_SECRET", "s3cret")
    seen: list[httpx.Request] = []
    transport = build_transport(
        ConnectorConfig.model_validate(
            {
                "kind": "procedure.rest",
                "transport": {
                    "type": "http",
                    "url": "http://sta.test/a",
                    "auth": {**auth, "secret_ref": {"env": "STA_SECRET"}},
                },
            }
        ).transport
    )
    assert isinstance(transport, HttpPost)
    transport.client = httpx.Client(
        transport=httpx.MockTransport(lambda r: seen.append(r) or httpx.Response(201))
    )
    connector = build(STANDESAMT)
    transport.send(connector.render(GEBURT.request, {}), "d-1")
    return seen[0].headers


def test_bearer_is_the_default_scheme(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "Bearer s3cret" == _sent_headers({}, monkeypatch)["Authorization"]


def test_basic_sends_user_and_password(monkeypatch: pytest.MonkeyPatch) -> None:
    headers = _sent_headers({"scheme": "basic", "username": "hub"}, monkeypatch)

    assert "Basic " + base64.b64encode(b"hub:s3cret").decode() == headers["Authorization"]


def test_hmac_signs_timestamp_and_body(monkeypatch: pytest.MonkeyPatch) -> None:
    headers = _sent_headers({"scheme": "hmac"}, monkeypatch)
    body = build(STANDESAMT).render(GEBURT.request, {}).content
    stamp = headers["X-Hub-Timestamp"]
    expected = hmac.new(b"s3cret", f"{stamp}.".encode() + body, "sha256").hexdigest()

    assert f"sha256={expected}" == headers["X-Hub-Signature"]
    assert "Authorization" not in headers


def test_hmac_signature_changes_with_the_body() -> None:
    sign = hmac_auth(SecretStr("k"), clock=lambda: 1_700_000_000)

    assert sign(b"a")["X-Hub-Signature"] != sign(b"b")["X-Hub-Signature"]
    assert "1700000000" == sign(b"a")["X-Hub-Timestamp"]


@pytest.mark.parametrize(
    "auth", [{"scheme": "basic"}, {"scheme": "bearer", "username": "x"}, {"scheme": "digest"}]
)
def test_auth_settings_that_do_not_fit_are_refused(auth: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        HttpAuth.model_validate({**auth, "secret_ref": {"env": "X"}})


def test_without_mappings_the_generic_case_json_is_sent() -> None:
    body = json.loads(build({}).render(GEWERBE.request, GEWERBE.attachments).content)

    assert {"caseId", "deliveryId", "tenant", "service", "formData", "attachments"} <= set(body)


def test_the_preview_is_the_rendered_body_indented(tmp_path: Path) -> None:
    preview = render_preview(GEBURT.request, build(STANDESAMT))

    assert json.loads(preview) == json.loads(build(STANDESAMT).render(GEBURT.request, {}).content)
    assert preview.startswith(b"{\n  ")


def test_the_preview_needs_no_attachment_bytes() -> None:
    preview = render_preview(
        GEWERBE.request, build({"mappings": {"*": [{"target": "id", "from": "/meta/caseId"}]}})
    )

    assert "" == json.loads(preview)["attachments"][0]["contentBase64"]
