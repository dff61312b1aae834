"""The ``hub`` command: run roles, submit, operate the local broker, run the demo."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hub import __version__
from hub.k8s.cli import add_parser as k8s_parser
from hub.recovery.cli import add_parser as dlq_parser
from hub.reporting.cli import add_parsers as reporting_parsers

ROLE_HELP = {
    "run": "start every role (intake, router, connectors, tracker, notifier) in one process",
    "intake": "serve the intake HTTP API (POST/GET /v1/applications)",
    "router": "route submitted cases to connector instances",
    "connector": "run every configured connector instance ('connector new NAME': scaffold one)",
    "tracker": "fold outcomes into case status; serve journeys",
    "notifier": "send status callbacks to the portals that configured one",
}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="hub",
        description="Integration hub for municipal e-government: portal submissions to back "
        "offices over Kafka, without media breaks. Settings come from HUB_* environment variables "
        "(see README, 'Settings').",
    )
    p.add_argument("--version", action="version", version=f"hub {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for role, text in ROLE_HELP.items():
        rp = sub.add_parser(role, help=text, description=text + ". Stops on SIGINT/SIGTERM.")
        if role == "run":
            rp.add_argument(
                "--roles",
                default="intake,router,connector,tracker,notifier",
                help="comma-separated subset to run in this process (default: %(default)s)",
            )
        if role == "connector":
            cn_sub = rp.add_subparsers(dest="connector_command", metavar="[new]")
            new = cn_sub.add_parser(
                "new",
                help="create a new connector package hub-connector-NAME/",
                description="Scaffold a connector distribution (settings, render, README, tests "
                "using the hub's conformance kit) that installs with pip, registers its kind "
                "under the hub.connectors entry points and passes the kit unchanged. See "
                "docs/tutorial-connector.md.",
            )
            new.add_argument("name", metavar="NAME", help="e.g. enaio-dms")
            new.add_argument("--kind", help="connector kind (default: municipal.<name>)")
            new.add_argument(
                "--transport",
                choices=["http", "directory"],
                default="http",
                help="transport of the example configuration (default: %(default)s)",
            )
            new.add_argument("--dir", type=Path, default=Path(), help="where (default: .)")

    c = sub.add_parser(
        "config",
        help="check the tenant and portal configuration",
        description="Validate config/ (tenants/*.yaml, portals.yaml, mappings/*.yaml): schema, "
        "references, area keys, rules that can never match, connector settings, field mappings "
        "(conversions, pointers), and that every referenced secret is present. Lists every "
        "problem with file, line and field; exit 0 when there is none. Warnings (a tenant no "
        "portal submits for, a mapping pointer none of the service's examples has, an example "
        "a mapping fails on) are listed too but keep exit 0.",
    )
    c_sub = c.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    v = c_sub.add_parser(
        "validate",
        help="validate a configuration directory",
        description="Validate DIR (default: HUB_CONFIG_DIR, else ./config).",
    )
    v.add_argument("dir", nargs="?", type=Path, help="configuration directory")
    v.add_argument(
        "--no-secrets",
        action="store_true",
        help="do not require the referenced secrets to be present (CI, review)",
    )
    v.add_argument(
        "--examples",
        type=Path,
        default=None,
        help="folder of example submissions (*.json) the mappings are tried on (default: "
        "examples/applications beside DIR, else the hub's own)",
    )

    r = sub.add_parser(
        "routes",
        help="show the routing rules, or explain where a document would go",
        description="'list' prints every tenant's rules in evaluation order; 'explain FILE' "
        "shows, for a submission JSON or an XRechnung XML, the responsible tenant, the rule "
        "that matches and the connectors, or why it would be refused or quarantined; with "
        "--render also what each connector would hand over.",
    )
    r_sub = r.add_subparsers(dest="routes_command", required=True, metavar="ACTION")
    rl = r_sub.add_parser(
        "list",
        help="every tenant's rules as a table",
        description="Every tenant's rules as a table, in evaluation order.",
    )
    rl.add_argument(
        "--format",
        choices=["table", "json"],
        default="table",
        help="table for people, json for scripts: a list of {tenant, rule, matches, to}",
    )
    e = r_sub.add_parser(
        "explain",
        help="explain the routing of submission or invoice files",
        description="Explain where each FILE (.json submission or .xml "
        "e-invoice) would be routed, without sending anything. Exit status 1 when intake "
        "would refuse a file or (with --render) a target would refuse it, e.g. because its "
        "mapping fails on the case.",
    )
    e.add_argument("files", nargs="+", type=Path, metavar="FILE")
    e.add_argument(
        "--render",
        action="store_true",
        help="also show the exact payload each target would receive (JSON and XML as text, "
        "long base64 by its length; ZIP archives as entries and sizes; PDF by size)",
    )

    dlq_parser(sub)
    reporting_parsers(sub)
    k8s_parser(sub)

    s = sub.add_parser(
        "submit",
        help="sign and post submission files to intake",
        description="Sign each JSON file with its portal's secret and POST it to "
        "/v1/applications. The portal is taken from the file's 'portal' field; its "
        "secret from the environment variable named in config/portals.yaml.",
    )
    s.add_argument("files", nargs="+", type=Path, metavar="FILE")
    s.add_argument(
        "--url", default="http://127.0.0.1:8080", help="intake base URL (default: %(default)s)"
    )
    s.add_argument("--secret", help="signing secret (default: from the portal's secret reference)")
    s.add_argument("--portal", help="portal client to sign as (required for .xml e-invoices)")

    k = sub.add_parser(
        "kafka",
        help="start, stop or check the local Kafka broker",
        description="Wraps scripts/kafka.sh: a single-node KRaft broker on "
        "127.0.0.1:9092 from jars fetched with Maven.",
    )
    k.add_argument("action", choices=["up", "down", "status", "reset"])

    d = sub.add_parser(
        "demo",
        help="run the whole hub on the examples and print a result table",
        description="Starts Kafka (if needed) and the hub, submits every file in "
        "examples/applications and examples/invoices, waits for each case's final status, "
        "prints a table and the media-break-free ratio, then stops what it started.",
    )
    d.add_argument(
        "--examples",
        type=Path,
        default=None,
        help="folder with applications/*.json and invoices/*.xml (default: examples/)",
    )
    d.add_argument(
        "--timeout", type=float, default=120.0, help="seconds to wait for final statuses"
    )
    return p


def _config_dir(given: Path | None) -> Path:
    from hub.settings import HubSettings

    return given or HubSettings().config_dir


def _examples_dir(config_dir: Path, given: Path | None) -> Path | None:
    from hub.runtime.local import PROJECT_ROOT

    if given is not None:
        return given
    for root in (config_dir.parent, PROJECT_ROOT):
        candidate = root / "examples" / "applications"
        if candidate.is_dir():
            return candidate
    return None


def _print_problems(what: str, problems: list[Any], config_dir: Path) -> None:
    if problems:
        print(f"{len(problems)} {what}(s) in {config_dir}:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)


def _validate(config_dir: Path, require_secrets: bool, examples: Path | None = None) -> int:
    import os

    from hub.config import ConfigError, load_config

    # connectors look mapping files up in HUB_MAPPINGS_DIR, else beside the configuration
    # they run with: make that the directory being validated
    saved = os.environ.get("HUB_MAPPINGS_DIR")
    os.environ.setdefault("HUB_MAPPINGS_DIR", str(config_dir / "mappings"))
    try:
        config = load_config(
            config_dir,
            require_secrets=require_secrets,
            examples_dir=_examples_dir(config_dir, examples),
        )
    except ConfigError as exc:
        _print_problems("problem", exc.problems, config_dir)
        _print_problems("warning", exc.warnings, config_dir)
        return 1
    finally:
        if saved is None:
            os.environ.pop("HUB_MAPPINGS_DIR", None)
    _print_problems("warning", list(config.warnings), config_dir)
    routes = sum(len(t.routes) for t in config.tenants.values())
    print(
        f"{config_dir}: valid ({len(config.tenants)} tenants, {routes} routes, "
        f"{len(config.portals)} portals)"
    )
    return 0


def _routes(args: argparse.Namespace) -> int:
    from hub.config import ConfigError, load_config
    from hub.intake.explain import explain, render_targets, route_table

    config_dir = _config_dir(None)
    try:
        config = load_config(config_dir, require_secrets=False)
    except ConfigError as exc:
        print(f"configuration invalid:\n{exc}", file=sys.stderr)
        return 2
    if args.routes_command == "list":
        if args.format == "json":
            keys = ("tenant", "rule", "matches", "to")
            print(json.dumps([dict(zip(keys, r, strict=True)) for r in route_table(config)]))
            return 0
        rows = [("tenant", "rule", "matches", "to"), *route_table(config)]
        widths = [max(len(r[i]) for r in rows) for i in range(3)]
        for row in rows:
            print("  ".join(c.ljust(w) for c, w in zip(row[:3], widths, strict=True)), row[3])
        return 0
    status = 0
    for path in args.files:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            print(f"{path}: cannot read: {exc.strerror}", file=sys.stderr)
            status = 1
            continue
        print(f"{path}:")
        explanation = explain(raw, config)
        print(explanation.render())
        if explanation.refused:
            status = 1
        if args.render and explanation.requests:
            lines, target_refused = render_targets(explanation, config)
            print("\n".join(lines))
            if target_refused:
                status = 1
    return status


def _portal_secrets(given: str | None) -> Callable[[str], str | None]:
    """The signing secret of a portal: ``given``, else its secret reference (config read once)."""
    from hub.config import load_config
    from hub.settings import HubSettings

    config = None if given else load_config(HubSettings().config_dir, require_secrets=False)

    def secret_of(portal: str) -> str | None:
        if given:
            return given
        if not (config is not None):
            raise RuntimeError("invariant broken: config is not None")
        client = config.portals.get(portal)
        resolved = client.secret.resolve() if client else None
        if resolved is None:
            where = client.secret.describe() if client else "an entry in config/portals.yaml"
            print(f"no secret for portal {portal!r}: set {where} or pass --secret", file=sys.stderr)
            return None
        return resolved.get_secret_value()

    return secret_of


def _submit(files: list[Path], url: str, secret: str | None, portal: str | None) -> int:
    import httpx

    from hub.config import ConfigError
    from hub.intake.client import IntakeClient

    try:
        secret_of = _portal_secrets(secret)
    except ConfigError as exc:
        print(f"configuration invalid:\n{exc}", file=sys.stderr)
        return 2
    failed = 0
    for path in files:
        try:
            body = path.read_bytes()
            is_invoice = body.lstrip()[:1] == b"<"
            sender = portal if is_invoice else json.loads(body)["portal"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            print(f"{path}: cannot read a submission with a 'portal' field: {exc}", file=sys.stderr)
            failed += 1
            continue
        if not sender:
            print(
                f"{path}: an e-invoice needs --portal (the sending portal client)", file=sys.stderr
            )
            failed += 1
            continue
        key = secret_of(sender)
        if key is None:
            failed += 1
            continue
        client = IntakeClient(url, sender, key)
        try:
            result = client.submit_invoice(body) if is_invoice else client.submit(body)
        except httpx.HTTPError as exc:
            # every further file would fail the same way
            print(f"hub submit: intake at {url} unreachable ({exc or type(exc).__name__}); "
                  f"is it running? (--url)", file=sys.stderr)  # fmt: skip
            return 1
        finally:
            client.close()
        case_id = result.body.get("invoiceId") or result.body.get("applicationId")
        if result.accepted:
            print(f"{path}: {result.status} {case_id}")
        else:
            failed += 1
            detail = result.body.get("detail") or result.body.get("errors") or ""
            print(
                f"{path}: {result.status} {result.body.get('title', '')} {detail}", file=sys.stderr
            )
    return 1 if failed else 0


def _run_roles(args: argparse.Namespace) -> int:
    from hub.config import ConfigError
    from hub.delivery.errors import ConnectorConfigError
    from hub.runtime.app import Role
    from hub.runtime.worker import run_roles
    from hub.settings import HubSettings

    if args.command == "run":
        try:
            roles = {Role(r.strip()) for r in args.roles.split(",") if r.strip()}
        except ValueError as exc:
            choices = ", ".join(r.value for r in Role)
            print(f"hub run --roles: {exc}; choose from {choices}", file=sys.stderr)
            return 2
    else:
        roles = {Role(args.command)}
    try:
        run_roles(HubSettings(), roles)
    except (ConfigError, ConnectorConfigError) as exc:
        print(f"configuration invalid:\n{exc}", file=sys.stderr)
        return 2
    return 0


DEV_TOOL = (
    "hub {command} is a development tool: it needs a source checkout (scripts/kafka.sh, "
    "examples/), and this hub is installed at {where}. In production, point HUB_KAFKA_BOOTSTRAP "
    "at your cluster."
)


def _kafka(args: argparse.Namespace) -> int:
    from hub.runtime.local import PROJECT_ROOT, in_checkout, kafka

    if not in_checkout():
        print(DEV_TOOL.format(command="kafka", where=PROJECT_ROOT), file=sys.stderr)
        return 2
    return kafka(args.action)


def _demo(args: argparse.Namespace) -> int:
    from hub.runtime.local import PROJECT_ROOT, in_checkout

    if not in_checkout():
        print(DEV_TOOL.format(command="demo", where=PROJECT_ROOT), file=sys.stderr)
        return 2
    from hub.demo import EXAMPLES, run_demo

    return run_demo(args.examples or EXAMPLES, timeout=args.timeout)


def _connector_new(args: argparse.Namespace) -> int:
    from hub.sdk.scaffold import ScaffoldError, create

    try:
        path = create(args.name, args.dir, kind=args.kind, transport=args.transport)
    except ScaffoldError as exc:
        print(f"hub connector new: {exc}", file=sys.stderr)
        return 2
    print(f"created {path}\nnext: pip install -e {path} && pytest {path}")
    return 0


def _dlq(args: argparse.Namespace) -> int:
    from hub.recovery.cli import run

    return run(args)


def _report(args: argparse.Namespace) -> int:
    from hub.reporting.cli import run_report

    return run_report(args)


def _status(args: argparse.Namespace) -> int:
    from hub.reporting.cli import run_status

    return run_status(args)


def _k8s(args: argparse.Namespace) -> int:
    from hub.k8s.cli import run

    return run(args)


def _connector(args: argparse.Namespace) -> int:
    if getattr(args, "connector_command", None) == "new":
        return _connector_new(args)
    return _run_roles(args)


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    **dict.fromkeys(ROLE_HELP, _run_roles),
    "connector": _connector,
    "submit": lambda a: _submit(a.files, a.url, a.secret, a.portal),
    "config": lambda a: _validate(_config_dir(a.dir), not a.no_secrets, a.examples),
    "routes": _routes,
    "kafka": _kafka,
    "demo": _demo,
    "dlq": _dlq,
    "report": _report,
    "status": _status,
    "k8s": _k8s,
}


#: commands that reach the broker with the settings: a typo there means talking to the wrong one
WARN_UNKNOWN_VARIABLES = frozenset({"dlq"})


def _warn_unknown_variables() -> None:
    """Tell about ``HUB_`` variables nobody reads (the roles log this themselves at start-up)."""
    import os

    from hub.settings import HubSettings, unknown_variables, variables_named_in

    named = variables_named_in(HubSettings().config_dir)
    for unknown in unknown_variables(os.environ, also_known=named):
        print(f"hub: warning: {unknown}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``hub`` command."""
    from pydantic import ValidationError

    from hub.settings import HubSettings, settings_problems

    args = _parser().parse_args(argv)
    try:
        if args.command in WARN_UNKNOWN_VARIABLES:
            _warn_unknown_variables()
        return COMMANDS[args.command](args)
    except ValidationError as exc:
        if exc.title != HubSettings.__name__:
            raise
        for line in settings_problems(exc):
            print(f"hub: invalid setting {line}", file=sys.stderr)
        return 2
