"""The DMS's answers to a filing: ``FVDaten.EmpfangBestaetigen.0629`` and
``FVDaten.ImportBestaetigen.0630``, built and read.

In a DMS outbox directory each answer is one plain XML file (it carries no primary
documents, so there is nothing to package): ``{ProzessID}_FVDaten.EmpfangBestaetigen.0629.xml``
and ``{ProzessID}_FVDaten.ImportBestaetigen.0630.xml``, the ProzessID being the one of
the filing they answer.

A positive 0630 carries ``AllgemeineRueckmeldung`` ``0000000`` and a ``Rueckgabeparameter``
with ``Erfolgreich`` true, the DMS's id of the filed object in ``IDSGO`` (a UUID) and where
it was filed in ``Ablageort``. A negative one carries the DMS's reason as
``SonstigeFehlermeldung`` (and, if given, a ``SpezifischeFehlermeldung0605`` code).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from hub.formats.xdomea.codes import (
    FILING_REPLIES,
    GENERAL_REPLIES,
    GENERAL_REPLY_LIST_URI,
    GENERAL_REPLY_LIST_VERSION,
    IMPORT,
    MESSAGE_TYPE_LIST_URI,
    MESSAGE_TYPE_LIST_VERSION,
    RECEIPT,
    SPECIFIC_0605_LIST_URI,
    SPECIFIC_0605_LIST_VERSION,
    SUCCESS_CODE,
    Version,
    message_name,
)
from hub.formats.xdomea.errors import ConfirmationError
from hub.formats.xdomea.reading import Reader, parse_message
from hub.formats.xdomea.settings import Party
from hub.formats.xdomea.text import DEFAULT_MAX_TEXT_LENGTH, clean
from hub.formats.xdomea.tree import Element, Tree, serialize
from hub.ids import is_uuid

ConfirmationKind = Literal["received", "imported"]
_MESSAGES = {"received": RECEIPT, "imported": IMPORT}
_REASON_LIMIT = 1000


@dataclass(frozen=True)
class Confirmation:
    """A DMS's answer to a filing message."""

    kind: ConfirmationKind
    prozess_id: str
    success: bool
    reason: str | None = None
    record_id: str | None = None
    location: str | None = None
    version: Version = "3.1.0"


def confirmation_filename(prozess_id: str, kind: ConfirmationKind) -> str:
    """``{ProzessID}_FVDaten.ImportBestaetigen.0630.xml`` (or the 0629 name)."""
    return f"{prozess_id}_{message_name(_MESSAGES[kind])}.xml"


def _head(
    tree: Tree,
    root: Element,
    message: tuple[str, str],
    prozess_id: str,
    *,
    sender: Party,
    recipient: Party,
    created_at: datetime,
    system_name: str,
) -> Element:
    if not is_uuid(prozess_id):
        raise ConfirmationError("the ProzessID must be a UUID")
    head = tree.sub(root, "Kopf")
    tree.sub(head, "ProzessID", prozess_id)
    name, code = message
    tree.code(
        head,
        "Nachrichtentyp",
        code,
        name=name,
        list_uri=MESSAGE_TYPE_LIST_URI,
        list_version=MESSAGE_TYPE_LIST_VERSION,
    )
    tree.sub(head, "Erstellungszeitpunkt", created_at.isoformat("T", "seconds"))
    tree.party(head, "Absender", sender, "sender")
    tree.party(head, "Empfaenger", recipient, "recipient")
    tree.text(tree.sub(head, "SendendesSystem"), "Produktname", system_name)
    return head


def build_receipt_0629(
    prozess_id: str,
    *,
    sender: Party,
    recipient: Party,
    created_at: datetime,
    version: Version = "3.1.0",
    system_name: str = "DMS",
) -> bytes:
    """A ``FVDaten.EmpfangBestaetigen.0629``: the DMS received the filing ``prozess_id``."""
    tree = Tree(version, DEFAULT_MAX_TEXT_LENGTH)
    root = tree.root(message_name(RECEIPT))
    _head(
        tree,
        root,
        RECEIPT,
        prozess_id,
        sender=sender,
        recipient=recipient,
        created_at=created_at,
        system_name=system_name,
    )
    return serialize(root)


