"""``hub dlq``: list, show and replay quarantine and dead-letter entries."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Callable
from typing import Any, TextIO

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient

from hub.events.codec import CodecError
from hub.events.topics import Topics
from hub.kafka.config import KafkaConnection
from hub.kafka.producer import EventProducer, ProduceError
from hub.kafka.registry import codec_from_settings
from hub.recovery.deadletters import DeadLetters, Entry, Filter
from hub.settings import HubSettings


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``hub dlq`` and its actions."""
    d = sub.add_parser(
        "dlq",
        help="list, show and replay quarantined and dead-lettered messages",
        description="Messages the router could not route (quarantine) and deliveries a "
        "connector rejected or gave up (dead letters) are kept whole with their reason. "
        "Fix the cause (configuration, back office), then replay them: a replay goes "
        "through the same idempotency check, so replaying twice hands over once.",
    )
    d.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        help="seconds to wait for the broker before giving up (default: %(default)s)",
    )
    actions = d.add_subparsers(dest="dlq_command", required=True, metavar="ACTION")
    ls = actions.add_parser(
        "list",
        help="entries as a table (or JSON)",
        description="Entries, oldest first. --format json prints one JSON array of objects "
        "(id, topic, stage, tenant, connector, reason, attempts, first/last error time, "
        "replayed) for scripts.",
    )
    _filters(ls)
    ls.add_argument("--pending", action="store_true", help="only entries not replayed yet")
    ls.add_argument("--format", choices=["table", "json"], default="table", help="stdout format")
    show = actions.add_parser(
        "show",
        help="one entry in full (no personal data)",
        description="One entry: error context and the original message's "
        "metadata. ID may be a unique prefix.",
    )
    show.add_argument("id", metavar="ID")
    rp = actions.add_parser(
        "replay",
        help="write entries back to their source topic",
        description="Replay one entry (ID, or a unique prefix) or --all matching entries not "
        "replayed yet. The original message is written to its source topic unchanged.",
    )
    target = rp.add_mutually_exclusive_group(required=True)
    target.add_argument("id", nargs="?", metavar="ID")
    target.add_argument("--all", action="store_true", help="every matching entry not replayed yet")
    _filters(rp)
    rp.add_argument("--force", action="store_true", help="with --all: also entries replayed before")


def _filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--tenant", help="only this tenant")
    p.add_argument("--connector", help="only this connector instance id")
    p.add_argument("--reason", help="only this reason (e.g. no_route, http_422, gave_up)")


def _row(e: Entry) -> tuple[str, ...]:
    r = e.record
    where = "quarantine" if e.topic.endswith(".quarantine") else "deadletter"
    return (
        e.id[:8],
        r.last_error_at.strftime("%Y-%m-%d %H:%M:%S"),
        where,
        r.envelope.tenant or "-",
        r.connector or "-",
        r.reason,
        str(r.attempts),
        f"x{e.replayed}" if e.replayed else "-",
    )


def _table(entries: list[Entry], out: TextIO) -> None:
    rows: list[tuple[str, ...]] = [
        ("id", "last error (UTC)", "topic", "tenant", "connector", "reason", "tries", "replayed")
    ]
    rows += [_row(e) for e in entries]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip(), file=out)
    print(f"{len(entries)} entr{'y' if len(entries) == 1 else 'ies'}", file=out)


def entry_json(e: Entry) -> dict[str, Any]:
    """One entry as ``hub dlq list --format json`` prints it (no personal data)."""
    r = e.record
    return {
        "id": e.id,
        "topic": "quarantine" if e.topic.endswith(".quarantine") else "deadletter",
        "caseId": r.envelope.case_id or None,
        "tenant": r.envelope.tenant or None,
        "stage": r.stage,
        "connector": r.connector or None,
        "reason": r.reason,
        "attempts": r.attempts,
        "firstErrorAt": r.first_error_at.isoformat(),
        "lastErrorAt": r.last_error_at.isoformat(),
        "sourceTopic": r.source_topic,
        "replayed": e.replayed,
    }


