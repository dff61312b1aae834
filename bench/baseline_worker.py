"""A bare faust pipeline with the hub's topic hops and no work: the benchmark's baseline.

``t0 -> a1 -> t1 -> a2 -> t2 -> a3 -> t3``: three agents that forward raw bytes,
one message in, one message out, like router, connector and tracker. The app is
configured like the hub's (acks=all, commit every 100 messages or second,
memory store, concurrency 1) so only the work per message differs.

Run by :mod:`bench.pipeline` in its own process; stops on SIGTERM.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import faust

HOPS = 3


def topic_names(prefix: str) -> list[str]:
    """``<prefix>.t0`` ... ``<prefix>.t3``."""
    return [f"{prefix}.t{i}" for i in range(HOPS + 1)]


def build_app(
    app_id: str, prefix: str, *, bootstrap: str, partitions: int, datadir: Path
) -> faust.App:
    """The faust app: one forwarding agent per hop."""
    app = faust.App(
        app_id,
        broker=f"kafka://{bootstrap}",
        store="memory://",
        autodiscover=False,
        topic_partitions=partitions,
        topic_replication_factor=1,
        topic_allow_declare=True,
        producer_acks=-1,
        consumer_auto_offset_reset="earliest",
        web_enabled=False,
        datadir=str(datadir),
        broker_commit_every=100,
        broker_commit_interval=1.0,
    )
    topics = [
        app.topic(
            name, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw"
        )
        for name in topic_names(prefix)
    ]
    for hop in range(HOPS):
        _add_forwarder(app, f"a{hop + 1}", topics[hop], topics[hop + 1])
    return app


def _add_forwarder(app: faust.App, name: str, source: Any, target: Any) -> None:
    async def forward(stream: Any) -> None:
        async for event in stream.events():
            await target.send(key=event.key, value=event.value)

    app.agent(source, name=name)(forward)


def main(argv: list[str] | None = None) -> None:
    """Parse the arguments and run the worker until SIGTERM/SIGINT."""
    p = argparse.ArgumentParser(prog="python -m bench.baseline_worker", description=__doc__)
    p.add_argument("--app-id", required=True)
    p.add_argument("--prefix", required=True, help="topic prefix")
    p.add_argument("--bootstrap", default="127.0.0.1:9092")
    p.add_argument("--partitions", type=int, default=4)
    p.add_argument("--datadir", type=Path, required=True)
    args = p.parse_args(argv)
    app = build_app(
        args.app_id, args.prefix,
        bootstrap=args.bootstrap, partitions=args.partitions, datadir=args.datadir,
    )  # fmt: skip
    faust.Worker(
        app, loglevel="WARNING", quiet=True, override_logging=False
    ).execute_from_commandline()


if __name__ == "__main__":
    main()
