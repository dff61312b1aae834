"""A missing validator fails the tests with the command that installs it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.k8s import tools


def test_a_missing_tool_names_the_install_script(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(tools._PLACES, "kubeconform", tmp_path / "kubeconform")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(pytest.fail.Exception, match=r"scripts/k8s-tools\.sh"):
        tools.tool("kubeconform")
