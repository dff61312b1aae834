"""hub.formats.pdf.text: labels, values and the no-tofu guarantee of ``visible``."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.formats.pdf.fonts import coverage
from hub.formats.pdf.text import (
    byte_size,
    direction,
    is_default_ignorable,
    label,
    scalar,
    timestamp,
    visible,
)


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("geburtsdatum", "Geburtsdatum"),
        ("betriebsStaette", "Betriebs Stätte"),
        ("betriebsstaette", "Betriebsstätte"),
        ("taetigkeit", "Tätigkeit"),
        ("grundstueck", "Grundstück"),
        ("haltungSeit", "Haltung seit"),
        ("sepaMandat", "SEPA-Mandat"),
        ("iban", "IBAN"),
        ("postalCode", "Postleitzahl"),
        ("anzahl_kinder", "Anzahl Kinder"),
        ("steuer", "Steuer"),  # no blind "ue" -> "ü"
        ("neueAdresse", "Neue Adresse"),
        ("", ""),
    ],
)
def test_keys_become_readable_labels(key: str, expected: str) -> None:
    assert label(key) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, "ja"),
        (False, "nein"),
        (None, "keine Angabe"),
        (2, "2"),
        (2450.5, "2450,5"),
        ("2026-12-01", "01.12.2026"),
        ("2026-12-01T10:00", "2026-12-01T10:00"),
        ("<b>x</b>", "<b>x</b>"),
    ],
)
def test_scalars_read_the_german_way(value: object, expected: str) -> None:
    assert scalar(value) == expected


def test_timestamps_are_shown_in_german_local_time() -> None:
    assert timestamp(datetime(2026, 11, 20, 8, 14, 3, tzinfo=UTC)) == (
        "20.11.2026, 09:14:03 Uhr (UTC+01:00)"
    )
    assert timestamp(datetime(2026, 7, 1, 8, 0, 0, tzinfo=UTC)).endswith("10:00:00 Uhr (UTC+02:00)")


def test_sizes_are_exact_and_readable() -> None:
    assert byte_size(1) == "1 Byte"
    assert byte_size(73) == "73 Bytes"
    assert byte_size(1_234_567) == "1.234.567 Bytes (1,2 MB)"


def test_direction_follows_the_first_strong_character() -> None:
    assert direction("שלום") == "rtl"
    assert direction("123 محمد") == "rtl"
    assert direction("Name שלום") == "ltr"
    assert direction("123") == "ltr"


def test_undrawable_and_control_characters_become_code_points() -> None:
    assert visible("a\u0007b") == "a[U+0007]b"
    assert visible("\U0001fae0") == "[U+1FAE0]"
    assert visible("\ue000") == "[U+E000]"  # private use
    assert visible("\ud800") == "[U+D800]"  # lone surrogate from a JSON escape
    assert visible("x\r\ny") == "x\ny"
    assert visible("Zoë שלום 中文 😀 👨\u200d👩") == "Zoë שלום 中文 😀 👨\u200d👩"


@given(st.text(max_size=40))
def test_visible_leaves_only_characters_the_fonts_can_draw(text: str) -> None:
    covered = coverage()
    for char in visible(text):
        point = ord(char)
        drawable = point in covered and point >= 0x20
        assert char in "\n\t" or drawable or is_default_ignorable(point), f"U+{point:04X}"
