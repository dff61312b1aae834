"""Transports connectors share: a directory drop, written atomically and at most once."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hub.delivery.connector import Document, HandoverReceipt
from hub.delivery.errors import TransientError


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
