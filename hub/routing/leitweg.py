"""Leitweg-IDs: the routing ids of public invoice recipients (BT-10, buyer reference).

Form: ``Grobadressierung`` (2-12 digits, the area key) ``-`` optional
``Feinadressierung`` (up to 30 letters or digits) ``-`` two check digits.
The check digits are ISO 7064 MOD 97-10 over the id without hyphens, letters
counting A=10 ... Z=35: ``98 - (body + "00") mod 97``; a complete id is valid
when its number is ``1 mod 97``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FORM = re.compile(r"^(?P<grob>\d{2,12})(?:-(?P<fein>[A-Za-z0-9]{1,30}))?-(?P<check>\d{2})$")


class LeitwegError(ValueError):
    """Not a valid Leitweg-ID; ``reason`` is ``format`` or ``check_digits``."""

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        super().__init__(message)


@dataclass(frozen=True)
class LeitwegId:
    """A parsed, valid Leitweg-ID."""

    grob: str
    fein: str | None
    check: str

    def __str__(self) -> str:
        return "-".join(p for p in (self.grob, self.fein, self.check) if p)


def _number(text: str) -> int:
    return int("".join(str(int(c, 36)) if c.isalpha() else c for c in text.upper()))


def check_digits(grob: str, fein: str | None = None) -> str:
    """The two check digits for a Grob- and optional Feinadressierung."""
    return f"{98 - _number(grob + (fein or '') + '00') % 97:02d}"


def parse_leitweg_id(value: str) -> LeitwegId:
    """Parse and verify a Leitweg-ID; raises :class:`LeitwegError`."""
    match = _FORM.match(value.strip())
    if match is None:
        raise LeitwegError(
            "format",
            f"{value!r} is not of the form "
            "<2-12 digits>[-<up to 30 letters/digits>]-<2 check digits>",
        )
    lid = LeitwegId(match["grob"], match["fein"], match["check"])
    if _number(lid.grob + (lid.fein or "") + lid.check) % 97 != 1:
        expected = check_digits(lid.grob, lid.fein)
        raise LeitwegError("check_digits", f"check digits of {value!r} should be {expected}")
    return lid
