"""How a rendered document reaches a back office: a directory drop or an HTTP POST.

Every transport passes the delivery id on as the idempotency key (the file
name, the ``Idempotency-Key`` header) and raises errors classified by what the
runtime must do (:mod:`hub.delivery.errors`):

==============================================  =====================================
situation                                       error
==============================================  =====================================
connection refused or reset, timeout            TransientError ``unavailable``/``timeout``
HTTP 408, 425, 429, 5xx                         TransientError ``http_<status>``
HTTP 401, 403                                   ConnectorConfigError ``http_<status>``
other HTTP 4xx (the content is refused)         PermanentError ``http_<status>``
directory not writable, disk full               TransientError ``unavailable``
==============================================  =====================================
"""

from __future__ import annotations

import os
import tempfile
import time
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Protocol

import httpx
from pydantic import SecretStr

from hub.config.tenants import DirectoryTransport, HttpTransport
from hub.delivery.documents import Document, HandoverReceipt
from hub.delivery.errors import ConnectorConfigError, PermanentError, TransientError

IDEMPOTENCY_HEADER = "Idempotency-Key"
RETRYABLE_STATUS = frozenset({408, 425, 429})


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


class DirectoryDrop:
    """An import folder watched by the back office (DMS, finance, a clerk's mailbox)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def send(self, document: Document, delivery_id: str) -> HandoverReceipt:
        """Drop the file (its name already carries the delivery id)."""
        return drop_file(self.path, document)


def _problem_title(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase
    if isinstance(body, dict):
        return str(body.get("title") or body.get("error") or response.reason_phrase)
    return response.reason_phrase


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
        client: httpx.Client | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.url = url
        self.token = token
        self.client = client or httpx.Client(timeout=timeout)

    def send(self, document: Document, delivery_id: str) -> HandoverReceipt:
        """POST with ``Idempotency-Key: <delivery id>``; classify the answer."""
        headers = {"Content-Type": document.media_type, IDEMPOTENCY_HEADER: delivery_id}
        if self.token is not None:
            headers["Authorization"] = f"Bearer {self.token.get_secret_value()}"
        response = post_classified(self.client, self.url, document.content, headers)
        return _receipt(response, delivery_id)


def retry_after_seconds(response: httpx.Response) -> float | None:
    """The ``Retry-After`` of an answer in seconds (delta-seconds or an HTTP date), if any."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


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
            retry_after=retry_after_seconds(response),
        )
    if status in (401, 403):
        raise ConnectorConfigError(
            f"back office refused the credentials ({status})", reason=reason, field="transport.auth"
        )
    raise PermanentError(f"back office rejected the content ({status}): {title}", reason=reason)


def _receipt(response: httpx.Response, delivery_id: str) -> HandoverReceipt:
    try:
        body = response.json()
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    reference = body.get("reference") or response.headers.get("Location") or delivery_id
    return HandoverReceipt(reference=str(reference), duplicate=bool(body.get("duplicate", False)))


def build_transport(config: DirectoryTransport | HttpTransport) -> Transport:
    """The transport a connector instance's YAML describes (secrets resolved here)."""
    if isinstance(config, DirectoryTransport):
        return DirectoryDrop(config.path)
    token = None
    if config.auth is not None:
        token = config.auth.secret_ref.resolve()
        if token is None:
            raise ConnectorConfigError(
                f"secret missing: set {config.auth.secret_ref.describe()}",
                field="transport.auth.secret_ref",
            )
    return HttpPost(config.url, token=token, timeout=config.timeout_seconds)
