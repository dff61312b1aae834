"""Generated applications (any Unicode, long texts, 0-20 attachments) render schema-valid."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from conftest import Schemas, settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from lxml import etree
from xdomea_cases import antrag_pdf, request_for, unzip

from hub.events.models import (
    Address,
    Applicant,
    ApplicantType,
    Application,
    AttachmentRef,
    Authority,
    Service,
)
from hub.formats.xdomea import PrimaryDocument, render_filing
from hub.formats.xdomea.codes import namespace
from hub.formats.xdomea.text import clean

MEDIA_TYPES = [
    "application/pdf",
    "image/jpeg",
    "image/png",
    "image/tiff",
    "text/plain",
    "application/xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/octet-stream",
    "Image/HEIC; q=1",
]
# any code point, XML-forbidden ones and lone surrogates included; RTL scripts on purpose
ANY_TEXT = st.text(st.characters(codec=None, categories=None), max_size=60) | st.text(
    st.sampled_from("אבגדהשלוםمرحباسلام\u200f\u202e\x00\x0b\ud800\udfff\ufffe\uffff\n\t aZ9"),
    max_size=400,
)
LONG_TEXT = st.text(min_size=300, max_size=2000)


@st.composite
def applications(draw: st.DrawFn) -> tuple[Application, list[PrimaryDocument]]:
    person = draw(st.booleans())
    applicant = Applicant(
        type=ApplicantType.person if person else ApplicantType.organisation,
        given_name=draw(ANY_TEXT) if person else None,
        family_name=draw(ANY_TEXT | LONG_TEXT) if person else None,
        birth_date=draw(st.sampled_from(["1991-04-17", "17.04.1991", "", None])),
        name=None if person else draw(ANY_TEXT | LONG_TEXT),
        address=draw(
            st.none() | st.builds(Address, street=ANY_TEXT, postal_code=ANY_TEXT, city=ANY_TEXT)
        ),
    )
    form = draw(
        st.dictionaries(ANY_TEXT, ANY_TEXT | LONG_TEXT | st.integers() | st.booleans(), max_size=6)
    )
    files = []
    refs = []
    for i in range(draw(st.integers(0, 20))):
        name = draw(ANY_TEXT | LONG_TEXT)
        media = draw(st.sampled_from(MEDIA_TYPES))
        content = draw(st.binary(max_size=64))
        files.append(PrimaryDocument(name, media, content, name))
        refs.append(
            AttachmentRef(
                attachment_id=f"a{i}",
                filename=name,
                media_type=media,
                size=len(content),
                sha256="0" * 64,
                uri="blob:x",
            )
        )
    app = Application(
        portal="civento-hessen",
        submission_id=draw(ANY_TEXT),
        submitted_at=datetime(2026, 11, 20, 9, 14, tzinfo=UTC),
        service=Service(
            leika_id=draw(st.sampled_from(["99050012104000", "99102013104000"])),
            name=draw(ANY_TEXT | LONG_TEXT),
        ),
        authority=Authority(name="Stadt Bensheim", ars="064310002002"),
        applicant=applicant,
        form_data_json=json.dumps(form),
        attachments=tuple(refs),
    )
    return app, [antrag_pdf(app), *files]


def _check(schemas: Schemas, version: str, app: Application, docs: list[PrimaryDocument]) -> None:
    package = render_filing(request_for(app), docs, settings(version))
    assert [] == schemas.errors(version, package.message)
    zf = unzip(package)
    listed = etree.fromstring(package.message).findall(
        ".//x:Primaerdokument/x:Dateiname", {"x": namespace(version)}
    )
    assert [e.name for e in package.entries] == zf.namelist()
    assert {str(e.text) for e in listed} == set(zf.namelist()[1:])
    assert [d.content for d in docs[1:]] == [zf.read(e.name) for e in package.entries[3:]]
    assert (
        json.loads(app.form_data_json) == json.loads(zf.read(package.entries[2].name))["formData"]
    )
    ns = {"x": namespace(version)}
    subjects = etree.fromstring(package.message).findall(
        ".//x:Vorgang/x:Dokument/x:AllgemeineMetadaten/x:Betreff", ns
    )
    expected = [clean(d.title, 255) or f"Anlage {i}" for i, d in enumerate(docs[1:], start=1)]
    assert expected == [e.text for e in subjects[1:]]


@hsettings(
    max_examples=220,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(applications())
def test_generated_applications_render_valid_3_1_0_packages(
    schemas: Schemas, case: tuple[Application, list[PrimaryDocument]]
) -> None:
    _check(schemas, "3.1.0", *case)


@hsettings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(applications())
def test_generated_applications_render_valid_3_0_0_packages(
    schemas: Schemas, case: tuple[Application, list[PrimaryDocument]]
) -> None:
    _check(schemas, "3.0.0", *case)
