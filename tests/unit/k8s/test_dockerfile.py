"""The image definition: hadolint clean, and the rules an image for this cluster must keep."""

from __future__ import annotations

import re

from hub.runtime.local import PROJECT_ROOT
from tests.unit.k8s.tools import run, tool

DOCKERFILE = PROJECT_ROOT / "Dockerfile"


def _instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
        for line in lines
        if line and not line.startswith("#")
    ]


def test_hadolint_finds_nothing() -> None:
    result = run(tool("hadolint"), "--failure-threshold", "info", DOCKERFILE)
    assert 0 == result.returncode, result.stdout + result.stderr


def test_every_base_image_is_pinned_by_tag_and_none_is_latest() -> None:
    bases = [args.split()[0] for op, args in _instructions() if op == "FROM"]
    assert len(bases) >= 3  # rules, builder, runtime
    for image in bases:
        _, _, tag = image.partition(":")
        assert tag and tag != "latest", image
        assert re.search(r"\d+\.\d+\.\d+", tag), f"{image}: pin a full version"
    assert re.fullmatch(r"python:3\.11\.\d+-slim-[a-z]+", bases[-1])


def test_the_runtime_stage_copies_only_the_venv_and_the_rules() -> None:
    ops = _instructions()
    last_from = max(i for i, (op, _) in enumerate(ops) if op == "FROM")
    final = ops[last_from:]
    copies = [args for op, args in final if op == "COPY"]
    assert all(args.startswith("--from=") for args in copies), copies
    assert any("/opt/venv" in c for c in copies)
    assert any("xrechnung" in c for c in copies)
    installs = " ".join(args for op, args in final if op == "RUN")
    for build_tool in ("gcc", "build-essential", "git", "maven", "pip install"):
        assert build_tool not in installs
    assert "--no-install-recommends" in installs


def test_it_runs_as_a_numeric_high_uid_with_hub_as_entrypoint() -> None:
    ops = _instructions()
    users = [args for op, args in ops if op == "USER"]
    assert users, "no USER"
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) >= 10000
    assert ("ENTRYPOINT", '["hub"]') in ops
    env = " ".join(args for op, args in ops if op == "ENV")
    assert "HUB_XRECHNUNG_RULES_DIR=" in env
    assert "PYTHONDONTWRITEBYTECODE=1" in env  # a read-only root filesystem


def test_nothing_is_added_from_a_url() -> None:
    assert [] == [args for op, args in _instructions() if op == "ADD"]
    assert not re.search(r"\b(curl|wget)\b", DOCKERFILE.read_text(encoding="utf-8"))


def test_dockerignore_keeps_local_state_out_of_the_build_context() -> None:
    lines = (PROJECT_ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert "*" in lines
    allowed = {line[1:] for line in lines if line.startswith("!")}
    assert {"pyproject.toml", "README.md", "hub/", "scripts/"} == allowed
