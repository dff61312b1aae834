"""Load and check the configuration directory, reporting every problem with file and field.

Layout::

    <config_dir>/portals.yaml         portal clients
    <config_dir>/tenants/<id>.yaml    one file per tenant

String values may use ``${NAME}`` or ``${NAME:-default}`` to take a value from the
environment (paths of mounted volumes, for instance); secrets use ``SecretRef``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import yaml
from pydantic import SecretStr, ValidationError

from hub.config.portals import PortalClient, PortalsFile
from hub.config.tenants import Tenant

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


@dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong with the configuration."""

    file: str
    field: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field or '(file)'}: {self.message}"


class ConfigError(Exception):
    """The configuration is unusable; ``problems`` lists every problem found, ``warnings``
    what is suspicious but usable."""

    def __init__(
        self, problems: list[ConfigProblem], warnings: list[ConfigProblem] | None = None
    ) -> None:
        self.problems = problems
        self.warnings = warnings or []
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class HubConfig:
    """Validated tenants and portal clients, with their secrets resolved."""

    tenants: dict[str, Tenant]
    portals: dict[str, PortalClient]
    #: every portal's active secrets: the current one first, then the next during a rotation
    portal_secrets: dict[str, tuple[SecretStr, ...]] = field(default_factory=dict)
    #: suspicious but usable (a tenant no portal submits for, a mapping pointer no example has)
    warnings: tuple[ConfigProblem, ...] = ()

    def tenant(self, tenant_id: str) -> Tenant:
        """Tenant by id (KeyError when unknown)."""
        return self.tenants[tenant_id]

    @property
    def services(self) -> frozenset[str]:
        """Every service a rule names (``xrechnung`` stands for e-invoices): the bounded set of
        values a ``service`` metric label may take besides ``other``."""
        named = {r.service for t in self.tenants.values() for r in t.routes if r.service != "*"}
        return frozenset({*named, "xrechnung"})

    def signing_secret(self, portal: str) -> SecretStr | None:
        """The secret the hub signs a portal's callbacks with: its current one."""
        active = self.portal_secrets.get(portal)
        return active[0] if active else None


def _expand(value: Any) -> Any:
    if isinstance(value, str):
        return _VAR.sub(lambda m: os.environ.get(m.group(1), m.group(2) or ""), value)
    if isinstance(value, dict):
        return {k: _expand(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v) for v in value]
    return value


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that remembers the line of every mapping key (by id of the mapping)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.lines: dict[int, dict[Any, int]] = {}


@dataclass(frozen=True)
class _Doc:
    data: Any
    lines: dict[int, dict[Any, int]]


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    mapping: dict[Any, Any] = {}
    lines: dict[Any, int] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        mapping[key] = loader.construct_object(value_node, deep=True)
        lines[key] = key_node.start_mark.line + 1
    loader.lines[id(mapping)] = lines
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _line_of(doc: _Doc, loc: tuple[int | str, ...]) -> int | None:
    line = None
    node = doc.data
    for part in loc:
        if isinstance(node, dict) and part in node:
            line = doc.lines.get(id(node), {}).get(part, line)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
            item_lines = doc.lines.get(id(node), {}) if isinstance(node, dict) else {}
            line = min(item_lines.values(), default=line)
        else:
            break
    return line


def _read_yaml(path: Path, problems: list[ConfigProblem]) -> _Doc | None:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        problems.append(ConfigProblem(str(path), "", f"cannot read: {exc.strerror}"))
        return None
    loader = _LineLoader(text)
    try:
        return _Doc(loader.get_single_data(), loader.lines)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        problems.append(ConfigProblem(str(path), "", f"invalid YAML: {what}", line))
        return None
    finally:
        loader.dispose()


def _validation_problems(path: Path, doc: _Doc, exc: ValidationError) -> Iterator[ConfigProblem]:
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function")))
        # drop the discriminator tag pydantic inserts for tagged unions
        loc = tuple(p for p in loc if p not in ("directory", "http") or p == loc[-1])
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key (not allowed here)"
        elif err["type"] == "missing":
            msg = "required field missing"
        yield ConfigProblem(str(path), ".".join(str(p) for p in loc), msg, _line_of(doc, loc))


Docs = dict[str, tuple[Path, _Doc]]


