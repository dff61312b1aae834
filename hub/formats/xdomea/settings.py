"""Inputs of the xdomea renderer: who talks to whom, where cases are filed, the documents."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from hub import __version__
from hub.formats.xdomea.codes import DEFAULT_FORMAT_LIST_VERSION, Version
from hub.formats.xdomea.text import DEFAULT_MAX_TEXT_LENGTH


@dataclass(frozen=True)
class Party:
    """Sender or recipient of a message (``Absender`` / ``Empfaenger``, a ``KontaktType``).

    ``authority_code`` is the ``Behoerdenkennung/Behoerdenschluessel`` code (e.g. the ARS),
    ``authority_prefix`` the ``Behoerdenkennung/Praefix`` code; both are ``xoev-code:Code``
    values whose list is named by ``code_list_uri`` / ``code_list_version`` when the
    partners agreed on one. ``name`` is the institution, ``org_unit`` its unit.
    """

    authority_code: str
    name: str
    authority_prefix: str | None = None
    org_unit: str | None = None
    code_list_uri: str | None = None
    code_list_version: str | None = None


@dataclass(frozen=True)
class FilingSettings:
    """How one DMS instance wants its filing messages (from the tenant's connector options).

    ``file_plan`` maps a Leistungsschlüssel (or ``"*"`` for every other service) to the
    ``Aktenplaneinheit/Kennzeichen`` the case is filed under. ``format_codes`` adds or
    overrides Dateiformat codes per media type (see :mod:`hub.formats.xdomea.codes`).
    ``receipt_requested`` sets ``Empfangsbestaetigung``; ``Importbestaetigung`` is fixed to
    1 by the schema (a 0605 is always answered by a 0630).
    """

    sender: Party
    recipient: Party
    version: Version = "3.1.0"
    file_plan: Mapping[str, str] = field(default_factory=dict)
    system_name: str = "IKZ Hub"
    system_instance_id: str = "ikz-hub"
    system_version: str = __version__
    creator_id: str = "ikz-hub"
    receipt_requested: bool = True
    max_text_length: int = DEFAULT_MAX_TEXT_LENGTH
    format_codes: Mapping[str, str] = field(default_factory=dict)
    format_list_version: str = DEFAULT_FORMAT_LIST_VERSION

    def file_plan_entry(self, leika_id: str) -> str | None:
        """The Aktenplaneinheit of a service: its own entry, else ``"*"``, else none."""
        return self.file_plan.get(leika_id, self.file_plan.get("*"))


@dataclass(frozen=True)
class PrimaryDocument:
    """One file to file: the Antrag rendering (first) or an attachment."""

    filename_hint: str
    media_type: str
    content: bytes
    title: str
