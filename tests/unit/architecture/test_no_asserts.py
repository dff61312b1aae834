"""No ``assert`` in the product code: ``python -O`` removes them, so they cannot guard anything.

(The conformance kit in ``hub/sdk/testing.py`` is test code shipped to connector authors.)
"""

from __future__ import annotations

import ast
from pathlib import Path

HUB = Path(__file__).resolve().parents[3] / "hub"


def test_no_assert_statement_outside_test_code() -> None:
    found = [
        f"{path.relative_to(HUB.parent)}:{node.lineno}"
        for path in sorted(HUB.rglob("*.py"))
        if path.name != "testing.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Assert)
    ]

    assert [] == found
