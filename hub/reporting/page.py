"""The report as one self-contained HTML page for heads of office (German).

Charts are inline SVG (see :mod:`hub.reporting.charts`), styles are inline: the
file opens from a USB stick or an e-mail attachment without network access.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape

from hub.reporting.charts import reasons_chart, to_svg, trend_chart, volume_chart
from hub.reporting.reasons import explain, label_de
from hub.reporting.render import duration
from hub.reporting.report import Figures, Report
from hub.reporting.services import Names

MONTHS = (
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
)

STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; color: #1a1a1a; margin: 0;
       background: #f4f5f7; }
main { max-width: 900px; margin: 0 auto; padding: 28px 32px 48px; background: #fff; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 36px 0 8px; border-bottom: 2px solid #e0e0e0; padding-bottom: 4px; }
h3 { font-size: 16px; margin: 22px 0 6px; }
.sub { color: #555; margin: 0 0 20px; }
.headline { background: #e8f5e9; border-left: 8px solid #2e7d32; padding: 16px 20px;
            font-size: 28px; font-weight: bold; margin: 16px 0 6px; }
.headline.low { background: #fff3e0; border-left-color: #e65100; }
.facts { color: #333; font-size: 15px; line-height: 1.5; margin: 6px 0 0; }
table { border-collapse: collapse; width: 100%; font-size: 14px; margin: 6px 0 10px; }
th, td { padding: 5px 8px; border-bottom: 1px solid #e0e0e0; text-align: right;
         white-space: nowrap; }
td:first-child, td.reason { white-space: normal; }
th { white-space: normal; vertical-align: bottom; }
th { background: #f0f0f0; font-weight: 600; }
th:first-child, td:first-child, .reason { text-align: left; }
tr.sum td { font-weight: bold; border-top: 2px solid #bbb; }
.barbg { display: inline-block; position: relative; width: 60px; height: 10px;
         background: #f3d3c0; margin-left: 6px; }
.bar { position: absolute; left: 0; top: 0; height: 10px; background: #2e7d32; }
.note { color: #555; font-size: 13px; line-height: 1.45; }
dl.reasons dt { font-weight: 600; margin-top: 8px; }
dl.reasons dd { margin: 2px 0 0 18px; color: #333; }
figure { margin: 10px 0 6px; }
figcaption { color: #555; font-size: 13px; margin-top: 4px; }
"""


def de_number(value: float, digits: int = 0) -> str:
    """German notation: ``1.234,5``."""
    text = f"{value:,.{digits}f}"
    return text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")


def de_percent(ratio: float | None, digits: int = 0) -> str:
    """``0.873`` as ``87 %`` (a dash when undefined)."""
    return "\u2013" if ratio is None else f"{de_number(100 * ratio, digits)}\u00a0%"


def de_date(moment: datetime) -> str:
    """``3. Februar 2026``."""
    return f"{moment.day}. {MONTHS[moment.month - 1]} {moment.year}"


def de_duration(seconds: float | None) -> str:
    """A duration in German units."""
    text = duration(seconds)
    return "\u2013" if text == "-" else text.replace(".", ",").replace(" d", " Tage")


def _ratio_cell(f: Figures) -> str:
    if f.ratio is None:
        return "<td>&ndash;</td>"
    width = round(60 * f.ratio)
    bar = f'<span class="barbg"><span class="bar" style="width:{width}px"></span></span>'
    return f"<td>{de_percent(f.ratio)}{bar}</td>"


def _main_reason(f: Figures) -> str:
    return escape(label_de(f.reasons[0][0])) + f" ({f.reasons[0][1]})" if f.reasons else "\u2013"


def _row(label: str, f: Figures, *, css: str = "") -> str:
    cls = f' class="{css}"' if css else ""
    return (
        f"<tr{cls}><td>{escape(label)}</td><td>{f.volume}</td><td>{f.media_break_free}</td>"
        f"{_ratio_cell(f)}<td>{f.recovered}</td><td>{de_duration(f.p50_seconds)}</td>"
        f"<td>{de_duration(f.p95_seconds)}</td><td class='reason'>{_main_reason(f)}</td></tr>"
    )


def _head(first: str) -> str:
    return (
        f"<tr><th>{first}</th><th>Fälle</th><th>ohne Medien&shy;bruch</th><th>Quote</th>"
        "<th>nach&shy;geholt</th><th>Median</th><th>95&nbsp;%</th>"
        "<th class='reason'>häufigster Grund</th></tr>"
    )


def _overview_table(report: Report, names: Names) -> str:
    rows = [_row(names.tenant(t.tenant), t) for t in report.tenants]
    rows.append(_row("alle Partner", report.total, css="sum"))
    return f"<table>{_head('Partner')}{''.join(rows)}</table>"


def _tenant_table(report: Report, t: Figures, names: Names) -> str:
    services = sorted(report.services_of(t.tenant), key=lambda s: -s.volume)
    rows = [_row(names.service(s.service), s) for s in services]
    rows.append(_row("Summe", t, css="sum"))
    title = escape(names.tenant(t.tenant))
    return f"<h3>{title}</h3><table>{_head('Leistung')}{''.join(rows)}</table>"


