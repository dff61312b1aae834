"""hub.formats.xdomea.text: the sanitising rule."""

from __future__ import annotations

import pytest
from conftest import XSD_ROOT

from hub.formats.xdomea.text import ascii_stem, clean, truncate, xml_safe


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Müller\x00", "Müller\ufffd"),
        ("a\x08b\x1fc", "a\ufffdb\ufffdc"),
        ("tab\tnl\ncr\r", "tab\tnl\ncr\r"),
        ("lone \ud800 surrogate", "lone \ufffd surrogate"),
        ("\ufffe\uffff", "\ufffd\ufffd"),
        ("عربى עברית 𝄞", "عربى עברית 𝄞"),
    ],
    ids=[
        "nul",
        "controls",
        "allowed-whitespace",
        "lone-surrogate",
        "non-characters",
        "rtl-and-astral",
    ],
)
def test_characters_xml_forbids_become_replacement_characters(text: str, expected: str) -> None:
    assert expected == xml_safe(text)


def test_over_long_text_is_cut_to_the_limit_with_an_ellipsis() -> None:
    assert ("x" * 9 + "…", "x" * 10) == (truncate("x" * 11, 10), truncate("x" * 10, 10))


def test_clean_trims_and_drops_what_is_empty() -> None:
    assert (None, None, "a b") == (clean(None), clean(" \t\n "), clean("  a b \n"))


def test_clean_applies_replacement_before_truncation() -> None:
    assert "\ufffd" * 4 + "…" == clean("\x01" * 20, 5)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Bescheinigung für Müller", "Bescheinigung_fur_Muller"),
        ("../../etc/passwd", "etc_passwd"),
        ("صورة", "dokument"),
    ],
)
def test_zip_entry_stems_are_ascii(name: str, expected: str) -> None:
    assert expected == ascii_stem(name)


@pytest.mark.parametrize("version", ["3.1.0", "3.0.0"])
def test_the_schema_declares_no_length_limits_so_the_configured_limit_applies(version: str) -> None:
    # if a later schema adds maxLength facets, the rule must take them into account
    for xsd in (XSD_ROOT / version).glob("*.xsd"):
        assert "maxLength" not in xsd.read_text(encoding="utf-8"), xsd.name