def _load_tenants(
    config_dir: Path, problems: list[ConfigProblem], *, check_connectors: bool
) -> tuple[dict[str, Tenant], Docs]:
    tenant_dir = config_dir / "tenants"
    files = sorted([*tenant_dir.glob("*.yaml"), *tenant_dir.glob("*.yml")])
    if not files:
        problems.append(ConfigProblem(str(tenant_dir), "", "no tenant files (*.yaml) found"))
    tenants: dict[str, Tenant] = {}
    docs: Docs = {}
    for path in files:
        doc = _read_yaml(path, problems)
        if doc is None:
            continue
        if not isinstance(doc.data, dict):
            problems.append(ConfigProblem(str(path), "", "must be a mapping of tenant fields"))
            continue
        try:
            tenant = Tenant.model_validate(_expand(doc.data))
        except ValidationError as exc:
            problems.extend(_validation_problems(path, doc, exc))
            continue
        if tenant.id != path.stem:
            problems.append(
                ConfigProblem(
                    str(path),
                    "id",
                    f"id {tenant.id!r} must match the file name",
                    _line_of(doc, ("id",)),
                )
            )
        if tenant.id in tenants:
            problems.append(ConfigProblem(str(path), "id", f"duplicate tenant id {tenant.id!r}"))
        for loc, message in tenant.reference_problems():
            problems.append(
                ConfigProblem(str(path), ".".join(map(str, loc)), message, _line_of(doc, loc))
            )
        _check_routes(path, doc, tenant, problems)
        for field_path, ref in tenant.secret_refs():
            if ref.resolve() is None:
                loc = tuple(field_path.split("."))
                problems.append(
                    ConfigProblem(
                        str(path),
                        field_path,
                        f"secret missing: set {ref.describe()}",
                        _line_of(doc, loc),
                    )
                )
        tenants[tenant.id] = tenant
        docs[tenant.id] = (path, doc)
    _check_areas(tenants, docs, problems)
    return tenants, docs


#: checks that need more than the configuration models (connector kinds, their options) are
#: plugins of this entry-point group, so that configuration never imports the layers built on it
CHECKS_GROUP = "hub.config_checks"
MAPPING_CHECKS_GROUP = "hub.config_mapping_checks"
TenantCheck = Callable[[Mapping[str, Tenant]], list[tuple[str, str, str]]]


def _check_connectors(
    tenants: dict[str, Tenant],
    docs: Docs,
    problems: list[ConfigProblem],
    reported: set[tuple[str, str]] = frozenset(),  # type: ignore[assignment]
) -> None:
    """Connector kinds installed, their options valid, routes sending what they can take;
    mapping problems of the ``reported`` (tenant, connector) pairs are already listed."""
    checks: list[TenantCheck] = [ep.load() for ep in entry_points(group=CHECKS_GROUP)]
    for check in checks:
        for tenant_id, field_path, message in check(tenants):
            if any(
                (tenant_id, cid) in reported
                and field_path.startswith(f"connectors.{cid}.options.mappings")
                for cid in tenants[tenant_id].connectors
            ):
                continue
            path, doc = docs[tenant_id]
            loc = tuple(int(p) if p.isdigit() else p for p in field_path.split("."))
            problems.append(ConfigProblem(str(path), field_path, message, _line_of(doc, loc)))


def _check_areas(
    tenants: dict[str, Tenant], docs: dict[str, tuple[Path, _Doc]], problems: list[ConfigProblem]
) -> None:
    """Area keys and Leitweg-ID prefixes belong to one tenant each."""
    seen: dict[tuple[str, str], str] = {}
    for t in tenants.values():
        keys = [("ags", t.ags), ("ars", t.ars)] + [
            (f"leitweg_ids.{i}", p) for i, p in enumerate(t.leitweg_ids)
        ]
        for field_path, key in keys:
            if key is None:
                continue
            kind = "leitweg" if field_path.startswith("leitweg") else "area"
            owner = seen.setdefault((kind, key), t.id)
            if owner != t.id:
                path, doc = docs[t.id]
                loc = tuple(int(p) if p.isdigit() else p for p in field_path.split("."))
                problems.append(
                    ConfigProblem(
                        str(path),
                        field_path,
                        f"{key} is also claimed by tenant {owner!r}",
                        _line_of(doc, loc),
                    )
                )


def _check_routes(path: Path, doc: _Doc, tenant: Tenant, problems: list[ConfigProblem]) -> None:
    """Rules that can never match, and invoices with nowhere to go."""
    first_for: dict[str, int] = {}
    for i, rule in enumerate(tenant.routes):
        earlier = first_for.get(rule.service, first_for.get("*"))
        if earlier is not None:
            problems.append(
                ConfigProblem(
                    str(path),
                    f"routes.{i}",
                    f"never matches: routes.{earlier} ({tenant.routes[earlier].label}) "
                    f"already takes service {rule.service}",
                    _line_of(doc, ("routes", i)),
                )
            )
        first_for.setdefault(rule.service, i)
    if tenant.leitweg_ids and tenant.invoices is None and tenant.fallback is None:
        problems.append(
            ConfigProblem(
                str(path),
                "invoices",
                "leitweg_ids are given but neither invoices.to nor a fallback: "
                "every invoice would be quarantined",
                _line_of(doc, ("leitweg_ids",)),
            )
        )