def _show(e: Entry, dl: DeadLetters, out: TextIO) -> None:
    r = e.record
    try:
        original = dl.codec.decode(r.original_value, topic=r.source_topic)
        kind = type(original).__name__
    except CodecError:
        kind = "undecodable"
    fields = [
        ("id", e.id),
        ("topic", e.topic),
        ("case", r.envelope.case_id or "-"),
        ("tenant", r.envelope.tenant or "-"),
        ("stage", r.stage),
        ("connector", r.connector or "-"),
        ("reason", r.reason),
        ("first error", r.first_error or "-"),
        ("last error", r.detail),
        ("attempts", str(r.attempts)),
        ("first error at", r.first_error_at.isoformat()),
        ("last error at", r.last_error_at.isoformat()),
        ("source topic", r.source_topic),
        ("original", f"{kind}, {len(r.original_value)} bytes"),
        ("replayed", str(e.replayed)),
    ]
    width = max(len(k) for k, _ in fields)
    for key, value in fields:
        print(f"{key.ljust(width)}  {value}", file=out)


def _progress_bar(total: int) -> tuple[Callable[[int], None], Callable[[], None]]:
    def update(done: int) -> None:
        filled = int(30 * done / total) if total else 30
        print(
            f"\rreplaying [{'#' * filled}{'.' * (30 - filled)}] {done}/{total}",
            end="",
            file=sys.stderr,
            flush=True,
        )

    def close() -> None:
        print(file=sys.stderr)

    return update, close


def _reachable(connection: KafkaConnection, timeout: float) -> str | None:
    """None when the broker answers a metadata request in time, else why not."""
    admin = AdminClient(
        {**connection.admin(), "socket.connection.setup.timeout.ms": int(timeout * 1000)},
        logger=connection.logger,
    )
    try:
        admin.list_topics(timeout=timeout)
    except KafkaException as exc:
        return str(exc.args[0].str() if exc.args else exc)
    return None


def run(args: argparse.Namespace, settings: HubSettings | None = None) -> int:
    """Execute ``hub dlq ...``; 0 on success, 1 when it failed (one line on stderr)."""
    s = settings or HubSettings()
    connection = KafkaConnection.from_settings(s)
    timeout = getattr(args, "timeout", 10.0)
    # librdkafka logs every failed connection attempt; the one line below says it all
    rdkafka = connection.logger
    level = rdkafka.level
    rdkafka.setLevel(logging.CRITICAL)
    try:
        problem = _reachable(connection, timeout)
        if problem is not None:
            print(
                f"hub dlq: broker {connection.bootstrap} unreachable ({problem}); "
                "check HUB_KAFKA_BOOTSTRAP",
                file=sys.stderr,
            )
            return 1
        return _run(args, s, connection)
    except (KafkaException, ProduceError, TimeoutError) as exc:
        print(f"hub dlq: broker {connection.bootstrap}: {exc}", file=sys.stderr)
        return 1
    finally:
        rdkafka.setLevel(level)


def _run(args: argparse.Namespace, s: HubSettings, connection: KafkaConnection) -> int:
    dl = DeadLetters(connection, Topics(s.topic_prefix), codec_from_settings(s))
    flt = Filter(
        tenant=getattr(args, "tenant", None),
        connector=getattr(args, "connector", None),
        reason=getattr(args, "reason", None),
        include_replayed=not getattr(args, "pending", False),
    )
    if args.dlq_command == "list":
        entries = dl.entries(flt)
        if getattr(args, "format", "table") == "json":
            json.dump([entry_json(e) for e in entries], sys.stdout, indent=2)
            print()
        else:
            _table(entries, sys.stdout)
        return 0
    try:
        if args.dlq_command == "show":
            _show(dl.find(args.id), dl, sys.stdout)
            return 0
        if args.id:
            chosen = [dl.find(args.id)]
        else:
            chosen = dl.entries(Filter(flt.tenant, flt.connector, flt.reason, args.force))
    except LookupError as exc:
        print(f"hub dlq: {exc.args[0]}", file=sys.stderr)
        return 1
    if not chosen:
        print("nothing to replay")
        return 0
    producer = EventProducer(connection, timeout_seconds=s.produce_timeout_seconds)
    update, close = _progress_bar(len(chosen))
    try:
        done = asyncio.run(dl.replay(chosen, producer=producer, progress=update))
    finally:
        close()
        producer.close()
    print(f"replayed {done} entr{'y' if done == 1 else 'ies'}")
    return 0
