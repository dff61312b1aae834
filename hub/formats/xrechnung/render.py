"""A readable, self-contained HTML page of an invoice for finance staff.

No scripts, no external resources (styles inline, a Content-Security-Policy that forbids
anything else); every value from the document or the summary is HTML-escaped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from html import escape
from typing import Any

from hub.formats.xrechnung.summary import invoice_details

_CSS = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:60rem}
h1{font-size:1.4rem;margin-bottom:.2rem} h2{font-size:1.1rem;margin-top:1.6rem}
.meta{color:#555} .parties{display:flex;gap:2rem;flex-wrap:wrap}
.party{flex:1;min-width:16rem;border:1px solid #ccc;padding:.6rem 1rem;border-radius:4px}
table{border-collapse:collapse;width:100%} th,td{border-bottom:1px solid #ddd;padding:.3rem .5rem}
th{text-align:left;background:#f4f4f4} td.num,th.num{text-align:right;white-space:nowrap}
.valid{color:#176b2c} .invalid{color:#a31515;font-weight:bold} .warning{color:#8a6100}
"""
_LINE_COLUMNS = ("id", "name", "quantity", "unit", "price", "vat_rate", "net_amount")
_CSP = "default-src 'none'; style-src 'unsafe-inline'"


def _e(value: object) -> str:
    return "" if value is None else escape(str(value), quote=True)


def _table(headers: Iterable[tuple[str, bool]], rows: Iterable[Iterable[object]]) -> str:
    head = "".join(f"<th{' class=num' if num else ''}>{_e(h)}</th>" for h, num in headers)
    numeric = [num for _, num in headers]
    body = "".join(
        "<tr>"
        + "".join(
            f"<td{' class=num' if num else ''}>{_e(cell)}</td>"
            for cell, num in zip(row, numeric, strict=True)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _party(title: str, party: Mapping[str, Any]) -> str:
    lines = [
        party.get("name"),
        party.get("street"),
        " ".join(p for p in (party.get("postcode"), party.get("city")) if p) or None,
        party.get("country"),
        f"USt-IdNr. {party['vat_id']}" if party.get("vat_id") else None,
        party.get("contact"),
        party.get("phone"),
        party.get("email"),
    ]
    text = "<br>".join(_e(line) for line in lines if line)
    return f'<div class="party"><h2>{_e(title)}</h2><p>{text}</p></div>'


def _validation(summary: Mapping[str, Any]) -> str:
    validation = summary.get("validation")
    if not validation:
        return ""
    state = (
        '<p class="valid">Gültig nach den offiziellen Regeln</p>'
        if validation.get("valid")
        else '<p class="invalid">Ungültig nach den offiziellen Regeln</p>'
    )
    rows = [
        (f["severity"], f["rule_id"], f["text"], f["location"])
        for f in validation.get("findings", ())
    ]
    table = (
        _table([("Stufe", False), ("Regel", False), ("Text", False), ("Ort", False)], rows)
        if rows
        else ""
    )
    return f"<h2>Prüfung ({_e(validation.get('rules'))})</h2>{state}{table}"


def render_html(document: bytes, summary: Mapping[str, Any]) -> bytes:
    """The invoice as one HTML page (UTF-8): header, parties, lines, VAT, totals, payment and,
    when ``summary`` carries it, the validation result. ``summary`` is :func:`summarize`'s."""
    details = invoice_details(document)
    currency = summary.get("currency") or ""
    title = f"Rechnung {summary.get('invoice_number') or ''}".strip()
    meta = " · ".join(
        f"{label} {_e(summary.get(key))}"
        for label, key in (
            ("Datum", "issue_date"),
            ("fällig", "due_date"),
            ("Art", "type_code"),
            ("Leitweg-ID", "buyer_reference"),
        )
        if summary.get(key)
    )
    lines = _table(
        [
            ("Pos.", False),
            ("Bezeichnung", False),
            ("Menge", True),
            ("Einheit", False),
            ("Preis", True),
            ("USt %", True),
            (f"Netto {currency}", True),
        ],
        (tuple(ln[key] for key in _LINE_COLUMNS) for ln in details["lines"]),
    )
    vat = _table(
        [("Kategorie", False), ("Satz %", True), ("Basis", True), ("Steuer", True)],
        ((v["category"], v["rate"], v["taxable_amount"], v["tax_amount"]) for v in details["vat"]),
    )
    totals = _table(
        [("Summe", False), (currency, True)],
        (
            (label, summary.get(key))
            for label, key in (
                ("Netto (BT-109)", "net_amount"),
                ("Umsatzsteuer (BT-110)", "tax_amount"),
                ("Brutto (BT-112)", "gross_amount"),
                ("Bereits gezahlt (BT-113)", "prepaid_amount"),
                ("Rundung (BT-114)", "rounding_amount"),
                ("Zahlbetrag (BT-115)", "payable_amount"),
            )
            if summary.get(key) is not None
        ),
    )
    payment = "<br>".join(
        _e(text)
        for text in (
            f"Zahlungsart (BT-81): {summary['payment_means_code']}"
            if summary.get("payment_means_code")
            else None,
            f"IBAN (BT-84): {summary['iban']}" if summary.get("iban") else None,
            details["terms"],
        )
        if text
    )
    notes = "".join(f"<p>{_e(note)}</p>" for note in details["notes"] if note)
    page = (
        "<!DOCTYPE html>"
        '<html lang="de"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{_e(title)}</h1><p class=meta>{meta}</p>"
        f'<div class="parties">{_party("Verkäufer", details["seller"])}'
        f"{_party('Käufer', details['buyer'])}</div>"
        f"<h2>Positionen</h2>{lines}<h2>Umsatzsteuer</h2>{vat}<h2>Summen</h2>{totals}"
        f"<h2>Zahlung</h2><p>{payment}</p>"
        + (f"<h2>Bemerkungen</h2>{notes}" if notes else "")
        + _validation(summary)
        + "</body></html>"
    )
    return page.encode("utf-8")