def _load_portals(
    config_dir: Path, tenant_ids: set[str], problems: list[ConfigProblem]
) -> tuple[dict[str, PortalClient], dict[str, tuple[SecretStr, ...]]]:
    path = config_dir / "portals.yaml"
    doc = _read_yaml(path, problems)
    if doc is None:
        return {}, {}
    try:
        parsed = PortalsFile.model_validate(_expand(doc.data))
    except ValidationError as exc:
        problems.extend(_validation_problems(path, doc, exc))
        return {}, {}
    secrets: dict[str, tuple[SecretStr, ...]] = {}
    for name, client in parsed.portals.items():
        for i, tenant_id in enumerate(client.tenants):
            if tenant_ids and tenant_id not in tenant_ids:
                loc = ("portals", name, "tenants", i)
                problems.append(
                    ConfigProblem(
                        str(path),
                        ".".join(map(str, loc)),
                        f"unknown tenant {tenant_id!r}",
                        _line_of(doc, loc),
                    )
                )
        active: list[SecretStr] = []
        for key, ref in (("secret", client.secret), ("next_secret", client.next_secret)):
            if ref is None:
                continue
            secret = ref.resolve()
            if secret is None:
                problems.append(
                    ConfigProblem(
                        str(path),
                        f"portals.{name}.{key}",
                        f"secret missing: set {ref.describe()}",
                        _line_of(doc, ("portals", name, key)),
                    )
                )
            else:
                active.append(secret)
        if active:
            secrets[name] = tuple(active)
    return parsed.portals, secrets


def _unsubmittable(
    tenants: dict[str, Tenant], docs: Docs, portals: dict[str, PortalClient]
) -> list[ConfigProblem]:
    """A tenant no portal may submit for gets no case: a warning naming its file."""
    allowed = {t for client in portals.values() for t in client.tenants}
    found = []
    for tenant_id in sorted(set(tenants) - allowed):
        path, doc = docs[tenant_id]
        found.append(
            ConfigProblem(
                str(path),
                "id",
                f"no portal may submit for tenant {tenant_id!r}: add it to the tenants of a "
                "portal in portals.yaml",
                _line_of(doc, ("id",)),
            )
        )
    return found


def load_config(
    config_dir: Path,
    *,
    require_secrets: bool = True,
    check_connectors: bool = True,
    examples_dir: Path | None = None,
) -> HubConfig:
    """Load and validate ``config_dir``; raise :class:`ConfigError` listing every problem.

    With ``require_secrets=False`` missing secrets are not problems (for tools
    that only read routes); ``check_connectors=False`` skips building the
    connector instances (kinds, options, what routes send them) and checking
    their mappings. ``examples_dir`` (``examples/applications``) adds warnings
    for mapping pointers that none of a service's examples has.
    """
    problems: list[ConfigProblem] = []
    warnings: list[ConfigProblem] = []
    if not config_dir.is_dir():
        raise ConfigError([ConfigProblem(str(config_dir), "", "configuration directory not found")])
    tenants, docs = _load_tenants(config_dir, problems, check_connectors=check_connectors)
    if check_connectors:
        failed: set[tuple[str, str]] = set()
        # the field-mapping checks need the layers built on this one (the mapping engine,
        # intake's reading of example submissions), so they come as a plugin too
        for ep in entry_points(group=MAPPING_CHECKS_GROUP):
            checks = ep.load()
            examples = checks.load_examples(examples_dir) if examples_dir is not None else None
            findings = checks.check_mappings(config_dir, tenants, docs, examples)
            problems += findings.errors
            warnings += findings.warnings
            failed |= findings.failed
        _check_connectors(tenants, docs, problems, failed)
    # a tenant whose file is broken is reported there, not again as unknown in portals.yaml
    tenant_ids = {p.stem for p in (config_dir / "tenants").glob("*.y*ml")}
    portals, secrets = _load_portals(config_dir, tenant_ids, problems)
    if portals:
        warnings += _unsubmittable(tenants, docs, portals)
    if not require_secrets:
        problems = [p for p in problems if not p.message.startswith("secret missing")]
    if problems:
        raise ConfigError(problems, warnings)
    return HubConfig(
        tenants=tenants, portals=portals, portal_secrets=secrets, warnings=tuple(warnings)
    )
