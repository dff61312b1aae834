"""The one error of the xdomea format: a case that cannot be represented."""

from __future__ import annotations


class MappingError(Exception):
    """A case cannot be rendered as xdomea; ``field`` names the input that is at fault.

    The runtime treats it as permanent (``mapping_failed``): retrying renders the same.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class ConfirmationError(ValueError):
    """Bytes that are not a readable xdomea message of the expected kind."""
