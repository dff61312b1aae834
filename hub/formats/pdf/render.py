"""HTML to PDF/A-2u with WeasyPrint, with the project's fonts and nothing else.

PDF/A-2u is PDF/A-2b plus a Unicode mapping for every glyph, so every conforming reader (and
the DMS full-text index) extracts the exact text. WeasyPrint writes the XMP metadata, the sRGB
output intent and embeds font subsets; veraPDF checks the result in the tests.
"""

from __future__ import annotations

import contextlib
import functools
import os
import tempfile
import threading
import warnings
from collections.abc import Iterator
from importlib import resources
from typing import Any

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from hub.formats.pdf import fonts

PDF_VARIANT = "pdf/a-2u"

# fontconfig configuration with no font directories: only @font-face files are known, so no
# installed system font can be picked as a fallback.
_EMPTY_FONTCONFIG = (
    '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
    "<fontconfig></fontconfig>\n"
)

# Pango font maps and fontconfig configurations are not safe to share between threads.
_LOCK = threading.Lock()


class _FontFilesOnly(URLFetcher):  # type: ignore[misc]
    """Serves the project's font files and refuses every other URL."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols={"file"})
        self._allowed = fonts.allowed_font_urls()

    def fetch(self, url: str, headers: Any = None) -> Any:
        if url not in self._allowed:
            raise ValueError(f"PDF rendering loads no resources besides its fonts: {url}")
        return super().fetch(url, headers)


@contextlib.contextmanager
def _no_system_fonts() -> Iterator[None]:
    with tempfile.TemporaryDirectory(prefix="hub-fontconfig-") as folder:
        path = os.path.join(folder, "fonts.conf")  # noqa: PTH118 - environment value is a str
        with open(path, "w", encoding="utf-8") as handle:  # noqa: PTH123
            handle.write(_EMPTY_FONTCONFIG)
        previous = os.environ.get("FONTCONFIG_FILE")
        os.environ["FONTCONFIG_FILE"] = path
        try:
            yield
        finally:
            if previous is None:
                del os.environ["FONTCONFIG_FILE"]
            else:
                os.environ["FONTCONFIG_FILE"] = previous


@functools.cache
def _setup() -> tuple[FontConfiguration, list[CSS], URLFetcher]:
    """Font configuration and style sheets, built once per process (loading fonts is slow)."""
    fonts.check_installed()
    with _no_system_fonts():
        font_config = FontConfiguration()
    fetcher = _FontFilesOnly()
    families = (
        f"html {{ font-family: {fonts.font_stack(fonts.TEXT_FAMILIES)}; }}\n"
        f".mono, td.hash {{ font-family: {fonts.font_stack(fonts.MONO_FAMILIES)}; }}\n"
    )
    layout = resources.files(__package__).joinpath("style.css").read_text(encoding="utf-8")
    sheets = [
        CSS(
            string=fonts.css_font_faces() + "\n" + families + layout,
            font_config=font_config,
            url_fetcher=fetcher,
        ),
    ]
    return font_config, sheets, fetcher


def html_to_pdfa(document: str) -> bytes:
    """Render a complete HTML document (as built by ``document.py``) to PDF/A-2u bytes."""
    with _LOCK, warnings.catch_warnings():
        # WeasyPrint opens its sRGB output-intent profile without closing it; the file is
        # read completely, so the warning at its release says nothing about this process
        warnings.filterwarnings(
            "ignore", message=r"unclosed file .*sRGB2014\.icc", category=ResourceWarning
        )
        font_config, sheets, fetcher = _setup()
        pdf: bytes = HTML(string=document, url_fetcher=fetcher).write_pdf(
            stylesheets=sheets,
            font_config=font_config,
            pdf_variant=PDF_VARIANT,
        )
    return pdf
