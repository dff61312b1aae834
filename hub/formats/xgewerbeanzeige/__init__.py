"""XGewerbeanzeige 2.2 (trade registration): the Gewerbeanmeldung message, built from a template
derived from KoSIT's official example instance."""

from hub.formats.xgewerbeanzeige.codes import CODE_RULES, KENNUNG_LISTS, code_problem
from hub.formats.xgewerbeanzeige.message import MessageError, MessageHeader, build_message
from hub.formats.xgewerbeanzeige.template import (
    MESSAGE_TYPE,
    NAMESPACE,
    REQUIRED,
    ROOT,
    VERSION,
    Node,
    template,
    template_paths,
)

__all__ = [
    "CODE_RULES",
    "KENNUNG_LISTS",
    "MESSAGE_TYPE",
    "NAMESPACE",
    "REQUIRED",
    "ROOT",
    "VERSION",
    "MessageError",
    "MessageHeader",
    "Node",
    "build_message",
    "code_problem",
    "template",
    "template_paths",
]
