"""What a connector renders and what the back office gives back."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

#: media type of a :class:`Document` that is a folder of files (a clerk's case folder)
FOLDER = "inode/directory"
#: the checksum file of a folder, in ``sha256sum`` format (``sha256sum -c SHA256SUMS`` checks it)
CHECKSUMS = "SHA256SUMS"


@dataclass(frozen=True)
class Document:
    """A rendered delivery: one file or request body for the back office.

    A folder (``media_type`` :data:`FOLDER`) is named ``filename``, holds ``files``
    (name, bytes) and has ``content`` as its checksum list (``SHA256SUMS``).
    """

    filename: str
    content: bytes
    media_type: str
    files: tuple[tuple[str, bytes], ...] = ()


@dataclass(frozen=True)
class HandoverReceipt:
    """What the back office acknowledged; ``duplicate`` when it already had this delivery."""

    reference: str
    duplicate: bool = False
    #: seconds from hand-over to the back office's import confirmation, for kinds that wait
    #: for one (a DMS's ImportBestaetigen); None where the hand-over itself is the answer
    confirmation_seconds: float | None = None


def folder_document(name: str, files: Sequence[tuple[str, bytes]]) -> Document:
    """A folder ``name`` with ``files`` (name, bytes); its content is their ``SHA256SUMS``."""
    sums = "".join(f"{hashlib.sha256(data).hexdigest()}  {fname}\n" for fname, data in files)
    return Document(name, sums.encode(), FOLDER, tuple(files))
