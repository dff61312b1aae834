"""Stable identifiers: the same inputs always give the same id (UUIDv5)."""

from __future__ import annotations

import uuid

# Namespace of the hub's ids; never change it, or every id changes.
HUB_NAMESPACE = uuid.UUID("7d3c1c9e-5f0b-4a8e-9c43-2f6a0e1b8d21")
_APPLICATION = uuid.uuid5(HUB_NAMESPACE, "application")
_DELIVERY = uuid.uuid5(HUB_NAMESPACE, "delivery")
_INVOICE = uuid.uuid5(HUB_NAMESPACE, "invoice")


def application_id(portal: str, submission_id: str) -> str:
    """Application id of a portal's submission: a repeat of it gets the same id."""
    return str(uuid.uuid5(_APPLICATION, f"{portal}\x1f{submission_id}"))


def invoice_id(seller: str, invoice_number: str, issue_date: str) -> str:
    """Id of an e-invoice: the same seller, number and issue date always give the same id."""
    return str(uuid.uuid5(_INVOICE, f"{seller}\x1f{invoice_number}\x1f{issue_date}"))


def delivery_id(case_id: str, tenant: str, connector: str) -> str:
    """Idempotency key of handing one case to one connector instance of one tenant."""
    return str(uuid.uuid5(_DELIVERY, f"{case_id}\x1f{tenant}\x1f{connector}"))


def is_uuid(value: str) -> bool:
    """True when ``value`` is a UUID in canonical text form."""
    try:
        return str(uuid.UUID(value)) == value
    except ValueError:
        return False
