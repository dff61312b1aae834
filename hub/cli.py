"""The ``hub`` command: run roles, submit, operate the local broker, run the demo."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from hub import __version__

ROLE_HELP = {
    "run": "start every role (intake, router, connectors, tracker) in one process",
    "intake": "serve the intake HTTP API (POST/GET /v1/applications)",
    "router": "route submitted cases to connector instances",
    "connector": "run every configured connector instance",
    "tracker": "fold outcomes into case status; serve journeys",
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
        sub.add_parser(role, help=text, description=text + ". Stops on SIGINT/SIGTERM.")

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
        "examples/applications, waits for each case's final status, prints a table "
        "and the media-break-free ratio, then stops what it started.",
    )
    d.add_argument("--examples", type=Path, default=None, help="directory of submission JSON files")
    d.add_argument(
        "--timeout", type=float, default=120.0, help="seconds to wait for final statuses"
    )
    return p


def _submit(files: list[Path], url: str, secret: str | None) -> int:
    from hub.config import load_config
    from hub.intake.client import IntakeClient
    from hub.settings import HubSettings

    config = None
    failed = 0
    for path in files:
        try:
            body = path.read_bytes()
            portal = json.loads(body)["portal"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            print(f"{path}: cannot read a submission with a 'portal' field: {exc}", file=sys.stderr)
            failed += 1
            continue
        key = secret
        if key is None:
            config = config or load_config(HubSettings().config_dir, require_secrets=False)
            client_cfg = config.portals.get(portal)
            resolved = client_cfg.secret.resolve() if client_cfg else None
            if resolved is None:
                where = client_cfg.secret.describe() if client_cfg else "config/portals.yaml"
                print(
                    f"{path}: no secret for portal {portal!r}: set {where} or pass --secret",
                    file=sys.stderr,
                )
                failed += 1
                continue
            key = resolved.get_secret_value()
        client = IntakeClient(url, portal, key)
        try:
            result = client.submit(body)
        finally:
            client.close()
        if result.accepted:
            print(f"{path}: {result.status} {result.body.get('applicationId')}")
        else:
            failed += 1
            detail = result.body.get("detail") or result.body.get("errors") or ""
            print(
                f"{path}: {result.status} {result.body.get('title', '')} {detail}", file=sys.stderr
            )
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``hub`` command."""
    args = _parser().parse_args(argv)
    if args.command in ROLE_HELP:
        from hub.config import ConfigError
        from hub.runtime.app import STAGE_ROLES, Role
        from hub.runtime.worker import run_roles
        from hub.settings import HubSettings

        roles = {Role.intake, *STAGE_ROLES} if args.command == "run" else {Role(args.command)}
        try:
            run_roles(HubSettings(), roles)
        except ConfigError as exc:
            print(f"configuration invalid:\n{exc}", file=sys.stderr)
            return 2
        return 0
    if args.command == "submit":
        return _submit(args.files, args.url, args.secret)
    if args.command == "kafka":
        from hub.runtime.local import kafka

        return kafka(args.action)
    if args.command == "demo":
        from hub.demo import EXAMPLES, run_demo

        return run_demo(args.examples or EXAMPLES, timeout=args.timeout)
    return 2
