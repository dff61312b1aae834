"""The sanitising rule: any text can be put into an xdomea message, never an invalid one.

1. Every code point that XML 1.0 does not allow (C0 controls other than tab, line feed
   and carriage return; lone surrogates; U+FFFE and U+FFFF) is replaced by U+FFFD.
2. Text longer than the limit is cut to ``limit - 1`` code points followed by "…"
   (U+2026), so it is exactly ``limit`` long. xdomea 3.x declares no length facets on
   the string types the hub fills; the limit (``FilingSettings.max_text_length``,
   default 255) keeps metadata within what DMS products store in a field. Full
   content is never lost: the form data travels unchanged in the JSON primary document.
3. Text that is empty after trimming is left out (optional elements) or replaced by a
   named fallback (required ones).

ZIP entry names are ASCII only (``{uuid}_{ascii stem}.{ext}``, at most 120 characters)
because DMS import folders live on file systems and tools that do not agree on name
encodings; the original name is kept in ``DateinameOriginal``.
"""

from __future__ import annotations

import re
import unicodedata

REPLACEMENT = "\ufffd"
ELLIPSIS = "\u2026"
DEFAULT_MAX_TEXT_LENGTH = 255
MAX_STEM_LENGTH = 72

# complement of XML 1.0's Char production
_FORBIDDEN = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_NOT_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def xml_safe(text: str) -> str:
    """``text`` with every character XML 1.0 forbids replaced by U+FFFD."""
    return _FORBIDDEN.sub(REPLACEMENT, text)


def truncate(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` code points, the last one "…", when it is longer."""
    if len(text) <= limit:
        return text
    return text[: limit - 1] + ELLIPSIS


def clean(text: str | None, limit: int = DEFAULT_MAX_TEXT_LENGTH) -> str | None:
    """The rule for element text: XML-safe, trimmed, truncated; ``None`` when nothing is left."""
    if text is None:
        return None
    safe = xml_safe(text).strip()
    return truncate(safe, limit) if safe else None


def ascii_stem(name: str, fallback: str = "dokument") -> str:
    """An ASCII file name stem: accents dropped, other characters folded to "_"."""
    decomposed = unicodedata.normalize("NFKD", xml_safe(name))
    ascii_only = decomposed.encode("ascii", "ignore").decode("ascii")
    stem = _NOT_NAME.sub("_", ascii_only).strip("._-")
    return stem[:MAX_STEM_LENGTH].rstrip("._-") or fallback


def split_name(filename: str) -> tuple[str, str]:
    """(stem, extension) of the last path component; extension lower case, may be empty."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    stem, dot, ext = base.rpartition(".")
    if not dot or not stem:
        return base, ""
    ext = _NOT_NAME.sub("", ext.lower())[:10]
    return stem, ext
