"""The official XRechnung validation, in process: XML Schema, EN 16931, then XRechnung rules.

Order, as KoSIT's validator runs it:

1. safe parsing (:func:`hub.formats.xrechnung.document.parse`): hostile XML is refused here,
   before any schema or stylesheet sees the document;
2. the rule set is chosen by the specification id (BT-24); unknown ones are refused;
3. XML Schema (UBL 2.1 Invoice/CreditNote or CII D16B) with lxml; a schema-invalid document
   stops here, since the Schematron rules presuppose the schema's structure;
4. the CEN EN 16931 Schematron (UBL or CII), then KoSIT's XRechnung Schematron, both compiled
   XSLT run by SaxonC-HE (``saxonche``); their SVRL becomes findings.

Every stylesheet is compiled once, when the validator is made (about 2 s). After that the
Saxon processor may open no URI at all (``allowedProtocols`` is emptied), so neither a
document nor a rule can make it read files or the network.

Threads: saxonche holds the GIL for the whole of every call (its Cython wrapper never
releases it), so a validation in a worker thread stalls an asyncio loop just as much as one
on the loop itself. One instance may be called from several threads (a lock serialises the
Saxon part; nothing runs in parallel anyway). For asyncio use
:class:`hub.formats.xrechnung.pool.AsyncXRechnungValidator`, which runs validators in worker
processes.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from lxml import etree
from saxonche import PySaxonApiError, PySaxonProcessor, PyXsltExecutable

from hub.formats.xrechnung.document import InvoiceDocument, parse
from hub.formats.xrechnung.report import (
    Finding,
    Source,
    ValidationReport,
    svrl_findings,
    xsd_findings,
)
from hub.formats.xrechnung.rules import (
    SPECIFICATIONS,
    RuleSet,
    SchemaFiles,
    Syntax,
    default_rules_dir,
    rule_set,
)

_ALLOWED_PROTOCOLS = "http://saxon.sf.net/feature/allowedProtocols"
_SYNTAXES: tuple[Syntax, ...] = ("ubl", "cii")
XSLT_ERROR_RULE = "XSLT"


def _load_schema(files: SchemaFiles) -> etree.XMLSchema:
    """One schema importing every file in order, so imports by namespace alone resolve."""
    imports = "".join(
        f'<xsd:import namespace="{namespace}" schemaLocation="{path.resolve().as_uri()}"/>'
        for namespace, path in files.imports
    )
    driver = f'<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema">{imports}</xsd:schema>'
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.XMLSchema(etree.fromstring(driver.encode(), parser))


class XRechnungValidator:
    """Validates XRechnung documents (UBL and CII) against the official rules.

    ``rules_dir`` defaults to :func:`~hub.formats.xrechnung.rules.default_rules_dir`. Making
    one compiles every stylesheet (raises :class:`~hub.formats.xrechnung.errors.RulesNotFoundError`
    when the rules were not fetched); keep one per process.
    """

    def __init__(self, rules_dir: Path | None = None) -> None:
        self.rules_dir = rules_dir or default_rules_dir()
        self._rule_sets = {
            (spec, syntax): rule_set(self.rules_dir, spec, syntax)
            for spec in SPECIFICATIONS
            for syntax in _SYNTAXES
        }
        self._schemas: dict[SchemaFiles, etree.XMLSchema] = {}
        self._stylesheets: dict[Path, PyXsltExecutable] = {}
        self._processor = PySaxonProcessor(license=False)
        compiler = self._processor.new_xslt30_processor()
        for rules in self._rule_sets.values():
            for path in (rules.en16931, rules.xrechnung):
                if path not in self._stylesheets:
                    self._stylesheets[path] = compiler.compile_stylesheet(stylesheet_file=str(path))
            for files in rules.xsd.values():
                if files not in self._schemas:
                    self._schemas[files] = _load_schema(files)
        # the rules are compiled: from now on no URI may be opened, by a rule or a document
        self._processor.set_configuration_property(_ALLOWED_PROTOCOLS, "")
        self._lock = threading.Lock()

    def validate(self, document: bytes) -> ValidationReport:
        """Validate one document.

        Raises :class:`~hub.formats.xrechnung.errors.HostileXmlError`,
        :class:`~hub.formats.xrechnung.errors.MalformedXmlError` or
        :class:`~hub.formats.xrechnung.errors.UnsupportedSpecificationError` when it cannot be
        validated at all; otherwise every problem is a finding in the report.
        """
        started = time.perf_counter()
        parsed = parse(document)
        rules = self._rule_sets.get((parsed.specification, parsed.syntax))
        if rules is None:  # raises UnsupportedSpecificationError with the list of known ids
            rules = rule_set(self.rules_dir, parsed.specification, parsed.syntax)
        findings = self._schema_findings(parsed, rules)
        if not findings:
            findings = self._schematron_findings(parsed, rules)
        return ValidationReport(
            specification=parsed.specification,
            syntax=parsed.syntax,
            rules=rules.label,
            findings=tuple(findings),
            seconds=time.perf_counter() - started,
        )

    def _schema_findings(self, parsed: InvoiceDocument, rules: RuleSet) -> list[Finding]:
        schema = self._schemas[rules.xsd[parsed.document_type]]
        if schema.validate(parsed.root.getroottree()):
            return []
        return xsd_findings(schema.error_log)

    def _schematron_findings(self, parsed: InvoiceDocument, rules: RuleSet) -> list[Finding]:
        # the checked tree, serialised: Saxon sees exactly what passed the safety checks
        text = etree.tostring(parsed.root, encoding="unicode")
        findings: list[Finding] = []
        with self._lock:
            node = self._processor.parse_xml(xml_text=text)
            stages: tuple[tuple[Source, Path], ...] = (
                ("en16931", rules.en16931),
                ("xrechnung", rules.xrechnung),
            )
            for source, path in stages:
                try:
                    svrl = self._stylesheets[path].transform_to_string(xdm_node=node)
                except PySaxonApiError as exc:
                    message = " ".join(str(exc).split())
                    findings.append(Finding(XSLT_ERROR_RULE, "fatal", "/", message, source))
                    continue
                findings.extend(svrl_findings(svrl or "", source, rules.overrides))
        return findings
