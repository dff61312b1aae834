"""``hub connector new NAME``: a new connector distribution that installs, registers and passes
the conformance kit unchanged."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

NAME = re.compile(r"^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$")
KIND = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_.]*$")


class ScaffoldError(ValueError):
    """The name, kind or target directory cannot be used."""


@dataclass(frozen=True)
class Names:
    """The names one connector name gives rise to."""

    name: str  # enaio-dms
    kind: str  # municipal.enaio_dms
    transport: str  # http | directory

    @property
    def package(self) -> str:
        """Import package: ``hub_connector_enaio_dms``."""
        return "hub_connector_" + self.name.replace("-", "_")

    @property
    def distribution(self) -> str:
        """Distribution (folder) name: ``hub-connector-enaio-dms``."""
        return "hub-connector-" + self.name.replace("_", "-")

    @property
    def class_name(self) -> str:
        """Connector class: ``EnaioDmsConnector``."""
        return "".join(p.capitalize() for p in re.split(r"[-_]", self.name)) + "Connector"


PYPROJECT = """\
[build-system]
requires = ["setuptools>=69"]
build-backend = "setuptools.build_meta"

[project]
name = "{distribution}"
version = "0.1.0"
description = "IKZ hub connector {kind}"
requires-python = ">=3.11"
dependencies = ["ikz-hub"]

[project.optional-dependencies]
test = ["pytest>=8"]

# the hub finds connector kinds through this entry-point group
[project.entry-points."hub.connectors"]
"{kind}" = "{package}:{class_name}"

[tool.setuptools]
packages = ["{package}"]

[tool.pytest.ini_options]
testpaths = ["tests"]
asyncio_default_fixture_loop_scope = "function"
"""

MODULE = '''\
"""The ``{kind}`` connector kind.

render() turns one case into the document the back office imports (a pure
function: no I/O); the inherited deliver() hands it to the transport configured
in the tenant YAML, with the delivery id as idempotency key. Raise
TransientError (retry later), PermanentError (the back office will never take
it) or ConnectorConfigError (fix the configuration); the hub does the rest.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from hub.sdk import Connector, DeliveryRequested, Document, PermanentError, form_payload


class Settings(BaseModel):
    """``options`` of a ``{kind}`` instance in the tenant YAML."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    system_name: str = Field("{name}", min_length=1, description="name of the target system")


class {class_name}(Connector):
    """Sends each application as a JSON document."""

    kind = "{kind}"
    Settings: ClassVar[type[BaseModel]] = Settings

    def render(self, request: DeliveryRequested, attachments: Mapping[str, bytes]) -> Document:
        """The case as the back office wants it."""
        app = request.application
        if app is None:
            raise PermanentError("{kind} takes applications only", reason="mapping_failed")
        if not (isinstance(self.settings, Settings)):
            raise TypeError("invariant broken: isinstance(self.settings, Settings)")
        payload = {{
            "system": self.settings.system_name,
            "caseId": request.envelope.case_id,
            "deliveryId": request.delivery_id,
            **form_payload(app),
            "attachments": [
                {{"filename": a.filename, "mediaType": a.media_type, "sha256": a.sha256}}
                for a in app.attachments
            ],
        }}
        body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
        return Document(f"{{request.delivery_id}}.json", body, "application/json")
'''

TESTS = '''\
"""The hub's conformance kit, run over this connector."""

from typing import Any, ClassVar

from hub.sdk.testing import ConnectorConformance


class Test{class_name}(ConnectorConformance):
    kind = "{kind}"
    options: ClassVar[dict[str, Any]] = {{"system_name": "{name}"}}
    invalid_options: ClassVar[list[dict[str, Any]]] = [{{"system_name": ""}}]
'''

README = """\
# `{kind}`

Connector for the IKZ hub: sends each application to {name} as one JSON document.

## Install

```bash
pip install -e .          # registers the kind "{kind}" with the hub
pytest                    # the hub's conformance kit
```

## Configuration

In a tenant file (`config/tenants/<id>.yaml`):

```yaml
connectors:
  {short}:
    kind: {kind}
    transport: {transport_example}
    options: {{system_name: "{name}"}}
routes:
  - name: my-service
    service: "99050012104000"
    to: [{short}]
```

| setting | required | meaning |
| --- | --- | --- |
| `transport` | yes | `{{type: http, url: ..., auth: ...}}` or `{{type: directory, path: ...}}` |
| `options.system_name` | no | name of the target system, written into each document |

## What it sends

`{{deliveryId}}.json` (directory) or a `POST` with `Idempotency-Key: <deliveryId>` (http):
case id, delivery id, service, authority, applicant, form data and the attachments' metadata.

## Errors

Transport errors are classified by the hub's transports (connection problems, `429` and `5xx`
are retried; other `4xx` dead-letter the delivery). `render` raises `PermanentError` for cases it
cannot map.
"""


def create(name: str, directory: Path, *, kind: str | None = None, transport: str = "http") -> Path:
    """Write the distribution ``hub-connector-NAME`` into ``directory``; return its path."""
    if not NAME.match(name):
        raise ScaffoldError(f"name {name!r}: use lower-case letters, digits and hyphens (e-akte-x)")
    names = Names(name, kind or f"municipal.{name.replace('-', '_')}", transport)
    if not KIND.match(names.kind):
        raise ScaffoldError(f"kind {names.kind!r}: use '<family>.<product>', e.g. dms.enaio")
    if transport not in ("http", "directory"):
        raise ScaffoldError(f"transport {transport!r}: use http or directory")
    target = directory / names.distribution
    if target.exists():
        raise ScaffoldError(f"{target} exists already")
    values = {
        "name": name,
        "kind": names.kind,
        "package": names.package,
        "distribution": names.distribution,
        "class_name": names.class_name,
        "short": name.split("-", maxsplit=1)[0],
        "transport_example": (
            '{type: http, url: "https://backoffice.example/import"}'
            if transport == "http"
            else '{type: directory, path: "/mnt/import"}'
        ),
    }
    files = {
        "pyproject.toml": PYPROJECT,
        f"{names.package}/__init__.py": MODULE,
        f"{names.package}/py.typed": "",
        "tests/test_conformance.py": TESTS,
        "README.md": README,
    }
    for relative, template in files.items():
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(template.format(**values), encoding="utf-8")
    return target
