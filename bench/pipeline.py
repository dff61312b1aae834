"""Throughput and latency of the whole hub, next to a bare faust pipeline on the same broker.

``python -m bench.pipeline [--cases N] [--concurrency C] [--partitions P]``

1. **hub**: a :class:`~hub.runtime.local.LocalHub` (``hub run``: intake, router,
   connectors, tracker in one process) gets N distinct submissions made from
   ``examples/applications``, posted by C client threads; a consumer of the
   hub's ``applications.status`` topic times each case's final status.
2. **baseline**: :mod:`bench.baseline_worker` (three forwarding faust agents,
   ``t0 -> t1 -> t2 -> t3``) gets N messages of the same sizes from a producer;
   a consumer of ``t3`` times each one.

Both are timed from the first message offered to the last one out. See
``bench/README.md`` for how to read the table.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from confluent_kafka import Consumer, KafkaError, KafkaException, Message, Producer
from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[attr-defined]

from bench.baseline_worker import topic_names
from hub.events.codec import CodecError, SingleObjectCodec
from hub.events.models import ApplicationSubmitted, CaseStatusChanged, Envelope
from hub.ids import application_id
from hub.intake.client import IntakeClient
from hub.intake.submission import Submission, to_application
from hub.kafka.config import KafkaConnection
from hub.runtime.local import PROJECT_ROOT, LocalHub
from hub.storage.blobs import LocalBlobStore

EXAMPLES = PROJECT_ROOT / "examples" / "applications"
BOOTSTRAP = "127.0.0.1:9092"
KAFKA = KafkaConnection(BOOTSTRAP)  # every client of the bench is configured where the hub's are
PROGRESS_EVERY = 10.0  # seconds between progress lines on stderr
START_TIMEOUT = 90.0  # seconds for a pipeline to pass its first message

# baseline payload header: magic, sequence number, send time (time.monotonic_ns)
HEADER = struct.Struct(">4sQQ")
MAGIC = b"BNCH"
PROBE_SEQ = 2**64 - 1


# --------------------------------------------------------------------------- measurement


class Finals:
    """First arrival of each key's final message, and a wait for a set of keys."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.at: dict[str, float] = {}
        self.status: dict[str, str] = {}
        self.sent: dict[str, float] = {}  # send time carried in the message (baseline)
        self.undecodable = 0
        self._wanted: set[str] = set()
        self._missing = 0

    def record(self, key: str, status: str, at: float, sent: float | None = None) -> None:
        """Note ``key`` reached a final ``status`` at ``at`` (later arrivals are ignored)."""
        with self._cond:
            if key in self.at:
                return
            self.at[key], self.status[key] = at, status
            if sent is not None:
                self.sent[key] = sent
            if key in self._wanted:
                self._missing -= 1
                if self._missing == 0:
                    self._cond.notify_all()

    def wait_for(
        self, keys: Iterable[str], deadline: float, progress: Callable[[int], None] | None = None
    ) -> bool:
        """Block until every key arrived (True) or ``deadline`` (monotonic) passed (False)."""
        with self._cond:
            self._wanted = set(keys)
            self._missing = len(self._wanted - self.at.keys())
            while self._missing > 0:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(min(remaining, PROGRESS_EVERY))
                if progress is not None and self._missing > 0:
                    progress(len(self._wanted) - self._missing)
            return True


class TopicWatcher:
    """Reads one topic from its start in a background thread and times every message."""

    def __init__(self, topic: str, handle: Callable[[Message, float], None]) -> None:
        self.topic, self.handle = topic, handle
        self._assigned = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"watch-{topic}", daemon=True)

    def start(self, timeout: float = 30.0) -> TopicWatcher:
        """Start consuming; return once the topic's partitions are assigned."""
        self._thread.start()
        if not self._assigned.wait(timeout):
            raise TimeoutError(f"no partitions of {self.topic} assigned after {timeout:.0f}s")
        return self

    def stop(self) -> None:
        """Stop consuming and close the consumer."""
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        consumer = Consumer(
            KAFKA.consumer(
                f"bench-watch-{uuid.uuid4().hex[:8]}",
                **{"auto.offset.reset": "earliest", "fetch.wait.max.ms": 50, "log_level": 4},
            )
        )
        consumer.subscribe([self.topic], on_assign=lambda _c, _p: self._assigned.set())
        try:
            while not self._stop.is_set():
                msg = consumer.poll(0.2)
                if msg is None or msg.error() is not None:
                    continue
                self.handle(msg, time.monotonic())
        finally:
            consumer.close()


