# shellcheck shell=bash
# Sourced by build.sh and smoke.sh. The versions live in ONE place, go.mod (written by pin.sh);
# this file only reads them and derives the cache folders and the binary paths from them.

K8S_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# mod_version <module>: the version go.mod requires (not a replace line)
mod_version() {
  awk -v m="$1" '$1 == "require" { $1 = ""; $0 = substr($0, 2) }
    $1 == m && $2 ~ /^v[0-9]/ { print $2; exit }' "$K8S_DIR/go.mod"
}

K8S_VERSION="$(mod_version k8s.io/kubernetes)"
ETCD_VERSION="$(mod_version go.etcd.io/etcd/server/v3)"
KUSTOMIZE_VERSION="$(mod_version sigs.k8s.io/kustomize/kustomize/v5)"
export K8S_VERSION ETCD_VERSION KUSTOMIZE_VERSION
for v in K8S_VERSION ETCD_VERSION KUSTOMIZE_VERSION; do
  [[ -n "${!v}" ]] || { echo "e2e/k8s: no $v in $K8S_DIR/go.mod" >&2; return 1; }
done

# built binaries: ignored folder in the repo, one folder per component and version
export K8S_BIN="${K8S_BIN:-$K8S_DIR/.bin}"
export KUBE_APISERVER="$K8S_BIN/kube-apiserver-$K8S_VERSION/kube-apiserver"
export KUBE_CONTROLLER_MANAGER="$K8S_BIN/kube-controller-manager-$K8S_VERSION/kube-controller-manager"
export KUBECTL="$K8S_BIN/kubectl-$K8S_VERSION/kubectl"
export ETCD="$K8S_BIN/etcd-$ETCD_VERSION/etcd"
export KUSTOMIZE="$K8S_BIN/kustomize-$KUSTOMIZE_VERSION/kustomize"

# OpenShift's Route CRD (route.openshift.io/v1), taken at build time from the module zip of
# github.com/openshift/api (the repository has no semver tags; this pseudo-version is its master of
# 2025-10-15, built on k8s.io/api v0.34.1 like the Kubernetes 1.34 pinned in go.mod). Not a
# requirement of go.mod (it would lift go-spew in the Kubernetes build), so its version and go.sum
# hash are pinned here; build.sh checks the hash the proxy and sum.golang.org agree on.
export OPENSHIFT_API_VERSION="v0.0.0-20251015095338-264e80a2b6e7"
export OPENSHIFT_API_SUM="h1:Ot2fbEEPmF3WlPQkyEW/bUCV38GMugH/UmZvxpWceNc="
export ROUTE_CRD="$K8S_BIN/openshift-api-$OPENSHIFT_API_VERSION/routes.route.openshift.io.yaml"

# Go's module and build caches, outside the repo, shared by every clone
export K8S_GO_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/stretched-kafka/go"
