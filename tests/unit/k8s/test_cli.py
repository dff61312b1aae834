"""``hub k8s render`` on the command line: files written, problems named."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.k8s.cli import main
from hub.runtime.local import PROJECT_ROOT


def test_render_writes_a_base_and_removes_stale_connectors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "base"
    stale = out / "connectors" / "ikz-hub-connector-gone-dms.yaml"
    stale.parent.mkdir(parents=True)
    stale.write_text("stale", encoding="utf-8")
    assert 0 == main(["k8s", "render", "--config", str(PROJECT_ROOT / "config"), "--out", str(out)])
    assert (out / "kustomization.yaml").is_file()
    assert (out / "connectors" / "ikz-hub-connector-viernheim-dms.yaml").is_file()
    assert not stale.exists()
    assert "files" in capsys.readouterr().out


def test_an_invalid_configuration_is_reported_with_file_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = PROJECT_ROOT / "tests" / "fixtures" / "broken-config" / "route-to-undefined-connector"
    assert 1 == main(["k8s", "render", "--config", str(broken), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert "undefined connector" in err
    assert ".yaml" in err
    assert not (tmp_path / "out").exists()


def test_a_malformed_egress_cidr_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [
        "k8s",
        "render",
        "--config",
        str(PROJECT_ROOT / "config"),
        "--out",
        str(tmp_path),
        "--egress-cidr",
        "nohost",
    ]
    assert 1 == main(argv)
    assert "expected HOST=CIDR" in capsys.readouterr().err
