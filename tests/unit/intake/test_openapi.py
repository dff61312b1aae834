"""hub.intake.openapi: the contract is valid OpenAPI 3.1, served as committed, and complete."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

from openapi_spec_validator import validate

from hub.config import HubConfig
from hub.intake.openapi import openapi_document
from hub.intake.problems import PROBLEM_TYPES
from tests.unit.factories import intake_client, intake_deps

ROOT = Path(__file__).resolve().parents[3]
COMMITTED = ROOT / "docs" / "openapi.json"


def test_document_is_valid_openapi_3_1() -> None:
    validate(openapi_document())  # raises on any violation of the OpenAPI 3.1 schema

    assert "3.1.0" == openapi_document()["openapi"]


def test_committed_document_equals_the_generated_one() -> None:
    committed = json.loads(COMMITTED.read_text())

    assert openapi_document() == committed, (
        "docs/openapi.json is stale: regenerate it with "
        "`python -m hub.intake.openapi > docs/openapi.json`"
    )


async def test_running_intake_serves_the_committed_document(
    tmp_path: Path, hub_config: HubConfig
) -> None:
    async with intake_client(intake_deps(tmp_path, hub_config)) as client:
        served = await (await client.get("/openapi.json")).json()

    assert json.loads(COMMITTED.read_text()) == served


def test_every_v1_operation_requires_the_signature() -> None:
    paths = openapi_document()["paths"]

    signed = {p for p, ops in paths.items() for op in ops.values() if op.get("security")}

    assert {p for p in paths if p.startswith("/v1/")} == signed


def _problem_kinds_raised(source: Path) -> set[str]:
    """Problem kinds written literally as ``Problem(status, "kind", ...)`` in a module."""
    kinds = set()
    for node in ast.walk(ast.parse(source.read_text())):
        if (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", None) == "Problem"
            and len(node.args) > 1
            and isinstance(node.args[1], ast.Constant)
        ):
            kinds.add(node.args[1].value)
    return kinds


def test_every_problem_type_intake_raises_is_documented_with_its_status() -> None:
    documented: dict[str, Any] = {
        k: p for kinds in PROBLEM_TYPES.values() for k, p in kinds.items()
    }
    raised = set().union(
        *(_problem_kinds_raised(p) for p in (ROOT / "hub" / "intake").glob("*.py"))
    )

    assert raised - {"method_not_allowed", "http_error"} <= set(documented)
    statuses = {op: {str(p.status) for p in kinds.values()} for op, kinds in PROBLEM_TYPES.items()}
    paths = openapi_document()["paths"]
    assert statuses["submit_application"] <= set(paths["/v1/applications"]["post"]["responses"])
    assert statuses["read_status"] <= set(paths["/v1/invoices/{id}"]["get"]["responses"])