@dataclass
class Outcome:
    """What one pipeline did with the N messages offered to it."""

    label: str
    expected: int
    sent: dict[str, float] = field(default_factory=dict)  # key -> when offered
    accepted: dict[str, float] = field(default_factory=dict)  # key -> when intake/broker acked
    final: dict[str, float] = field(default_factory=dict)  # key -> when its final message arrived
    statuses: Counter[str] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    notes: dict[str, str] = field(default_factory=dict)
    cpu: float = math.nan  # CPU seconds the pipeline's process used while timed

    @property
    def cpu_per_message(self) -> float:
        """CPU seconds of the pipeline's process per final message."""
        return self.cpu / len(self.final) if self.final else math.nan

    @property
    def complete(self) -> bool:
        """Every message accepted and final, nothing failed."""
        return len(self.final) == self.expected and not self.failures

    def _span(self, ends: Iterable[float]) -> float:
        ends = list(ends)
        if not ends or not self.sent:
            return math.nan
        return max(ends) - min(self.sent.values())

    @property
    def cases_per_second(self) -> float:
        """Final messages per second, first message offered to last final one."""
        return _rate(len(self.final), self._span(self.final.values()))

    @property
    def accept_per_second(self) -> float:
        """Acknowledged messages per second, first offered to last acknowledged."""
        return _rate(len(self.accepted), self._span(self.accepted.values()))

    @property
    def latencies(self) -> list[float]:
        """Seconds from offered to final, per key that became final."""
        return [at - self.sent[key] for key, at in self.final.items() if key in self.sent]

    @property
    def ack_latencies(self) -> list[float]:
        """Seconds from offered to acknowledged (intake's answer, or the broker's ack)."""
        return [at - self.sent[key] for key, at in self.accepted.items() if key in self.sent]


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process used so far (Linux ``/proc``; NaN elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return math.nan
    # after the command name: state is field 3, utime and stime are fields 14 and 15
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else math.nan


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile ``q`` (0-100) of ``values``; NaN when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def _collect(out: Outcome, finals: Finals) -> None:
    """Copy the final arrivals of accepted keys into ``out``; count what went missing."""
    for key in out.accepted:
        if key in finals.at:
            out.final[key] = finals.at[key]
            out.statuses[finals.status[key]] += 1
            if key in finals.sent:  # a send time carried in the message itself wins
                out.sent[key] = finals.sent[key]
    if unsent := out.expected - len(out.sent):
        out.failures["not offered before the deadline"] += unsent
    if missing := len(out.accepted) - len(out.final):
        out.failures["accepted, not final before the deadline"] += missing
    if finals.undecodable:
        out.failures["undecodable messages on the output topic"] += finals.undecodable


def _progress(label: str, started: float, **counts: int) -> None:
    parts = "  ".join(f"{k} {v}" for k, v in counts.items())
    print(f"  [{label} {time.monotonic() - started:6.1f}s] {parts}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- workload


@dataclass(frozen=True)
class Case:
    """One submission to post: its expected case id, portal and body."""

    case_id: str
    portal: str
    body: bytes


def load_examples() -> list[dict[str, Any]]:
    """The example submissions, sorted by file name (five, one per tenant and then some)."""
    files = sorted(EXAMPLES.glob("*.json"))
    if not files:
        raise FileNotFoundError(f"no example submissions in {EXAMPLES}")
    return [json.loads(f.read_text()) for f in files]


def make_cases(examples: Sequence[dict[str, Any]], n: int, run_id: str) -> list[Case]:
    """N distinct submissions cycling through ``examples``; only ``submissionId`` differs."""
    cases = []
    for i in range(n):
        raw = dict(examples[i % len(examples)])
        raw["submissionId"] = f"BENCH-{run_id}-{i:06d}"
        portal = raw["portal"]
        body = json.dumps(raw, ensure_ascii=False).encode()
        cases.append(Case(application_id(portal, raw["submissionId"]), portal, body))
    return cases


def submitted_sizes(examples: Sequence[dict[str, Any]]) -> list[int]:
    """Bytes of the ApplicationSubmitted event intake writes for each example."""
    codec = SingleObjectCodec()
    sizes = []
    for raw in examples:
        sub = Submission.model_validate(raw)
        case_id = application_id(sub.portal, f"BENCH-00000000-{0:06d}")
        uris = [LocalBlobStore.uri(a.sha256) for a in sub.attachments]
        event = ApplicationSubmitted(
            envelope=Envelope(case_id=case_id, tenant="kreis-bergstrasse", correlation_id=case_id),
            application=to_application(sub, uris),
        )
        sizes.append(len(codec.encode(event)))
    return sizes


# --------------------------------------------------------------------------- hub


class Poster:
    """Posts cases with one :class:`IntakeClient` per portal and thread."""

    def __init__(self, hub: LocalHub, outcome: Outcome) -> None:
        self.hub, self.outcome = hub, outcome
        self._local = threading.local()
        self._clients: list[IntakeClient] = []
        self._lock = threading.Lock()

    def _client(self, portal: str) -> IntakeClient:
        clients: dict[str, IntakeClient] = self._local.__dict__.setdefault("clients", {})
        if portal not in clients:
            client = IntakeClient(self.hub.intake_url, portal, self.hub.portal_secrets[portal])
            clients[portal] = client
            with self._lock:
                self._clients.append(client)
        return clients[portal]

    def post(self, case: Case) -> bool:
        """Post one case; record when it was offered and accepted, or why it failed."""
        out = self.outcome
        client = self._client(case.portal)
        out.sent[case.case_id] = time.monotonic()
        try:
            result = client.submit(case.body)
        except httpx.HTTPError as exc:
            out.failures[f"intake {type(exc).__name__}"] += 1
            return False
        if not result.accepted:
            kind = str(result.body.get("type", "")).rsplit("/", 1)[-1] or "?"
            out.failures[f"intake {result.status} {kind}"] += 1
            return False
        out.accepted[case.case_id] = time.monotonic()
        if result.body.get("applicationId") != case.case_id:
            out.failures["intake returned another application id"] += 1
            return False
        return True

    def close(self) -> None:
        """Close every client's connection pool."""
        for client in self._clients:
            client.close()


def run_hub(hub: LocalHub, cases: Sequence[Case], *, concurrency: int, timeout: float) -> Outcome:
    """Start ``hub``, warm it up with one case, post ``cases``, wait for their final statuses."""
    outcome = Outcome("hub", len(cases))
    codec = SingleObjectCodec()
    finals = Finals()

    def on_status(msg: Message, at: float) -> None:
        try:
            event = codec.decode(msg.value() or b"")
        except CodecError:
            finals.undecodable += 1
            return
        if isinstance(event, CaseStatusChanged) and event.status.is_final:
            finals.record(event.envelope.case_id, event.status.value, at)

    print(f"hub: starting (logs in {hub.workdir.relative_to(PROJECT_ROOT)}) ...", file=sys.stderr)
    hub.start(timeout=START_TIMEOUT)
    watcher = TopicWatcher(f"{hub.topic_prefix}.applications.status", on_status).start()
    poster = Poster(hub, Outcome("warmup", 1))
    try:
        warmup = make_cases(load_examples(), 1, f"{hub.run_id}-warmup")[0]
        if not poster.post(warmup) or not finals.wait_for(
            [warmup.case_id], time.monotonic() + START_TIMEOUT
        ):
            raise RuntimeError(f"hub did not complete a warm-up case:\n{hub.log_tail()}")
        poster.outcome = outcome
        assert hub.process is not None
        cpu_before = cpu_seconds(hub.process.pid)
        print(f"hub: posting {len(cases)} cases with {concurrency} clients ...", file=sys.stderr)
        started = time.monotonic()
        deadline = started + timeout
        with ThreadPoolExecutor(concurrency, thread_name_prefix="post") as pool:
            futures: list[Future[bool]] = [pool.submit(poster.post, c) for c in cases]
            pending: set[Future[bool]] = set(futures)
            while pending and time.monotonic() < deadline:
                _done, pending = wait(pending, timeout=PROGRESS_EVERY)
                _progress("hub", started, posted=len(outcome.accepted), final=len(finals.at) - 1)
            for f in pending:
                f.cancel()
        for f in futures:
            if not f.cancelled() and f.exception() is not None:
                outcome.failures[f"client {type(f.exception()).__name__}"] += 1
        accepted = list(outcome.accepted)
        finals.wait_for(
            accepted, deadline,
            lambda done: _progress("hub", started, posted=len(accepted), final=done),
        )  # fmt: skip
        outcome.cpu = cpu_seconds(hub.process.pid) - cpu_before
    finally:
        poster.close()
        watcher.stop()
        hub.stop()
    _collect(outcome, finals)
    inboxes = delivered_files(hub.var_dir)
    listing = ", ".join(f"{k}={v}" for k, v in sorted(inboxes.items()))
    outcome.notes["files delivered (warm-up included)"] = f"{inboxes.total()}: {listing}"
    return outcome


def delivered_files(var_dir: Path) -> Counter[str]:
    """Files the connectors dropped, per ``<tenant>/<connector>`` inbox (temp files skipped)."""
    found: Counter[str] = Counter()
    for path in var_dir.rglob("*"):
        rel = path.relative_to(var_dir).parts
        if len(rel) >= 3 and path.is_file() and not path.name.startswith("."):
            found[f"{rel[0]}/{rel[1]}"] += 1
    return found


# --------------------------------------------------------------------------- baseline


class Baseline:
    """One run of the bare faust pipeline: produce into t0, time every message out of t3."""

    def __init__(self, run_id: str, workdir: Path, partitions: int) -> None:
        self.workdir, self.partitions = workdir, partitions
        self.prefix, self.app_id = f"bench{run_id}", f"bench-{run_id}-baseline"
        self.topics = topic_names(self.prefix)
        self.finals = Finals()
        self.outcome = Outcome("baseline", 0)
        self._producer: Producer | None = None

    def run(self, sizes: Sequence[int], n: int, *, timeout: float) -> Outcome:
        """Start the worker, wait for a probe to pass, produce N messages, wait for them."""
        self.outcome = out = Outcome("baseline", n)
        create_topics(self.topics, self.partitions)
        watcher = TopicWatcher(self.topics[-1], self._on_message).start()
        self._producer = Producer(KAFKA.producer(**{"linger.ms": 2, "log_level": 4}))
        print("baseline: starting the faust worker ...", file=sys.stderr)
        worker = self._start_worker()
        try:
            self._wait_ready(worker, sizes[0])
            cpu_before = cpu_seconds(worker.pid)
            print(f"baseline: producing {n} messages ...", file=sys.stderr)
            started = time.monotonic()
            deadline = started + timeout
            for i in range(n):
                self._produce(i, sizes[i % len(sizes)])
            self._producer.flush(max(1.0, deadline - time.monotonic()))
            self.finals.wait_for(
                list(out.accepted), deadline,
                lambda done: _progress("baseline", started, produced=len(out.accepted), final=done),
            )  # fmt: skip
            out.cpu = cpu_seconds(worker.pid) - cpu_before
        finally:
            watcher.stop()
            _terminate(worker)
        _collect(out, self.finals)
        return out

    @property
    def log_path(self) -> Path:
        """The worker's stdout and stderr."""
        return self.workdir / "baseline-worker.log"

    def _start_worker(self) -> subprocess.Popen[bytes]:
        self.workdir.mkdir(parents=True, exist_ok=True)
        command = [
            sys.executable, "-m", "bench.baseline_worker", "--app-id", self.app_id,
            "--prefix", self.prefix, "--bootstrap", BOOTSTRAP, "--partitions", str(self.partitions),
            "--datadir", str(self.workdir / "faust"),
        ]  # fmt: skip
        with self.log_path.open("ab") as log:
            return subprocess.Popen(
                command, stdout=log, stderr=log, cwd=PROJECT_ROOT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )  # fmt: skip

    def _wait_ready(self, worker: subprocess.Popen[bytes], size: int) -> None:
        """Send a probe every second until one comes out of t3."""
        ready_by = time.monotonic() + START_TIMEOUT
        while True:
            self._produce(PROBE_SEQ, size)
            if self.finals.wait_for(["probe"], min(ready_by, time.monotonic() + 1.0)):
                return
            if worker.poll() is not None or time.monotonic() > ready_by:
                tail = "\n".join(self.log_path.read_text(errors="replace").splitlines()[-30:])
                raise RuntimeError(f"baseline worker did not pass a probe message:\n{tail}")

    def _produce(self, seq: int, size: int) -> None:
        assert self._producer is not None
        now = time.monotonic_ns()
        key = "probe" if seq == PROBE_SEQ else str(seq)
        value = HEADER.pack(MAGIC, seq, now).ljust(size, b".")
        if seq != PROBE_SEQ:
            self.outcome.sent[key] = now / 1e9
        while True:
            try:
                self._producer.produce(
                    self.topics[0], key=key.encode(), value=value, on_delivery=self._on_delivery
                )
                break
            except BufferError:
                self._producer.poll(0.05)
        self._producer.poll(0)

    def _on_delivery(self, err: KafkaError | None, msg: Message) -> None:
        key = (msg.key() or b"").decode()
        if err is not None:
            self.outcome.failures[f"produce {err.name()}"] += 1
        elif key != "probe":
            self.outcome.accepted[key] = time.monotonic()

    def _on_message(self, msg: Message, at: float) -> None:
        value = msg.value() or b""
        try:
            magic, seq, sent_ns = HEADER.unpack_from(value)
        except struct.error:
            magic = b""
        if magic != MAGIC:
            self.finals.undecodable += 1
            return
        key = "probe" if seq == PROBE_SEQ else str(seq)
        self.finals.record(key, "forwarded", at, sent=sent_ns / 1e9)


def _terminate(process: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# --------------------------------------------------------------------------- report


def _fmt(value: float, unit: str) -> str:
    if math.isnan(value):
        return "-"
    if unit == "ms":
        return f"{value * 1000:,.0f} ms"
    if unit == "s":
        return f"{value:,.2f} s"
    return f"{value:,.1f}/s"


def _ratio(hub: float, base: float) -> str:
    if math.isnan(hub) or math.isnan(base) or base == 0:
        return "-"
    return f"{hub / base:.3g}x"


def report(
    hub: Outcome, base: Outcome, *, concurrency: int, partitions: int, sizes: Sequence[int]
) -> str:
    """The result table (plain text)."""
    rows: list[tuple[str, str, str, str]] = [("metric", "hub", "baseline", "hub/baseline")]

    def row(name: str, h: float, b: float, unit: str) -> None:
        rows.append((name, _fmt(h, unit), _fmt(b, unit), _ratio(h, b)))

    row("throughput (final msgs)", hub.cases_per_second, base.cases_per_second, "/s")
    row("accept rate (intake / producer ack)", hub.accept_per_second, base.accept_per_second, "/s")
    for q in (50, 95, 99):
        row(f"latency p{q} (offered -> final)", percentile(hub.latencies, q),
            percentile(base.latencies, q), "s")  # fmt: skip
    row(
        "latency max",
        max(hub.latencies, default=math.nan),
        max(base.latencies, default=math.nan),
        "s",
    )
    row("ack p50 (intake 202 / broker ack)", percentile(hub.ack_latencies, 50),
        percentile(base.ack_latencies, 50), "ms")  # fmt: skip
    row("ack p99", percentile(hub.ack_latencies, 99), percentile(base.ack_latencies, 99), "ms")
    row("CPU per message (pipeline process)", hub.cpu_per_message, base.cpu_per_message, "ms")
    rows.append(
        (
            "final / offered",
            f"{len(hub.final)}/{hub.expected}",
            f"{len(base.final)}/{base.expected}",
            "",
        )
    )
    rows.append(("failures", str(hub.failures.total()), str(base.failures.total()), ""))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = [
        f"pipeline benchmark: N={hub.expected}  partitions={partitions}  "
        f"intake clients={concurrency}  cores={os.cpu_count()}  "
        f"load avg={os.getloadavg()[0]:.2f}",
        f"message size: ApplicationSubmitted {min(sizes)}-{max(sizes)} B "
        "(baseline payloads the same)",
        "",
    ]
    for i, r in enumerate(rows):
        lines.append(
            "  ".join(
                (
                    r[0].ljust(widths[0]),
                    *(c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True)),
                )
            )
        )
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines.append("")
    for o in (hub, base):
        statuses = ", ".join(f"{k}={v}" for k, v in sorted(o.statuses.items())) or "none"
        lines.append(f"{o.label} final statuses: {statuses}")
        lines.extend(f"{o.label} {k}: {v}" for k, v in o.notes.items())
        lines.extend(f"{o.label} failure: {k} x{v}" for k, v in sorted(o.failures.items()))
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def _admin() -> AdminClient:
    # log_level 4: keep librdkafka's informational lines (queue purges on close) off stderr
    return AdminClient({**KAFKA.admin(), "log_level": 4})


def create_topics(names: Sequence[str], partitions: int) -> None:
    """Create fresh topics with ``partitions`` partitions each."""
    admin = _admin()  # keep a reference: a collected client fails its pending futures
    futures = admin.create_topics(
        [NewTopic(n, num_partitions=partitions, replication_factor=1) for n in names],
        operation_timeout=30,
    )
    for fut in futures.values():
        fut.result()


def delete_leftovers(prefixes: Sequence[str], groups: Sequence[str]) -> None:
    """Best effort: delete the topics (by name prefix) and consumer groups a run created."""
    admin = _admin()
    try:
        topics = [t for t in admin.list_topics(timeout=10).topics if t.startswith(tuple(prefixes))]
        for fut in admin.delete_topics(topics, operation_timeout=30).values() if topics else ():
            fut.result()
        listed = admin.list_consumer_groups(request_timeout=10).result()
        ours = [g.group_id for g in listed.valid if g.group_id.startswith(tuple(groups))]
        for fut in admin.delete_consumer_groups(ours, request_timeout=10).values() if ours else ():
            fut.result()
    except Exception as exc:  # leftovers are harmless: say so and go on
        print(f"cleanup incomplete ({type(exc).__name__}: {exc})", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Run both pipelines, print the table; 0 when every message of both was accounted for."""
    p = argparse.ArgumentParser(prog="python -m bench.pipeline", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    p.add_argument(
        "--cases", type=int, default=5000, metavar="N", help="messages per pipeline (%(default)s)"
    )
    p.add_argument(
        "--concurrency",
        type=int,
        default=16,
        metavar="C",
        help="intake client threads (%(default)s)",
    )
    p.add_argument(
        "--partitions", type=int, default=4, metavar="P", help="partitions per topic (%(default)s)"
    )
    p.add_argument("--timeout", type=float, default=None,
                   help="seconds per pipeline to finish (default max(120, N/20))")  # fmt: skip
    p.add_argument("--keep", action="store_true", help="keep the work directory and topics")
    args = p.parse_args(argv)
    if args.cases < 1 or args.concurrency < 1 or args.partitions < 1:
        p.error("--cases, --concurrency and --partitions must be at least 1")
    timeout = args.timeout or max(120.0, args.cases / 20)

    (PROJECT_ROOT / "var").mkdir(exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="bench-", dir=PROJECT_ROOT / "var"))
    run_id = uuid.uuid4().hex[:8]
    examples = load_examples()
    sizes = submitted_sizes(examples)
    cases = make_cases(examples, args.cases, run_id)
    local_hub = LocalHub(
        workdir=workdir / "hub", extra_env={"HUB_PARTITIONS": str(args.partitions)}
    )
    baseline = Baseline(run_id, workdir / "baseline", args.partitions)
    hub_app = f"hub-{local_hub.run_id}"
    prefixes = [
        f"{local_hub.topic_prefix}.",
        f"{hub_app}-",
        f"{baseline.prefix}.",
        f"{baseline.app_id}-",
    ]
    groups = ["bench-watch-", hub_app, baseline.app_id]
    ok = False
    try:
        hub = run_hub(local_hub, cases, concurrency=args.concurrency, timeout=timeout)
        base = baseline.run(sizes, args.cases, timeout=timeout)
        print()
        print(
            report(hub, base, concurrency=args.concurrency, partitions=args.partitions, sizes=sizes)
        )
        ok = hub.complete and base.complete
    except (RuntimeError, TimeoutError, OSError, KafkaException) as exc:
        print(f"benchmark aborted: {exc}", file=sys.stderr)
    finally:
        if not args.keep:
            delete_leftovers(prefixes, groups)
    if ok and not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        print(f"work directory kept: {workdir.relative_to(PROJECT_ROOT)}", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
