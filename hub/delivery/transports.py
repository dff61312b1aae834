"""How a rendered document reaches a back office: a directory drop or an HTTP POST.

Every transport passes the delivery id on as the idempotency key (the file
name, the ``Idempotency-Key`` header) and raises errors classified by what the
runtime must do (:mod:`hub.delivery.errors`):

==============================================  =====================================
situation                                       error
==============================================  =====================================
connection refused or reset, timeout            TransientError ``unavailable``/``timeout``
HTTP 408, 425, 429, 5xx                         TransientError ``http_<status>`` (with the
                                                wait ``Retry-After`` asks for, seconds or date)
HTTP 401, 403                                   ConnectorConfigError ``http_<status>``
other HTTP 4xx (the content is refused)         PermanentError ``http_<status>``
directory not writable, disk full               TransientError ``unavailable``
==============================================  =====================================

A directory transport drops a file, or a folder of files (a :data:`FOLDER` document:
a clerk's case folder), each atomically and at most once per name.
"""

from __future__ import annotations

import base64
import hmac
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, Protocol

import httpx
from pydantic import SecretStr

from hub.config.tenants import DirectoryTransport, HttpAuth, HttpTransport
from hub.delivery.documents import CHECKSUMS, FOLDER, Document, HandoverReceipt
from hub.delivery.errors import ConnectorConfigError, PermanentError, TransientError

IDEMPOTENCY_HEADER = "Idempotency-Key"
TIMESTAMP_HEADER = "X-Hub-Timestamp"
SIGNATURE_HEADER = "X-Hub-Signature"
RETRYABLE_STATUS = frozenset({408, 425, 429})

# Headers proving the sender, computed from the body: (body) -> headers
RequestAuth = Callable[[bytes], dict[str, str]]


class Transport(Protocol):
    """Hands a document over; idempotent per delivery id."""

    def send(self, document: Document, delivery_id: str) -> HandoverReceipt:
        """Deliver ``document``; raise a classified :class:`~hub.delivery.errors.DeliveryError`."""
        ...


def drop_file(directory: Path, document: Document) -> HandoverReceipt:
    """Write ``document`` into ``directory`` under its file name, atomically, never twice.

    The bytes go to a temp file in the same directory, are synced, and are then
    hard-linked to the final name; the link fails if the name exists, so a
    re-delivery leaves the first file untouched and reports a duplicate.
    Importers watching the directory never see a partial file.
    """
    target = directory / document.filename
    if target.exists():
        return HandoverReceipt(reference=document.filename, duplicate=True)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".part")
    except OSError as exc:
        raise TransientError(f"cannot write to {directory}", detail=str(exc)) from exc
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(document.content)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, target)
        except FileExistsError:
            return HandoverReceipt(reference=document.filename, duplicate=True)
    except OSError as exc:
        raise TransientError(f"cannot write to {directory}", detail=str(exc)) from exc
    finally:
        Path(tmp).unlink(missing_ok=True)
    return HandoverReceipt(reference=document.filename)


def _folder_names(document: Document) -> list[str]:
    names = [name for name, _ in document.files] + [CHECKSUMS]
    for i, name in enumerate((document.filename, *names)):
        if not name or name.startswith(".") or "/" in name or "\\" in name or "\0" in name:
            # the index, not the name: file names may carry personal data
            raise PermanentError(
                f"unusable name in a folder drop (entry {i})", reason="mapping_failed"
            )
    if len(set(names)) != len(names):
        raise PermanentError("a folder drop names one file twice", reason="mapping_failed")
    return names


