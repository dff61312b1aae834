"""What a connector would hand over for a case, for people to read (``hub routes explain``)."""

from __future__ import annotations

import json
from collections.abc import Mapping

from hub.delivery.connector import Connector
from hub.events.models import DeliveryRequested


def render_preview(
    request: DeliveryRequested,
    connector: Connector,
    attachments: Mapping[str, bytes] | None = None,
) -> bytes:
    """The document ``connector`` renders for ``request`` (pure; nothing is delivered).

    Without ``attachments`` every attachment is rendered as empty bytes, so a
    preview needs no blob store. JSON comes out indented for reading; other
    documents (XML, ZIP) as rendered. Raises what ``render`` raises, e.g. a
    :class:`~hub.delivery.errors.PermanentError` naming the mapping rule that fails.
    """
    if attachments is None:
        app = request.application
        attachments = {a.sha256: b"" for a in app.attachments} if app is not None else {}
    document = connector.render(request, attachments)
    if document.media_type == "application/json":
        parsed = json.loads(document.content)
        return (json.dumps(parsed, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()
    return document.content
