"""Findings and the validation report; SVRL and XML Schema errors turned into findings."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from lxml import etree

from hub.formats.xrechnung.document import NS
from hub.formats.xrechnung.rules import Severity, Syntax

Source = Literal["xsd", "en16931", "xrechnung"]
XSD_RULE = "XSD"
SVRL = "http://purl.oclc.org/dsdl/svrl"

# SVRL flags: "fatal" and "error" reject, "warning" and "information" only inform.
_FATAL_FLAGS = frozenset({"fatal", "error"})
_PREFIXES = {uri: prefix for prefix, uri in NS.items()}
_STEP = re.compile(r"\*:([\w.-]+)\[namespace-uri\(\)='([^']*)'\]")


@dataclass(frozen=True)
class Finding:
    """One failed rule: its id (e.g. ``BR-CO-15``), severity, where, and the rule's text."""

    rule_id: str
    severity: Severity
    location: str
    text: str
    source: Source

    def to_json(self) -> dict[str, str]:
        """The finding as a JSON object."""
        return {
            "rule_id": self.rule_id,
            "severity": self.severity,
            "location": self.location,
            "text": self.text,
            "source": self.source,
        }


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of validating one document: every finding of every stage that ran."""

    specification: str
    syntax: Syntax
    rules: str
    findings: tuple[Finding, ...]
    seconds: float

    @property
    def valid(self) -> bool:
        """True when no finding is fatal (warnings never make an invoice invalid)."""
        return not any(f.severity == "fatal" for f in self.findings)

    @property
    def fatal(self) -> tuple[Finding, ...]:
        """The findings that make the document invalid."""
        return tuple(f for f in self.findings if f.severity == "fatal")

    def rule_ids(self, severity: Severity | None = None) -> set[str]:
        """The ids of the rules that fired (optionally of one severity)."""
        return {f.rule_id for f in self.findings if severity in (None, f.severity)}

    def to_json(self) -> dict[str, Any]:
        """The report as a JSON object (for a 422 answer or the finance summary)."""
        return {
            "valid": self.valid,
            "specification": self.specification,
            "syntax": self.syntax,
            "rules": self.rules,
            "seconds": round(self.seconds, 6),
            "findings": [f.to_json() for f in self.findings],
        }


def compact_location(location: str) -> str:
    """``/*:Invoice[namespace-uri()='…Invoice-2'][1]`` -> ``/ubl:Invoice[1]`` (known prefixes)."""

    def step(match: re.Match[str]) -> str:
        prefix = _PREFIXES.get(match.group(2))
        return f"{prefix}:{match.group(1)}" if prefix else match.group(0)

    return _STEP.sub(step, location)


def svrl_findings(svrl: str, source: Source, overrides: Mapping[str, Severity]) -> list[Finding]:
    """Failed asserts and successful reports of an SVRL document, as findings."""
    root = etree.fromstring(svrl.encode("utf-8"), etree.XMLParser(resolve_entities=False))
    findings = []
    for node in root.iter(f"{{{SVRL}}}failed-assert", f"{{{SVRL}}}successful-report"):
        rule_id = node.get("id") or ""
        flag = (node.get("flag") or node.get("role") or "fatal").strip().lower()
        severity: Severity = "fatal" if flag in _FATAL_FLAGS else "warning"
        severity = overrides.get(rule_id, severity)
        text_node = node.find(f"{{{SVRL}}}text")
        text = " ".join((text_node.text or "").split()) if text_node is not None else ""
        location = compact_location(node.get("location") or "")
        findings.append(Finding(rule_id, severity, location, text, source))
    return findings


def xsd_findings(errors: Any) -> list[Finding]:
    """lxml schema error log entries as findings (rule ``XSD``, with line and path)."""
    return [
        Finding(
            XSD_RULE,
            "fatal",
            f"line {entry.line}" + (f", {entry.path}" if getattr(entry, "path", None) else ""),
            " ".join(str(entry.message).split()),
            "xsd",
        )
        for entry in errors
    ]
