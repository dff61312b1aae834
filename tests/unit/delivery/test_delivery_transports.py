"""hub.delivery.transports.drop_file: atomic, at-most-once file drops."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hub.delivery.connector import Document, HandoverReceipt
from hub.delivery.errors import TransientError
from hub.delivery.transports import drop_file


def _doc(content: bytes = b"PK first", filename: str = "d-1_0601.zip") -> Document:
    return Document(filename=filename, content=content, media_type="application/zip")


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith(".tmp-"))


def test_first_drop_writes_the_file_and_is_not_a_duplicate(tmp_path: Path) -> None:
    receipt = drop_file(tmp_path, _doc())

    assert HandoverReceipt(reference="d-1_0601.zip", duplicate=False) == receipt
    assert b"PK first" == (tmp_path / "d-1_0601.zip").read_bytes()


def test_second_drop_of_same_name_is_duplicate_and_keeps_first_content(tmp_path: Path) -> None:
    drop_file(tmp_path, _doc(b"PK first"))

    receipt = drop_file(tmp_path, _doc(b"PK second"))

    assert HandoverReceipt(reference="d-1_0601.zip", duplicate=True) == receipt
    assert b"PK first" == (tmp_path / "d-1_0601.zip").read_bytes()


def test_drops_leave_no_temp_files_behind(tmp_path: Path) -> None:
    drop_file(tmp_path, _doc())
    drop_file(tmp_path, _doc(b"PK again"))
    drop_file(tmp_path, _doc(filename="d-2_0601.zip"))

    assert [] == _leftovers(tmp_path)
    assert ["d-1_0601.zip", "d-2_0601.zip"] == sorted(p.name for p in tmp_path.iterdir())


def test_missing_import_directory_is_created(tmp_path: Path) -> None:
    target = tmp_path / "var" / "bensheim" / "dms"

    drop_file(target, _doc())

    assert b"PK first" == (target / "d-1_0601.zip").read_bytes()


def test_lost_race_for_the_name_reports_duplicate_and_cleans_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # another replica links the same name between our existence check and our link
    real_link = os.link

    def racing_link(src: str, dst: str) -> None:
        Path(dst).write_bytes(b"PK other replica")
        real_link(src, dst)

    monkeypatch.setattr(os, "link", racing_link)

    receipt = drop_file(tmp_path, _doc())

    assert receipt.duplicate
    assert b"PK other replica" == (tmp_path / "d-1_0601.zip").read_bytes()
    assert [] == _leftovers(tmp_path)


def test_unwritable_directory_is_a_transient_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the directory should be")

    with pytest.raises(TransientError, match="cannot write"):
        drop_file(blocker / "dms", _doc())
