"""The case document: what a mapping's JSON pointers read, built from a delivery request.

Field names are the portal's own (camelCase), as in ``examples/applications/``::

    /meta/caseId  /meta/deliveryId  /meta/tenant  /meta/connector  /meta/portal
    /meta/submissionId  /meta/submittedAt  /meta/requestedAt
    /service/leikaId  /service/name
    /authority/name  /authority/ags  /authority/ars
    /applicant/type  /applicant/givenName  /applicant/familyName  /applicant/birthDate
    /applicant/name  /applicant/registerNumber  /applicant/email
    /applicant/address/street  .../postalCode  .../city  .../country
    /formData/...                     the form exactly as submitted
    /attachments/<i>/attachmentId  filename  mediaType  size  sha256
    /payment/status  amount  currency  method  transactionId
    /replyChannel/type  /replyChannel/address

Absent optional parts (no payment, an organisation's given name) are absent
keys, never ``null``.
"""

from __future__ import annotations

import json
from typing import Any

from hub.events.models import Application, DeliveryRequested


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


def _camelised(data: dict[str, Any]) -> dict[str, Any]:
    return {
        _camel(k): _camelised(v) if isinstance(v, dict) else v
        for k, v in data.items()
        if v is not None
    }


def application_document(app: Application) -> dict[str, Any]:
    """The case document of an application, without the delivery's ``meta`` ids."""
    doc: dict[str, Any] = {
        "meta": {
            "portal": app.portal,
            "submissionId": app.submission_id,
            "submittedAt": app.submitted_at.isoformat(),
        },
        "service": {"leikaId": app.service.leika_id, "name": app.service.name},
        "authority": _camelised(app.authority.model_dump()),
        "applicant": _camelised(app.applicant.model_dump(mode="json")),
        "formData": json.loads(app.form_data_json),
        "attachments": [
            {
                "attachmentId": a.attachment_id,
                "filename": a.filename,
                "mediaType": a.media_type,
                "size": a.size,
                "sha256": a.sha256,
            }
            for a in app.attachments
        ],
    }
    if app.payment is not None:
        doc["payment"] = _camelised(app.payment.model_dump())
    if app.reply_channel is not None:
        doc["replyChannel"] = app.reply_channel.model_dump()
    return doc


def case_document(request: DeliveryRequested) -> dict[str, Any]:
    """The case document of a delivery request (applications only: a ``ValueError`` else)."""
    if request.application is None:
        raise ValueError("only applications have a case document")
    doc = application_document(request.application)
    doc["meta"] = {
        "caseId": request.envelope.case_id,
        "deliveryId": request.delivery_id,
        "tenant": request.envelope.tenant,
        "connector": request.connector,
        **doc["meta"],
        "requestedAt": request.envelope.occurred_at.isoformat(),
    }
    return doc
