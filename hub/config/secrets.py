"""References to secrets: configuration names where a secret lives, never the secret."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, SecretStr, model_validator


class SecretRef(BaseModel):
    """Exactly one of ``env`` (variable name) or ``file`` (path, e.g. a Kubernetes secret mount)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    env: str | None = None
    file: Path | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> SecretRef:
        if (self.env is None) == (self.file is None):
            raise ValueError("give exactly one of 'env' or 'file'")
        return self

    def describe(self) -> str:
        """Where the secret is expected, for error messages."""
        return f"environment variable {self.env}" if self.env else f"file {self.file}"

    def resolve(self) -> SecretStr | None:
        """The secret, or None when it is not there (empty counts as missing)."""
        if self.env is not None:
            value = os.environ.get(self.env, "")
        else:
            if not (self.file is not None):
                raise RuntimeError("invariant broken: self.file is not None")
            try:
                value = self.file.read_text(encoding="utf-8").strip()
            except OSError:
                return None
        return SecretStr(value) if value else None
