"""The offline validators the Kubernetes tests run (installed by scripts/k8s-tools.sh)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from hub.runtime.local import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy" / "k8s"
OVERLAYS = ("base", "dev", "prod", "partner-lampertheim")
FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "k8s"
SCHEMAS = PROJECT_ROOT.parent / "shared" / "standards" / "k8s-schemas"
KUBERNETES_VERSION = "1.33.0"
#: kinds kubernetes-validate has schemas for; the rest are custom resources for kubeconform
CORE_GROUPS = {"v1", "apps/v1", "policy/v1", "networking.k8s.io/v1", "autoscaling/v2"}

#: where each tool lands: go install -> .cache/go/bin, pip -> the venv, checkov -> own venv
_PLACES = {
    "kustomize": PROJECT_ROOT / ".cache" / "go" / "bin" / "kustomize",
    "kubeconform": PROJECT_ROOT / ".cache" / "go" / "bin" / "kubeconform",
    "checkov": PROJECT_ROOT / ".cache" / "checkov" / "bin" / "checkov",
    "hadolint": Path(sys.executable).parent / "hadolint",
    "kubernetes-validate": Path(sys.executable).parent / "kubernetes-validate",
}


def tool(name: str) -> str:
    """Path of a validator; fails the test (not skips) when it is not installed."""
    place = _PLACES[name]
    found = str(place) if place.is_file() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: run scripts/k8s-tools.sh", pytrace=False)
    return found


def run(*cmd: str | Path, check: bool = False) -> subprocess.CompletedProcess[str]:
    """Run a tool, capturing its output."""
    result = subprocess.run(
        [str(c) for c in cmd], capture_output=True, text=True, check=False, timeout=300
    )
    if check and result.returncode != 0:
        pytest.fail(f"{cmd[0]} failed:\n{result.stdout}\n{result.stderr}", pytrace=False)
    return result


def kustomize_build(directory: Path) -> str:
    """The manifests a kustomization renders to."""
    return run(tool("kustomize"), "build", directory, check=True).stdout


def documents(text: str) -> list[dict[str, Any]]:
    """The non-empty YAML documents of ``text``."""
    return [d for d in yaml.load_all(text, Loader=yaml.CSafeLoader) if d]


def core_only(text: str) -> str:
    """The documents of built-in kinds."""
    return dump([d for d in documents(text) if d["apiVersion"] in CORE_GROUPS])


def dump(docs: list[dict[str, Any]]) -> str:
    """YAML documents (libyaml: the validators' inputs are large)."""
    return yaml.dump_all(docs, Dumper=yaml.CSafeDumper)


def kubeconform(path: Path) -> subprocess.CompletedProcess[str]:
    """kubeconform v0.7.0 strict with the shared custom-resource schemas (core kinds are
    skipped there: no network here; kubernetes-validate checks them)."""
    if not SCHEMAS.is_dir():
        pytest.fail(f"custom-resource schemas missing at {SCHEMAS}", pytrace=False)
    location = f"{SCHEMAS}/{{{{.Group}}}}/{{{{.ResourceKind}}}}_{{{{.ResourceAPIVersion}}}}.json"
    return run(
        tool("kubeconform"),
        "-strict",
        "-summary",
        "-output",
        "json",
        "-ignore-missing-schemas",
        "-schema-location",
        location,
        path,
    )


def kubernetes_validate(*paths: Path) -> subprocess.CompletedProcess[str]:
    """kubernetes-validate --strict against the bundled schemas of one Kubernetes version."""
    return run(
        tool("kubernetes-validate"),
        "--strict",
        "--quiet",
        "--no-warn",
        "-k",
        KUBERNETES_VERSION,
        *paths,
    )


#: checkov checks left out, each for a reason:
SKIPPED_CHECKS = {
    # images are referenced by tag in git; the release pipeline pins the digest with
    # `kustomize edit set image` in the environment's overlay
    "CKV_K8S_43": "Image should use digest",
    # the tenant configuration decides: `secret_ref: {env: ...}` is delivered as an env var
    # from a Secret, `{file: ...}` as a file; the Kafka password is one librdkafka string
    # setting, and KEDA reads it from the Secret itself, not from the pod
    "CKV_K8S_35": "Prefer using secrets as files over secrets as environment variables",
}


def checkov(directory: Path) -> dict[str, Any]:
    """checkov's Kubernetes checks over every file of ``directory`` (one slow run)."""
    result = run(
        tool("checkov"),
        "--directory",
        directory,
        "--framework",
        "kubernetes",
        "--skip-check",
        ",".join(SKIPPED_CHECKS),
        "--output",
        "json",
        "--compact",
    )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"checkov gave no report:\n{result.stderr[-2000:]}", pytrace=False)
    return report if isinstance(report, dict) else report[0]
