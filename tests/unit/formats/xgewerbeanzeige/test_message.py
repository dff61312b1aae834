"""XGewerbeanzeige messages: golden file, structure against the official example, generated cases."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from typing import Any

import pytest
from defusedxml.ElementTree import fromstring
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.config.tenants import ConnectorConfig
from hub.connectors.procedure_xoev import ProcedureXoevConnector
from hub.delivery.errors import PermanentError
from hub.events.models import DeliveryRequested
from hub.formats.xgewerbeanzeige import NAMESPACE, MessageError, MessageHeader, build_message
from hub.runtime.local import PROJECT_ROOT
from hub.sdk.testing import TENANT, load_samples

from .oracle import problems_against_example

GOLDEN = PROJECT_ROOT / "tests" / "unit" / "formats" / "xgewerbeanzeige" / "golden"
NS = {"x": NAMESPACE}
HEADER = MessageHeader("00000000-0000-0000-0000-000000000001", datetime(2026, 11, 20, tzinfo=UTC))
SAMPLE = next(s for s in load_samples("procedure.xoev", "gewerbe") if s.name.startswith("gewerbe"))


def connector() -> ProcedureXoevConnector:
    os.environ.setdefault("HUB_MAPPINGS_DIR", str(PROJECT_ROOT / "config" / "mappings"))
    config = ConnectorConfig.model_validate(
        {
            "kind": "procedure.xoev",
            "transport": {"type": "directory", "path": "/nonexistent"},
            "options": {"mappings": {"99050012104000": "gewerbe-anmelden-xgewerbeanzeige"}},
        }
    )
    return ProcedureXoevConnector(TENANT, "gewerbe", config)


def render(request: DeliveryRequested) -> bytes:
    return connector().render(request, {}).content


def minimal() -> dict[str, Any]:
    """The least data the builder takes."""
    authority = {
        "behoerdenkennung": {"praefix": "MELDID", "kennung": "06431002"},
        "behoerdenname": "Gewerbeamt",
    }
    return {
        "nachrichtenkopf": {"leser": authority, "autor": authority},
        "satz": {
            "anmeldung": {
                "satzErstellung": "2026-11-20T12:00:00+01:00",
                "ereigniszeitpunkt": "2026-11-20T12:00:00+01:00",
                "istKorrektur": "0",
                "gemeindeSchluessel": "06431002",
                "uuid": "d4d1a9db-ea1d-5af5-ad56-56c73274b328",
                "gewerbe": {
                    "betriebArt": {
                        "industrie": "0",
                        "handwerk": "0",
                        "handel": "1",
                        "sonstiges": "0",
                    },
                    "niederlassungArt": "1",
                    "istReisegewerbe": "0",
                    "istNebenerwerb": "0",
                    "anschrift": {"strasse": "Markt", "ort": "Bensheim", "plz": "64625"},
                    "beteiligtePerson": {"personFunktion": "1", "familienname": "Demir"},
                },
                "gueltigAb": "2026-12-01",
                "datumMeldung": "2026-11-20",
                "taetigkeitenGesamt": {"schwerpunkt": {"taetigkeitSchwerpunkt": "Handel"}},
            }
        },
    }


def test_the_bensheim_example_renders_as_the_golden_file() -> None:
    assert (GOLDEN / "gewerbe-anmelden-bensheim.xml").read_bytes() == render(SAMPLE.request)


def test_the_bensheim_example_has_the_official_structure() -> None:
    xml = render(SAMPLE.request)

    assert [] == problems_against_example(xml)


def test_the_bensheim_example_carries_the_applications_content() -> None:
    root = fromstring(render(SAMPLE.request))
    anmeldung = root.find("x:satz/x:anmeldung", NS)
    person = anmeldung.find("x:gewerbe/x:beteiligtePerson", NS)

    assert "Demir" == person.findtext("x:familienname", namespaces=NS)
    assert "17041991" == person.findtext("x:geburtsdatum", namespaces=NS)
    assert "2026-12-01" == anmeldung.findtext("x:gueltigAb", namespaces=NS)
    assert "06431002" == anmeldung.findtext("x:gemeindeSchluessel/code", namespaces=NS)
    assert "Rodensteinstraße" == anmeldung.findtext(
        "x:gewerbe/x:anschrift/x:strasse", namespaces=NS
    )
    assert "3" == anmeldung.findtext("x:gewerbe/x:anschrift/x:hausNrVon", namespaces=NS)
    assert "1" == anmeldung.findtext("x:gewerbe/x:niederlassungArt/code", namespaces=NS)


def test_the_header_is_filled_from_the_delivery_and_stable() -> None:
    root = fromstring(render(SAMPLE.request))
    ident = root.find("x:nachrichtenkopf/x:identifikation.nachricht", NS)

    assert "0500" == ident.findtext("x:nachrichtentyp/code", namespaces=NS)
    assert "2026-11-20T12:00:00+00:00" == ident.findtext("x:erstellungszeitpunkt", namespaces=NS)
    assert render(SAMPLE.request) == render(SAMPLE.request)
    other = SAMPLE.request.model_copy(update={"delivery_id": "another"})
    assert (
        ident.findtext("x:nachrichtenUUID", namespaces=NS)
        != fromstring(render(other))
        .find("x:nachrichtenkopf/x:identifikation.nachricht/x:nachrichtenUUID", NS)
        .text
    )


def test_the_data_order_does_not_matter_the_template_order_does() -> None:
    data = minimal()
    anmeldung = data["satz"]["anmeldung"]
    data["satz"]["anmeldung"] = dict(reversed(list(anmeldung.items())))

    assert build_message(minimal(), HEADER) == build_message(data, HEADER)
    assert [] == problems_against_example(build_message(data, HEADER))


def test_repeated_elements_take_lists() -> None:
    data = minimal()
    gewerbe = data["satz"]["anmeldung"]["gewerbe"]
    gewerbe["beteiligtePerson"] = [
        gewerbe["beteiligtePerson"],
        {"personFunktion": "1", "familienname": "Pick"},
    ]

    root = fromstring(build_message(data, HEADER))

    assert 2 == len(root.findall("x:satz/x:anmeldung/x:gewerbe/x:beteiligtePerson", NS))


def _with(path: str, value: Any) -> dict[str, Any]:
    data = minimal()
    *parents, last = path.split("/")
    node = data
    for p in parents:
        node = node.setdefault(p, {})
    if value is None:
        del node[last]
    else:
        node[last] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "at_fault"),
    [
        ("satz/anmeldung/gewerbe/farbe", "blau", "satz/anmeldung/gewerbe/farbe"),
        ("satz/anmeldung/gueltigAb", None, "satz/anmeldung/gueltigAb"),
        (
            "satz/anmeldung/gewerbe/beteiligtePerson",
            [{"personFunktion": "1"}],
            "satz/anmeldung/gewerbe/beteiligtePerson/familienname",
        ),
        ("satz/anmeldung/istKorrektur", "nein", "satz/anmeldung/istKorrektur"),
        ("satz/anmeldung/gemeindeSchluessel", "064310", "satz/anmeldung/gemeindeSchluessel"),
        ("satz/anmeldung/gueltigAb", ["2026-12-01", "2027-01-01"], "satz/anmeldung/gueltigAb"),
        ("satz/anmeldung/gewerbe/anschrift", "Markt 1", "satz/anmeldung/gewerbe/anschrift"),
        ("satz/anmeldung/datumMeldung", {"tag": 1}, "satz/anmeldung/datumMeldung"),
        (
            "satz/anmeldung/taetigkeitenGesamt/schwerpunkt/taetigkeitSchwerpunkt",
            "Handel\x00",
            "satz/anmeldung/taetigkeitenGesamt/schwerpunkt/taetigkeitSchwerpunkt",
        ),
        (
            "nachrichtenkopf/identifikation.nachricht",
            {"nachrichtenUUID": "x"},
            "nachrichtenkopf/identifikation.nachricht",
        ),
        (
            "satz/anmeldung/istKorrektur",
            {"code": "0", "listURI": "urn:x"},
            "satz/anmeldung/istKorrektur",
        ),
        (
            "nachrichtenkopf/leser/behoerdenkennung/kennung",
            {"code": "06431002", "listURI": "urn:x", "listVersionID": "1"},
            "nachrichtenkopf/leser/behoerdenkennung/kennung",
        ),
    ],
)
def test_data_that_does_not_fit_is_refused_naming_the_element(
    path: str, value: Any, at_fault: str
) -> None:
    with pytest.raises(MessageError) as info:
        build_message(_with(path, value), HEADER)

    assert at_fault == info.value.path


def test_text_is_escaped_and_round_trips() -> None:
    data = _with(
        "satz/anmeldung/taetigkeitenGesamt/schwerpunkt/taetigkeitSchwerpunkt",
        'Käse & <Wein> "fein"',
    )

    root = fromstring(build_message(data, HEADER))

    assert 'Käse & <Wein> "fein"' == root.findtext(
        "x:satz/x:anmeldung/x:taetigkeitenGesamt/x:schwerpunkt/x:taetigkeitSchwerpunkt",
        namespaces=NS,
    )


_text = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=30
)
_form = st.fixed_dictionaries(
    {
        "taetigkeit": _text,
        "beginn": st.dates().map(lambda d: d.isoformat()),
        "art": st.sampled_from(
            ["Hauptniederlassung", "Zweigniederlassung", "unselbstständige Zweigstelle", "Filiale"]
        ),
        "vollzeit": st.booleans(),
        "mitarbeiter": st.integers(0, 500),
        "betriebsstaette": st.fixed_dictionaries(
            {
                "street": st.one_of(
                    _text, st.builds(lambda s, n: f"{s} {n}", _text, st.integers(1, 300))
                ),
                "postalCode": st.from_regex(r"\A\d{5}\Z"),
                "city": _text,
            }
        ),
    },
    optional={
        "betriebsart": st.sampled_from(["industrie", "handwerk", "handel", "sonstiges", "?"])
    },
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(form=_form, family=_text, email=st.one_of(st.none(), st.emails()))
def test_generated_applications_render_with_the_official_structure_or_fail_as_mapping(
    form: dict[str, Any], family: str, email: str | None
) -> None:
    app = SAMPLE.request.application
    assert app is not None
    applicant = app.applicant.model_copy(update={"family_name": family, "email": email})
    request = SAMPLE.request.model_copy(
        update={
            "application": app.model_copy(
                update={"form_data_json": json.dumps({"gewerbe": form}), "applicant": applicant}
            )
        }
    )
    try:
        xml = render(request)
    except PermanentError as exc:
        assert "mapping_failed" == exc.reason
        assert len(family) < 4 or family not in exc.message  # a short value may be a field name
        return
    assert [] == problems_against_example(xml)
    root = fromstring(xml)
    person = root.find("x:satz/x:anmeldung/x:gewerbe/x:beteiligtePerson", NS)
    assert family.strip() == (person.findtext("x:familienname", namespaces=NS) or "").strip()
    kinds = [
        root.findtext(f"x:satz/x:anmeldung/x:gewerbe/x:betriebArt/x:{k}/code", namespaces=NS)
        for k in ("industrie", "handwerk", "handel", "sonstiges")
    ]
    assert 1 == kinds.count("1")
    assert (email is not None) == (person.find("x:erreichbarkeit", NS) is not None)
