"""The civento-like submission a portal posts, validated at the edge."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from hub.events.models import (
    Address,
    Applicant,
    ApplicantType,
    Application,
    AttachmentRef,
    Authority,
    Payment,
    ReplyChannel,
    Service,
)

Text = Annotated[str, StringConstraints(min_length=1, max_length=500, strip_whitespace=True)]
Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]


class _In(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class InService(_In):
    leikaId: Annotated[str, Field(pattern=r"^\d{14}$")]  # noqa: N815 - wire names
    name: Text


class InAuthority(_In):
    name: Text
    ags: Annotated[str, Field(pattern=r"^\d{8}$")] | None = None
    ars: Annotated[str, Field(pattern=r"^\d{12}$")] | None = None


class InAddress(_In):
    street: Text
    postalCode: Annotated[str, Field(pattern=r"^[0-9A-Za-z -]{3,10}$")]  # noqa: N815
    city: Text
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] = "DE"


class InPerson(_In):
    type: Literal["person"]
    givenName: Text  # noqa: N815
    familyName: Text  # noqa: N815
    birthDate: date | None = None  # noqa: N815
    address: InAddress | None = None
    email: Email | None = None


class InOrganisation(_In):
    type: Literal["organisation"]
    name: Text
    registerNumber: Text | None = None  # noqa: N815
    address: InAddress | None = None
    email: Email | None = None


class InAttachment(_In):
    attachmentId: Text  # noqa: N815
    filename: Annotated[str, Field(pattern=r"^[^/\\\x00]{1,255}$")]
    mediaType: Annotated[str, Field(pattern=r"^[\w.+-]+/[\w.+-]+$")]  # noqa: N815
    size: Annotated[int, Field(ge=0)]
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    contentBase64: str  # noqa: N815


class InPayment(_In):
    status: Text
    amount: Annotated[str, Field(pattern=r"^\d{1,9}(\.\d{1,2})?$")]
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    method: Text | None = None
    transactionId: Text | None = None  # noqa: N815


class InReplyChannel(_In):
    type: Text
    address: Text


class Submission(_In):
    """``POST /v1/applications`` body (field names as the portal sends them)."""

    submissionId: Annotated[str, Field(min_length=1, max_length=100)]  # noqa: N815
    portal: Annotated[str, Field(min_length=1, max_length=63)]
    submittedAt: AwareDatetime  # noqa: N815
    service: InService
    authority: InAuthority
    applicant: Annotated[InPerson | InOrganisation, Field(discriminator="type")]
    formData: dict[str, Any]  # noqa: N815
    attachments: list[InAttachment] = Field(default_factory=list, max_length=100)
    payment: InPayment | None = None
    replyChannel: InReplyChannel | None = None  # noqa: N815


@dataclass(frozen=True)
class AttachmentProblem:
    """An attachment whose bytes do not match what was announced."""

    pointer: str
    detail: str


def decode_attachments(submission: Submission) -> tuple[list[bytes], list[AttachmentProblem]]:
    """Decode every attachment and check its announced size and SHA-256."""
    blobs: list[bytes] = []
    problems: list[AttachmentProblem] = []
    for i, att in enumerate(submission.attachments):
        try:
            data = base64.b64decode(att.contentBase64, validate=True)
        except (binascii.Error, ValueError):
            problems.append(
                AttachmentProblem(f"/attachments/{i}/contentBase64", "not valid base64")
            )
            continue
        if len(data) != att.size:
            problems.append(
                AttachmentProblem(
                    f"/attachments/{i}/size", f"announced {att.size} bytes, got {len(data)}"
                )
            )
        if hashlib.sha256(data).hexdigest() != att.sha256:
            problems.append(
                AttachmentProblem(
                    f"/attachments/{i}/sha256", "does not match the attachment's content"
                )
            )
        blobs.append(data)
    return blobs, problems


def content_fingerprint(raw: dict[str, Any]) -> str:
    """SHA-256 of the submission in canonical JSON: equal content, equal fingerprint."""
    canonical = json.dumps(raw, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _address(a: InAddress | None) -> Address | None:
    if a is None:
        return None
    return Address(street=a.street, postal_code=a.postalCode, city=a.city, country=a.country)


def authority_of(submission: Submission) -> Authority:
    """The submission's responsible authority, as routing sees it."""
    a = submission.authority
    return Authority(name=a.name, ags=a.ags, ars=a.ars)


def to_application(submission: Submission, attachment_uris: list[str]) -> Application:
    """The event form of a validated submission (attachments by reference)."""
    ap = submission.applicant
    if isinstance(ap, InPerson):
        applicant = Applicant(
            type=ApplicantType.person,
            given_name=ap.givenName,
            family_name=ap.familyName,
            birth_date=ap.birthDate.isoformat() if ap.birthDate else None,
            address=_address(ap.address),
            email=ap.email,
        )
    else:
        applicant = Applicant(
            type=ApplicantType.organisation,
            name=ap.name,
            register_number=ap.registerNumber,
            address=_address(ap.address),
            email=ap.email,
        )
    submitted = submission.submittedAt.astimezone(UTC)
    return Application(
        portal=submission.portal,
        submission_id=submission.submissionId,
        submitted_at=submitted.replace(microsecond=submitted.microsecond // 1000 * 1000),
        service=Service(leika_id=submission.service.leikaId, name=submission.service.name),
        authority=authority_of(submission),
        applicant=applicant,
        form_data_json=json.dumps(submission.formData, ensure_ascii=False, sort_keys=True),
        attachments=tuple(
            AttachmentRef(
                attachment_id=a.attachmentId,
                filename=a.filename,
                media_type=a.mediaType,
                size=a.size,
                sha256=a.sha256,
                uri=uri,
            )
            for a, uri in zip(submission.attachments, attachment_uris, strict=True)
        ),
        payment=(
            Payment(
                status=submission.payment.status,
                amount=submission.payment.amount,
                currency=submission.payment.currency,
                method=submission.payment.method,
                transaction_id=submission.payment.transactionId,
            )
            if submission.payment
            else None
        ),
        reply_channel=(
            ReplyChannel(type=submission.replyChannel.type, address=submission.replyChannel.address)
            if submission.replyChannel
            else None
        ),
    )
