"""HTML of the clerk-readable application and of the cover sheet (escaped, German labels).

Every piece of text from the request goes through ``_t``: first ``visible`` (no tofu), then
HTML escaping, so markup or script in form data is shown as the characters it consists of.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from typing import Any

from hub.events.models import Applicant, Application, DeliveryRequested
from hub.formats.pdf.text import byte_size, direction, label, scalar, timestamp, visible

_MAX_HEADING_LEVEL = 6
_MAX_DEPTH = 24  # deeper nesting is shown as JSON text rather than as ever smaller headings

_PATH_SEPARATOR = " \u203a "  # single right-pointing angle quotation mark
_DASH = "\u2013"  # en dash

_PAYMENT_STATUS = {"paid": "bezahlt", "pending": "ausstehend", "failed": "fehlgeschlagen"}
_REPLY_CHANNEL = {"email": "E-Mail", "postfach": "Postfach", "post": "Post", "de-mail": "De-Mail"}


def _t(text: str) -> str:
    return html.escape(visible(text), quote=True)


def _value(text: str, *, mono: bool = False) -> str:
    css = "value mono" if mono else "value"
    return f'<div class="{css}" dir="{direction(text)}">{_t(text)}</div>'


def _field(name: str, text: str, *, mono: bool = False) -> str:
    return (
        f'<div class="field"><div class="label" dir="{direction(name)}">{_t(name)}</div>'
        f"{_value(text, mono=mono)}</div>"
    )


def _fields(rows: Iterable[tuple[str, str | None]], *, mono: frozenset[str] = frozenset()) -> str:
    return "".join(_field(k, v, mono=k in mono) for k, v in rows if v)


def _section(title: str, body: str, *, css: str = "") -> str:
    return f'<section class="{css}"><h2>{_t(title)}</h2>{body}</section>'


def _address(applicant: Applicant) -> str | None:
    a = applicant.address
    if a is None:
        return None
    return f"{a.street}\n{a.postal_code} {a.city}\n{a.country}"


def _applicant(applicant: Applicant) -> str:
    if applicant.type.value == "organisation":
        rows = [
            ("Art", "Organisation"),
            ("Name", applicant.name),
            ("Registernummer", applicant.register_number),
        ]
    else:
        rows = [
            ("Art", "natürliche Person"),
            ("Vorname", applicant.given_name),
            ("Familienname", applicant.family_name),
            ("Name", applicant.name),
            ("Geburtsdatum", scalar(applicant.birth_date) if applicant.birth_date else None),
        ]
    rows += [("Anschrift", _address(applicant)), ("E-Mail", applicant.email)]
    return _fields(rows)


def applicant_name(applicant: Applicant) -> str:
    """The applicant as one line: organisation name or given and family name."""
    person = " ".join(p for p in (applicant.given_name, applicant.family_name) if p)
    return applicant.name or person or "ohne Namen"


def _metadata(request: DeliveryRequested, app: Application) -> str:
    authority = app.authority
    keys = ", ".join(
        f"{name} {value}"
        for name, value in (("AGS", authority.ags), ("ARS", authority.ars))
        if value
    )
    rows = [
        ("Portal", app.portal),
        ("Antragsnummer", app.submission_id),
        ("Eingegangen am", timestamp(app.submitted_at)),
        ("Behörde", authority.name + (f"\n{keys}" if keys else "")),
        ("Vorgangs-ID", request.envelope.case_id),
        ("Zustellungs-ID", request.delivery_id),
    ]
    return _fields(rows, mono=frozenset({"Vorgangs-ID", "Zustellungs-ID"}))


def _form(value: Any, level: int, path: tuple[str, ...] = ()) -> str:
    """Form data: objects become sections, lists numbered entries, scalars labelled fields.

    Within an object the plain fields come first and nested objects after them, each under a
    heading with its full path (``Gewerbe \u203a Betriebsstätte``), so no field reads as belonging
    to the group above it.
    """
    depth = len(path)
    if isinstance(value, dict):
        if not value:
            return _value("keine Angaben")
        fields, groups = [], []
        for key, item in value.items():
            name = label(str(key))
            if depth >= _MAX_DEPTH or not isinstance(item, dict | list) or not item:
                fields.append(_field(name, _leaf(item)))
            else:
                heading = min(level, _MAX_HEADING_LEVEL)
                title = _PATH_SEPARATOR.join((*path, name))
                groups.append(
                    f'<div class="group"><h{heading} dir="{direction(title)}">{_t(title)}'
                    f"</h{heading}>{_form(item, level + 1, (*path, name))}</div>"
                )
        return "".join(fields + groups)
    if isinstance(value, list):
        items = []
        for number, item in enumerate(value, start=1):
            if isinstance(item, dict | list) and item and depth < _MAX_DEPTH:
                body = _form(item, level + 1, (*path, f"Nr. {number}"))
            else:
                body = _value(_leaf(item))
            items.append(f'<li><span class="number">{number}.</span><div>{body}</div></li>')
        return f'<ol class="entries">{"".join(items)}</ol>'
    return _value(_leaf(value))


def _leaf(value: Any) -> str:
    if isinstance(value, dict | list):
        if not value:
            return "keine"
        return json.dumps(value, ensure_ascii=False, indent=1)  # only past _MAX_DEPTH
    return scalar(value)


def _attachments(app: Application) -> str:
    if not app.attachments:
        return _value("keine Anlagen")
    rows = "".join(
        f"<tr><td>{n}</td><td>{_t(a.filename)}</td><td>{_t(a.media_type)}</td>"
        f'<td class="size">{_t(byte_size(a.size))}</td><td class="hash">{_t(a.sha256)}</td></tr>'
        for n, a in enumerate(app.attachments, start=1)
    )
    head = "<tr><th>Nr.</th><th>Dateiname</th><th>Medientyp</th><th>Größe</th><th>SHA-256</th></tr>"
    return f'<table class="attachments"><thead>{head}</thead><tbody>{rows}</tbody></table>'


def _page(title: str, running: str, created: str, body: str) -> str:
    return (
        '<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">'
        f"<title>{_t(title)}</title>"
        '<meta name="generator" content="IKZ Hub">'
        f'<meta name="dcterms.created" content="{html.escape(created)}">'
        f'<meta name="dcterms.modified" content="{html.escape(created)}">'
        f'</head><body><div class="running">{_t(running)}</div>{body}</body></html>'
    )


def _require_application(request: DeliveryRequested) -> Application:
    if request.application is None:
        raise ValueError(
            f"delivery {request.delivery_id}: field 'application' is empty; "
            "only applications have a PDF rendering"
        )
    return request.application


def application_html(request: DeliveryRequested) -> str:
    """The full application as an HTML document for the PDF renderer."""
    app = _require_application(request)
    title = f"{app.service.name} {_DASH} Leistungsschlüssel {app.service.leika_id}"
    form = json.loads(app.form_data_json)
    sections = [
        _section("Eingang", _metadata(request, app)),
        _section("Antragsteller/in", _applicant(app.applicant)),
    ]
    if app.payment:
        p = app.payment
        sections.append(
            _section(
                "Bezahlung",
                _fields(
                    [
                        ("Status", _PAYMENT_STATUS.get(p.status, p.status)),
                        ("Betrag", f"{p.amount.replace('.', ',')} {p.currency}"),
                        ("Zahlart", p.method),
                        ("Transaktionsnummer", p.transaction_id),
                    ]
                ),
            )
        )
    if app.reply_channel:
        r = app.reply_channel
        sections.append(
            _section(
                "Rückkanal",
                _fields([("Art", _REPLY_CHANNEL.get(r.type, r.type)), ("Adresse", r.address)]),
            )
        )
    sections.append(_section("Formulardaten", _form(form, level=3), css="form"))
    sections.append(_section(f"Anlagen ({len(app.attachments)})", _attachments(app)))
    body = (
        f'<header><h1 dir="{direction(app.service.name)}">{_t(app.service.name)}</h1>'
        f'<p class="subtitle">Leistungsschlüssel {_t(app.service.leika_id)}</p></header>'
        + "".join(sections)
    )
    running = f"{app.service.name} · Antrag {app.submission_id}"
    return _page(title, running, app.submitted_at.isoformat(), body)


def cover_sheet_html(request: DeliveryRequested, *, target_system: str, instructions: str) -> str:
    """A one-page cover sheet (Deckblatt) telling a clerk what the delivery is and what to do."""
    app = _require_application(request)
    names = "\n".join(a.filename for a in app.attachments) or "keine"
    rows = [
        ("Leistung", f"{app.service.name} ({app.service.leika_id})"),
        ("Behörde", app.authority.name),
        ("Antragsteller/in", applicant_name(app.applicant)),
        ("Eingegangen am", timestamp(app.submitted_at)),
        ("Portal / Antragsnummer", f"{app.portal} / {app.submission_id}"),
        ("Vorgangs-ID", request.envelope.case_id),
        ("Zustellungs-ID", request.delivery_id),
        (
            "Zahlung",
            _PAYMENT_STATUS.get(app.payment.status, app.payment.status) if app.payment else "keine",
        ),
        (f"Anlagen ({len(app.attachments)})", names),
    ]
    target = f'<strong dir="{direction(target_system)}">{_t(target_system)}</strong>'
    body = (
        f'<header class="cover"><h1>Deckblatt</h1><p class="target">für {target}</p></header>'
        '<section class="instructions"><h2>Bearbeitungshinweis</h2>'
        f"{_value(instructions)}</section>"
        + _section("Vorgang", _fields(rows, mono=frozenset({"Vorgangs-ID", "Zustellungs-ID"})))
    )
    running = f"Deckblatt · {app.service.name} · Antrag {app.submission_id}"
    return _page(f"Deckblatt: {app.service.name}", running, app.submitted_at.isoformat(), body)
