"""structlog configuration with a redaction processor.

Personal data (names, addresses, birth dates, e-mail, IBAN, form contents) must
never reach a log line. Two layers make sure of it:

1. keys that carry personal data are masked whatever their value;
2. string values are scanned for e-mail addresses and IBANs.

Context (tenant, connector, case id, correlation id) is bound through
``structlog.contextvars``, never formatted into messages.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

REDACTED = "[redacted]"


def _normalise(key: str) -> str:
    """``givenName``, ``given_name`` and ``given-name`` all become ``givenname``."""
    return key.lower().replace("_", "").replace("-", "")


PERSONAL_KEYS = frozenset(
    _normalise(k)
    for k in (
        "applicant", "name", "given_name", "family_name", "birth_date", "address", "street",
        "postal_code", "city", "email", "e_mail", "phone", "iban", "bic", "form_data",
        "form_data_json", "reply_channel", "body", "content", "content_base64", "kontoinhaber",
        "register_number",
    )
)  # fmt: skip

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b")


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return _IBAN.sub(REDACTED, _EMAIL.sub(REDACTED, value))
    if isinstance(value, dict):
        return {k: REDACTED if _is_personal(k) else _scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(v) for v in value]
    return value


def _is_personal(key: object) -> bool:
    return isinstance(key, str) and _normalise(key) in PERSONAL_KEYS


def redact_personal_data(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: mask personal keys, scrub e-mails and IBANs from values."""
    for key in list(event_dict):
        if _is_personal(key):
            event_dict[key] = REDACTED
        else:
            event_dict[key] = _scrub(event_dict[key])
    return event_dict


SHARED_PROCESSORS: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.processors.add_log_level,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    structlog.processors.format_exc_info,
    redact_personal_data,
]


#: what a fresh broker makes aiokafka log while its group coordinator loads (__consumer_offsets
#: is being created): retried by aiokafka within seconds, so not worth a warning
TRANSIENT_STARTUP_NOISE = ("GroupCoordinatorNotAvailableError", "NotCoordinatorForGroupError")


class StartupNoise(logging.Filter):
    """Lowers aiokafka's coordinator-not-ready messages to DEBUG; everything else passes."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep the record, demoted when it is start-up noise."""
        if record.levelno > logging.DEBUG and any(
            noise in record.getMessage() for noise in TRANSIENT_STARTUP_NOISE
        ):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)
        return True


def configure_logging(level: str = "INFO", fmt: str = "json") -> None:
    """Configure structlog and route stdlib logging (faust, aiokafka) through it."""
    renderer: Any = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[*SHARED_PROCESSORS, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
            foreign_pre_chain=SHARED_PROCESSORS,
        )
    )
    handler.addFilter(StartupNoise())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # the libraries are chatty at INFO: their warnings come through, all of it at DEBUG
    for noisy in (
        "faust",
        "mode",
        "aiokafka",
        "aiohttp.access",
        "httpx",
        "weasyprint",
        "fontTools",
    ):
        library_level = (
            logging.INFO if root.level <= logging.DEBUG else max(logging.WARNING, root.level)
        )
        logging.getLogger(noisy).setLevel(library_level)


def get_logger(name: str) -> Any:
    """A structlog logger named after its module."""
    return structlog.get_logger(name)
