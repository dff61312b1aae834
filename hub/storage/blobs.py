"""Content-addressed attachment storage.

Blobs are stored by SHA-256; the same bytes are stored once. The local
directory store is the default; anything with the same three methods (an
S3-compatible store, for instance) can take its place. Blobs are never deleted
on a failed request: other cases may share the same bytes.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Protocol


class BlobStore(Protocol):
    """Where attachment bytes live while their case travels."""

    def put(self, sha256: str, data: bytes) -> tuple[str, bool]:
        """Store ``data`` under its hash; return (uri, newly created)."""
        ...

    def get(self, uri: str) -> bytes:
        """The bytes behind ``uri``; raises ``FileNotFoundError``."""
        ...


class LocalBlobStore:
    """Blobs as files ``<root>/sha256/<ab>/<hash>``; URIs look like ``blob:sha256:<hash>``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, sha256: str) -> Path:
        return self.root / "sha256" / sha256[:2] / sha256

    @staticmethod
    def uri(sha256: str) -> str:
        """The URI of the blob with this hash."""
        return f"blob:sha256:{sha256}"

    def _hash_of(self, uri: str) -> str:
        prefix = "blob:sha256:"
        digest = uri.removeprefix(prefix)
        if (
            not uri.startswith(prefix)
            or len(digest) != 64
            or not all(c in "0123456789abcdef" for c in digest)
        ):
            raise FileNotFoundError(f"not a blob uri: {uri}")
        return digest

    def put(self, sha256: str, data: bytes) -> tuple[str, bool]:
        """Store atomically (temp file + link); verify the hash again before writing."""
        if hashlib.sha256(data).hexdigest() != sha256:
            raise ValueError("content does not match its sha256")
        path = self._path(sha256)
        if path.exists():
            return self.uri(sha256), False
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            try:
                os.link(tmp, path)
                created = True
            except FileExistsError:
                created = False
        finally:
            Path(tmp).unlink(missing_ok=True)
        return self.uri(sha256), created

    def get(self, uri: str) -> bytes:
        """The bytes behind ``uri``."""
        return self._path(self._hash_of(uri)).read_bytes()

    def count(self) -> int:
        """Number of stored blobs (for tests and operators)."""
        base = self.root / "sha256"
        return (
            sum(1 for p in base.glob("*/*") if not p.name.startswith(".")) if base.exists() else 0
        )