def build_import_0630(
    prozess_id: str,
    *,
    sender: Party,
    recipient: Party,
    created_at: datetime,
    success: bool,
    reason: str | None = None,
    error_code: str | None = None,
    record_id: str | None = None,
    location: str | None = None,
    version: Version = "3.1.0",
    system_name: str = "DMS",
    session_id: str | None = None,
) -> bytes:
    """A ``FVDaten.ImportBestaetigen.0630``: filed (``record_id`` a UUID) or not (``reason``)."""
    if error_code is not None and error_code not in FILING_REPLIES:
        raise ConfirmationError(f"unknown SpezifischeFehlermeldung0605 code {error_code!r}")
    if record_id is not None and not is_uuid(record_id):
        raise ConfirmationError("IDSGO must be a UUID")
    tree = Tree(version, _REASON_LIMIT)
    root = tree.root(message_name(IMPORT))
    head = _head(
        tree,
        root,
        IMPORT,
        prozess_id,
        sender=sender,
        recipient=recipient,
        created_at=created_at,
        system_name=system_name,
    )
    tree.sub(head, "FVSessionID", session_id or prozess_id)  # file exchange has no session
    result = tree.sub(root, "ErfolgOderMisserfolg")
    if success:
        tree.code(
            tree.sub(result, "Rueckmeldung"),
            "AllgemeineRueckmeldung",
            SUCCESS_CODE,
            list_uri=GENERAL_REPLY_LIST_URI,
            list_version=GENERAL_REPLY_LIST_VERSION,
        )
        params = tree.sub(result, "Rueckgabeparameter")
        if record_id is not None:
            tree.sub(params, "IDSGO", record_id)
        tree.required(tree.sub(params, "Parameter"), "Ablageort", location, "DMS")
        tree.sub(params, "Erfolgreich", "1")
        return serialize(root)
    if error_code is not None:
        tree.code(
            tree.sub(result, "Rueckmeldung"),
            "SpezifischeFehlermeldung0605",
            error_code,
            list_uri=SPECIFIC_0605_LIST_URI,
            list_version=SPECIFIC_0605_LIST_VERSION,
        )
    if clean(reason) is not None or error_code is None:
        tree.required(
            tree.sub(result, "Rueckmeldung"), "SonstigeFehlermeldung", reason, "Import abgelehnt"
        )
    return serialize(root)


def _reply_text(r: Reader, reply: Element) -> tuple[bool, str | None]:
    """(is success, reason text) of one ``Rueckmeldung``."""
    for child in reply:
        tag = str(child.tag).rsplit("}", 1)[-1]
        if tag == "SonstigeFehlermeldung":
            return False, child.text or "Import abgelehnt"
        code = r.text(child, "code") or ""
        if tag == "AllgemeineRueckmeldung":
            if code == SUCCESS_CODE:
                return True, None
            return False, f"{code}: {GENERAL_REPLIES.get(code, 'Rückmeldung des DMS')}"
        known = FILING_REPLIES.get(code, "Rückmeldung des DMS")
        return False, f"{code}: {known}"
    return False, "leere Rückmeldung"


def parse_confirmation(xml: bytes) -> Confirmation:
    """Read a 0629 or 0630 (either supported version); :class:`ConfirmationError` otherwise."""
    root, version, name = parse_message(xml)
    kinds = {message_name(m): k for k, m in _MESSAGES.items()}
    kind = kinds.get(name)
    if kind is None:
        raise ConfirmationError(f"not a confirmation: {name}")
    r = Reader(version)
    prozess_id = r.text(root, "x:Kopf/x:ProzessID") or ""
    if not is_uuid(prozess_id):
        raise ConfirmationError("confirmation carries no valid ProzessID")
    if kind == "received":
        return Confirmation("received", prozess_id, True, version=version)
    replies = [_reply_text(r, e) for e in r.all(root, "x:ErfolgOderMisserfolg/x:Rueckmeldung")]
    params = r.all(root, "x:ErfolgOderMisserfolg/x:Rueckgabeparameter")
    flags = [r.text(p, "x:Erfolgreich") in ("true", "1") for p in params]
    success = bool(replies) and all(ok for ok, _ in replies) and all(flags)
    reasons = [text for ok, text in replies if not ok and text]
    if not success and not reasons:
        reasons = ["Import nicht erfolgreich"]
    reason = clean("; ".join(reasons), _REASON_LIMIT) if reasons else None
    record_ids = [r.text(p, "x:IDSGO") for p in params]
    locations = [r.text(p, "x:Parameter/x:Ablageort") for p in params]
    return Confirmation(
        "imported",
        prozess_id,
        success,
        reason=None if success else reason,
        record_id=next((i for i in record_ids if i), None),
        location=next((loc for loc in locations if loc), None),
        version=version,
    )