def drop_folder(directory: Path, document: Document) -> HandoverReceipt:
    """Write a :data:`FOLDER` document as ``directory/<filename>/``, atomically, never twice.

    The files (and ``SHA256SUMS``) go into a temp folder in ``directory``, are synced,
    and the folder is then renamed to its final name: a reader sees the whole folder
    or none. A name that exists already is a re-delivery, reported as a duplicate.
    """
    names = _folder_names(document)
    target = directory / document.filename
    if target.exists():
        return HandoverReceipt(reference=document.filename, duplicate=True)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=directory, prefix=".tmp-", suffix=".part"))
    except OSError as exc:
        raise TransientError(f"cannot write to {directory}", detail=str(exc)) from exc
    try:
        contents = [*(data for _, data in document.files), document.content]
        for name, data in zip(names, contents, strict=True):
            with (tmp / name).open("wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        if target.exists():  # another writer won the race while this one wrote
            return HandoverReceipt(reference=document.filename, duplicate=True)
        try:
            os.rename(tmp, target)  # noqa: PTH104 - fails on an existing non-empty folder
        except OSError as exc:
            if target.exists():
                return HandoverReceipt(reference=document.filename, duplicate=True)
            raise TransientError(f"cannot write to {directory}", detail=str(exc)) from exc
    except OSError as exc:
        raise TransientError(f"cannot write to {directory}", detail=str(exc)) from exc
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return HandoverReceipt(reference=document.filename)


class DirectoryDrop:
    """An import folder watched by the back office (DMS, finance, a clerk's mailbox)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def send(self, document: Document, delivery_id: str) -> HandoverReceipt:
        """Drop the file or folder (its name already carries the delivery id)."""
        if document.media_type == FOLDER:
            return drop_folder(self.path, document)
        return drop_file(self.path, document)


def _problem_title(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase
    if isinstance(body, dict):
        return str(body.get("title") or body.get("error") or response.reason_phrase)
    return response.reason_phrase


def bearer_auth(token: SecretStr) -> RequestAuth:
    """``Authorization: Bearer <token>``."""
    return lambda _body: {"Authorization": f"Bearer {token.get_secret_value()}"}


def basic_auth(username: str, password: SecretStr) -> RequestAuth:
    """``Authorization: Basic <base64 user:password>`` (RFC 7617)."""
    pair = f"{username}:{password.get_secret_value()}".encode()
    return lambda _body: {"Authorization": f"Basic {base64.b64encode(pair).decode()}"}


def hmac_auth(key: SecretStr, clock: Callable[[], float] = time.time) -> RequestAuth:
    """``X-Hub-Timestamp: <unix s>`` and ``X-Hub-Signature: sha256=<hex HMAC-SHA256 of
    "{timestamp}.{body}">``: the scheme the hub's own intake checks."""

    def sign(body: bytes) -> dict[str, str]:
        stamp = str(int(clock()))
        mac = hmac.new(key.get_secret_value().encode(), f"{stamp}.".encode() + body, "sha256")
        return {TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: f"sha256={mac.hexdigest()}"}

    return sign


def request_auth(auth: HttpAuth, secret: SecretStr) -> RequestAuth:
    """The header builder of a configured ``transport.auth``."""
    if auth.scheme == "basic":
        if not (auth.username is not None):  # HttpAuth requires it for basic
            raise RuntimeError("invariant broken: auth.username is not None")
        return basic_auth(auth.username, secret)
    if auth.scheme == "hmac":
        return hmac_auth(secret)
    return bearer_auth(secret)


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """The wait a ``Retry-After`` header asks for: delta-seconds or an HTTP-date (RFC 9110)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def receipt_from(
    response: httpx.Response, delivery_id: str, reference: Callable[[Any], Any] | None = None
) -> HandoverReceipt:
    """The receipt of a ``2xx`` answer: ``reference(body)`` (default: the body's
    ``reference``), else the ``Location`` header, else the delivery id; a body's
    ``duplicate: true`` marks a repeat the back office recognised."""
    body = _body(response)
    found = None
    if reference is not None:
        found = reference(body)
    elif isinstance(body, dict):
        found = body.get("reference")
    found = found or response.headers.get("Location") or delivery_id
    duplicate = isinstance(body, dict) and bool(body.get("duplicate", False))
    return HandoverReceipt(reference=str(found), duplicate=duplicate)


class HttpPost:
    """POST the document to a back office's import endpoint.

    ``client`` is injectable (tests pass one built on ``httpx.MockTransport``).
    A ``2xx`` answer is a hand-over; a JSON body's ``reference`` (else the
    ``Location`` header) becomes the receipt, ``duplicate: true`` marks a
    repeat the back office recognised by its idempotency key.
    """

    def __init__(
        self,
        url: str,
        *,
        token: SecretStr | None = None,
        auth: RequestAuth | None = None,
        client: httpx.Client | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.url = url
        self.auth = auth if auth is not None or token is None else bearer_auth(token)
        self.client = client or httpx.Client(timeout=timeout)

    def send(self, document: Document, delivery_id: str) -> HandoverReceipt:
        """POST with ``Idempotency-Key: <delivery id>``; classify the answer."""
        return receipt_from(self.exchange(document, delivery_id), delivery_id)

    def exchange(self, document: Document, delivery_id: str) -> httpx.Response:
        """POST and classify like :meth:`send`, returning the ``2xx`` answer itself (for
        connectors that read their receipt from elsewhere in the body)."""
        headers = {"Content-Type": document.media_type, IDEMPOTENCY_HEADER: delivery_id}
        if self.auth is not None:
            headers.update(self.auth(document.content))
        return post_classified(self.client, self.url, document.content, headers)


def post_classified(
    client: httpx.Client, url: str, content: bytes, headers: dict[str, str]
) -> httpx.Response:
    """POST and return a ``2xx`` answer; raise the classified error for anything else."""
    try:
        response = client.post(url, content=content, headers=headers)
    except httpx.TimeoutException as exc:
        raise TransientError("back office did not answer in time", reason="timeout") from exc
    except httpx.TransportError as exc:
        raise TransientError(
            "back office unreachable", detail=type(exc).__name__, reason="unavailable"
        ) from exc
    status = response.status_code
    if 200 <= status < 300:
        return response
    reason = f"http_{status}"
    title = _problem_title(response)
    if status in RETRYABLE_STATUS or status >= 500:
        raise TransientError(
            f"back office answered {status}: {title}",
            reason=reason,
            retry_after_seconds=retry_after_seconds(response.headers.get("Retry-After")),
        )
    if status in (401, 403):
        raise ConnectorConfigError(
            f"back office refused the credentials ({status})", reason=reason, field="transport.auth"
        )
    raise PermanentError(f"back office rejected the content ({status}): {title}", reason=reason)


def build_transport(config: DirectoryTransport | HttpTransport) -> Transport:
    """The transport a connector instance's YAML describes (secrets resolved here)."""
    if isinstance(config, DirectoryTransport):
        return DirectoryDrop(config.path)
    auth = None
    if config.auth is not None:
        secret = config.auth.secret_ref.resolve()
        if secret is None:
            raise ConnectorConfigError(
                f"secret missing: set {config.auth.secret_ref.describe()}",
                field="transport.auth.secret_ref",
            )
        auth = request_auth(config.auth, secret)
    return HttpPost(config.url, auth=auth, timeout=config.timeout_seconds)
