"""``hub k8s render``: Kubernetes manifests from the tenant configuration."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hub.config import ConfigError
from hub.k8s.kustomize import base_tree, overlay_tree, write_tree
from hub.k8s.options import RenderError, RenderOptions

#: where the PrometheusRule and the dashboard live in a checkout (deploy/prometheus, deploy/grafana)
DEFAULT_MONITORING = Path(__file__).resolve().parents[2] / "deploy"


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``hub k8s`` and its actions."""
    k = sub.add_parser(
        "k8s",
        help="render Kubernetes manifests from the configuration",
        description="Kustomize directories for the hub next to a Strimzi Kafka, the "
        "Prometheus Operator and KEDA: one Deployment, KafkaUser and ScaledObject per role "
        "and per connector instance, a KafkaTopic per declared topic, NetworkPolicies, "
        "monitors. See docs/operations.md.",
    )
    actions = k.add_subparsers(dest="k8s_command", required=True, metavar="ACTION")
    r = actions.add_parser(
        "render",
        help="write a kustomize base (or, with --base, an overlay adding tenants)",
        description="Render DIR (tenants/*.yaml, portals.yaml) into OUT: a base with a copy "
        "of the configuration for configMapGenerator. With --base, DIR holds only the tenant "
        "files to add (and optionally a portals.yaml replacing the base's), lies inside OUT, "
        "and OUT becomes an overlay of BASE with just the resources the new tenants bring. "
        "Output is deterministic: render again after every configuration change.",
    )
    r.add_argument("--config", type=Path, required=True, metavar="DIR", help="configuration")
    r.add_argument("--out", type=Path, required=True, metavar="OUT", help="output directory")
    r.add_argument("--base", type=Path, metavar="BASE", help="render an overlay of this base")
    r.add_argument(
        "--monitoring",
        type=Path,
        default=DEFAULT_MONITORING,
        metavar="DIR",
        help="where prometheus/prometheusrule.yaml and grafana/hub-dashboard.json are "
        "(default: the checkout's deploy/)",
    )
    r.add_argument(
        "--egress-cidr",
        action="append",
        default=[],
        metavar="HOST=CIDR",
        help="address range of a back office's host name, for its connector's egress policy "
        "(repeatable)",
    )


def _options(args: argparse.Namespace) -> RenderOptions:
    cidrs = {}
    for item in args.egress_cidr:
        host, sep, cidr = item.partition("=")
        if not sep or not host or not cidr:
            raise RenderError(f"--egress-cidr {item!r}: expected HOST=CIDR")
        cidrs[host] = cidr
    return RenderOptions(egress_cidrs=cidrs)


def run(args: argparse.Namespace) -> int:
    """Execute ``hub k8s render``; 0 on success, 1 for unusable input."""
    try:
        options = _options(args)
        if args.base is None:
            tree = base_tree(args.config, options, args.monitoring)
            keep: list[str] = []
        else:
            tree = overlay_tree(args.config, args.base, args.out, options)
            keep = [args.config.resolve().relative_to(args.out.resolve()).as_posix()]
    except ConfigError as exc:
        print(f"{len(exc.problems)} problem(s) in {args.config}:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    except (RenderError, OSError) as exc:
        print(f"hub k8s render: {exc}", file=sys.stderr)
        return 1
    written = write_tree(args.out, tree, keep=keep)
    print(f"{args.out}: {len(written)} files")
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m hub.k8s ...``: the same command without the rest of ``hub``."""
    parser = argparse.ArgumentParser(prog="hub")
    add_parser(parser.add_subparsers(dest="command", required=True))
    return run(parser.parse_args(argv))
