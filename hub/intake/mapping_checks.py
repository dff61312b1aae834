"""Check the field mappings the tenants' connectors use, before any case meets them.

A connector of a mapping-driven kind (``procedure.rest``, ``procedure.xoev``)
names its mapping per Leistungsschlüssel in ``options.mappings``: a file under
the mappings directory or the rules inline. Errors, with the mapping file's (or
tenant file's) line and the rule: an unknown conversion, bad pointer syntax, any
other rule the engine cannot take, a file that cannot be read. Warnings, given
example submissions (``examples/applications/*.json``): pointers that resolve on
none of the examples of the service, and examples the mapping fails on.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hub.config.loader import ConfigProblem, _Doc, _line_of, _read_yaml
from hub.config.tenants import Tenant
from hub.formats.mapping import (
    MappingError,
    MappingSpec,
    Problem,
    application_document,
    apply_mapping,
    check_mapping,
)
from hub.ids import application_id, delivery_id
from hub.intake.submission import Submission, to_application

MAPPINGS_DIR_ENV = "HUB_MAPPINGS_DIR"


@dataclass(frozen=True)
class Example:
    """One example submission: its file, its service and its case document (without ``meta``
    ids of a delivery, which are added per connector)."""

    path: Path
    service: str
    document: dict[str, Any]


@dataclass
class MappingFindings:
    """What the mapping checks found; ``failed`` holds (tenant, connector) with an error."""

    errors: list[ConfigProblem] = field(default_factory=list)
    warnings: list[ConfigProblem] = field(default_factory=list)
    failed: set[tuple[str, str]] = field(default_factory=set)


def mappings_directory(config_dir: Path) -> Path:
    """``$HUB_MAPPINGS_DIR``, else ``<config_dir>/mappings`` (where connectors look too)."""
    given = os.environ.get(MAPPINGS_DIR_ENV)
    return Path(given) if given else config_dir / "mappings"


def load_examples(examples_dir: Path) -> list[Example]:
    """Every example submission intake would accept, as a case document; others are skipped
    (intake's own tests cover them)."""
    found = []
    for path in sorted(examples_dir.glob("*.json")):
        try:
            submission = Submission.model_validate(json.loads(path.read_bytes()))
        except ValueError:
            continue
        uris = [f"blob:sha256:{a.sha256}" for a in submission.attachments]
        app = to_application(submission, uris)
        found.append(Example(path, submission.service.leikaId, application_document(app)))
    return found


def _case(example: Example, tenant: str, connector: str) -> dict[str, Any]:
    doc = dict(example.document)
    meta = doc["meta"]
    case_id = application_id(meta["portal"], meta["submissionId"])
    doc["meta"] = {
        "caseId": case_id,
        "deliveryId": delivery_id(case_id, tenant, connector),
        "tenant": tenant,
        "connector": connector,
        **meta,
        "requestedAt": datetime.now(UTC).isoformat(),
    }
    return doc


def _routed_to(tenant: Tenant, connector: str, service: str) -> bool:
    """Whether the first rule of ``tenant`` matching ``service`` sends it to ``connector``."""
    rule = next((r for r in tenant.routes if r.service in (service, "*")), None)
    return rule is not None and connector in rule.to


def _examples_for(
    tenant: Tenant, connector: str, key: str, keys: set[str], examples: list[Example]
) -> list[Example]:
    if key != "*":
        return [e for e in examples if e.service == key]
    return [
        e for e in examples if e.service not in keys and _routed_to(tenant, connector, e.service)
    ]


def _loc(where: str) -> tuple[str | int, ...]:
    return tuple(int(p) if p.isdigit() else p for p in where.split("."))


@dataclass(frozen=True)
class _Source:
    """Where a mapping's rules are written: a file, or inline below ``base`` in a tenant file."""

    file: str
    doc: _Doc
    base: tuple[str | int, ...]
    data: Any

    def locate(self, where: str) -> tuple[str, int | None]:
        """Field path and line of ``where`` (``mapping.3.convert.0``) in this source."""
        loc = _loc(where)
        if not isinstance(self.data, dict) and loc[:1] == ("mapping",):
            loc = loc[1:]  # a bare list of rules: the rule index comes first
        full = (*self.base, *loc)
        return ".".join(map(str, full)), _line_of(self.doc, full)


def _source(
    ref: Any, directory: Path, tenant_file: str, tenant_doc: _Doc, base: tuple[str | int, ...]
) -> _Source | str:
    """The mapping's source, or why it cannot be read."""
    if not isinstance(ref, str):
        return _Source(tenant_file, tenant_doc, base, ref)
    name = ref if ref.endswith((".yaml", ".yml")) else f"{ref}.yaml"
    if Path(name).name != name:
        return f"mapping file {ref!r}: give a file name in {directory}, no path"
    path = directory / name
    read: list[ConfigProblem] = []
    doc = _read_yaml(path, read)
    if doc is None:
        return f"mapping file {path}: {read[0].message}"
    return _Source(str(path), doc, (), doc.data)


def _problem(source: _Source, found: Problem, message: str | None = None) -> ConfigProblem:
    field_path, line = source.locate(found.where)
    return ConfigProblem(source.file, field_path, message or found.message, line)


def check_mappings(
    config_dir: Path,
    tenants: Mapping[str, Tenant],
    docs: Mapping[str, tuple[Path, _Doc]],
    examples: list[Example] | None = None,
) -> MappingFindings:
    """Every mapping of every tenant's connectors, checked; see the module docstring."""
    findings = MappingFindings()
    directory = mappings_directory(config_dir)
    for tenant in tenants.values():
        tenant_path, tenant_doc = docs[tenant.id]
        for cid, conn in tenant.connectors.items():
            table = conn.options.get("mappings")
            if not isinstance(table, dict):
                continue
            keys = {str(k) for k in table}
            for key, ref in table.items():
                base: tuple[str | int, ...] = ("connectors", cid, "options", "mappings", key)
                source = _source(ref, directory, str(tenant_path), tenant_doc, base)
                if isinstance(source, str):
                    line = _line_of(tenant_doc, base)
                    findings.errors.append(
                        ConfigProblem(str(tenant_path), ".".join(map(str, base)), source, line)
                    )
                    findings.failed.add((tenant.id, cid))
                    continue
                errors = check_mapping(source.data)
                if errors:
                    findings.errors += [_problem(source, p) for p in errors]
                    findings.failed.add((tenant.id, cid))
                    continue
                if examples is None:
                    continue
                spec = MappingSpec.model_validate(source.data)
                chosen = _examples_for(tenant, cid, str(key), keys, examples)
                at = (tenant.id, cid, str(key))
                findings.warnings += _fit(source, spec, chosen, at)
    return findings


def _fit(
    source: _Source, spec: MappingSpec, chosen: list[Example], at: tuple[str, str, str]
) -> list[ConfigProblem]:
    """Warnings of a valid mapping of ``at`` (tenant, connector, service key) against the
    examples of its service."""
    tenant, cid, key = at
    if not chosen:
        return []
    cases = [_case(e, tenant, cid) for e in chosen]
    names = ", ".join(e.path.name for e in chosen)
    # one warning per pointer, at its first rule: several rules reading one form field that
    # the examples lack are one finding
    unused: dict[str, list[Problem]] = {}
    for p in check_mapping(spec, cases):
        if p.code == "pointer_unused":
            unused.setdefault(p.message.split(" ", 1)[0], []).append(p)
    found = []
    for pointer, rules in unused.items():
        message = f"{pointer} resolves on none of the examples of service {key} ({names})"
        if len(rules) > 1:
            message += f"; also read by {', '.join(r.where for r in rules[1:])}"
        found.append(_problem(source, rules[0], message))
    for example, case in zip(chosen, cases, strict=True):
        try:
            apply_mapping(spec, case)
        except MappingError as exc:
            rule = next(
                (
                    i
                    for i, r in enumerate(spec.mapping)
                    if exc.target == r.target or exc.target.startswith(f"{r.target}[")
                ),
                None,
            )
            field_path, line = source.locate("mapping" if rule is None else f"mapping.{rule}")
            message = f"fails on example {example.path.name}: {exc}"
            found.append(ConfigProblem(source.file, field_path, message, line))
    return found