def _headline(report: Report) -> str:
    t = report.total
    if not t.volume:
        return '<p class="headline low">Im Zeitraum wurde kein Fall abgeschlossen.</p>'
    css = "headline" if (t.ratio or 0) >= 0.8 else "headline low"
    text = f"{de_percent(t.ratio)} von {de_number(t.volume)} Fällen ohne Medienbruch"
    facts = [
        f"{de_number(t.media_breaks)} Fälle hatten einen Medienbruch"
        + (
            f", davon wurden {de_number(t.recovered)} später doch noch digital zugestellt"
            if t.recovered
            else ""
        )
        + "."
    ]
    if t.timed:
        facts.append(
            f"Vom Eingang bis zur Zustellung an Fachverfahren oder DMS vergingen im Median "
            f"{de_duration(t.p50_seconds)}; 95&nbsp;% der Fälle waren nach "
            f"{de_duration(t.p95_seconds)} zugestellt."
        )
    if t.reasons:
        facts.append(f"Häufigster Grund: {escape(label_de(t.reasons[0][0]))}.")
    return f'<p class="{css}">{text}</p><p class="facts">{" ".join(facts)}</p>'


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _reason_list(report: Report) -> str:
    seen = [r for r, _ in report.total.reasons]
    for kind in ("manual_route", "no_route", "rejected", "gave_up", "quarantined"):
        if not any(r.split(":", 1)[0] == kind for r in seen):
            seen.append(kind)
    items = "".join(
        f"<dt>{escape(label_de(r))}</dt><dd>{escape(_capital(explain(r).de))}</dd>" for r in seen
    )
    return f'<dl class="reasons">{items}</dl>'


def _figure(svg: str, caption: str) -> str:
    # the SVG document's XML header is not allowed inside HTML
    body = svg.split("?>", 1)[1] if svg.startswith("<?xml") else svg
    return f"<figure>{body}<figcaption>{escape(caption)}</figcaption></figure>"


def to_html(report: Report, names: Names | None = None) -> str:
    """The whole page: headline, tables per tenant, charts, reasons, how it is counted."""
    names = names or Names()
    p = report.period
    last_day = p.until - timedelta(microseconds=1)
    bucket = "Kalenderwoche" if report.bucket.value == "week" else "Tag"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="de"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Medienbruchfreiheit {de_date(p.since)} bis {de_date(last_day)}</title>",
        f"<style>{STYLE}</style></head><body><main>",
        "<h1>Wie digital kommen die Online-Anträge an?</h1>",
        f'<p class="sub">Zeitraum {de_date(p.since)} bis {de_date(last_day)} · '
        f"erstellt am {de_date(report.generated_at)}, "
        f"{report.generated_at:%H:%M} Uhr (UTC)</p>",
        _headline(report),
    ]
    if report.total.volume:
        parts += [
            "<h2>Überblick je Partner</h2>",
            _overview_table(report, names),
            '<p class="note">Quote: Anteil der Fälle ohne Medienbruch. Nachgeholt: Fälle mit '
            "Medienbruch, die nach Behebung der Ursache doch noch digital zugestellt wurden "
            "(sie zählen weiter als Medienbruch). Median und 95&nbsp;%: Zeit vom Eingang bis "
            "zur Zustellung; die Hälfte der Fälle war nach dem Median zugestellt, 95 von 100 "
            "nach der zweiten Angabe.</p>",
            "<h2>Entwicklung</h2>",
            _figure(
                to_svg(trend_chart(report, names)),
                f"Anteil der Fälle ohne Medienbruch je Partner und {bucket}; "
                "größere Punkte stehen für mehr Fälle.",
            ),
            "<h2>Ergebnisse je Partner und Leistung</h2>",
            *(_tenant_table(report, t, names) for t in report.tenants),
            '<h2 id="leistungen">Fälle je Leistung</h2>',
            _figure(
                to_svg(volume_chart(report, names)),
                "Alle Partner zusammen; grün ohne, orange mit Medienbruch.",
            ),
        ]
        if report.total.reasons:
            parts += [
                '<h2 id="gruende">Gründe für Medienbrüche</h2>',
                _figure(
                    to_svg(reasons_chart(report, names)),
                    "Ein Fall kann mehrere Gründe haben (z. B. zwei Zustellungen).",
                ),
            ]
    parts += [
        "<h2>Was die Gründe bedeuten</h2>",
        _reason_list(report),
        "<h2>Wie gezählt wird</h2>",
        '<p class="note">Gezählt wird jeder Fall (Antrag oder E-Rechnung), dessen erstes '
        "Endergebnis im Zeitraum liegt. Ohne Medienbruch ist ein Fall, wenn jede nötige "
        "Zustellung automatisch von einem digitalen Fachverfahren oder DMS angenommen wurde. "
        "Wurde ein Fall nach einem Medienbruch später doch digital zugestellt, bleibt er "
        "als Medienbruch gezählt und erscheint zusätzlich als nachgeholt. Tage und Wochen "
        "beginnen um Mitternacht UTC.</p>",
        "</main></body></html>",
    ]
    return "\n".join(parts) + "\n"
