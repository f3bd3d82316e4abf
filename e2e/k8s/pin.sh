#!/usr/bin/env bash
# Rewrites go.mod/go.sum for one Kubernetes, etcd and kustomize release: requires
# k8s.io/kubernetes at KUBE and replaces every k8s.io/* staging module with the matching v0.<minor>.<patch>
# (k8s.io/kubernetes' own go.mod points them at ./staging, which a dependency cannot use).
# go.mod is the one place the versions live; build.sh reads them from there.
#   usage: e2e/k8s/pin.sh v1.34.4 v3.6.5 v5.7.1
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
kube="${1:?kubernetes version, e.g. v1.34.4}"
etcd="${2:?etcd version, e.g. v3.6.5}"
kustomize="${3:?kustomize version, e.g. v5.7.1}"
[[ "$kube" =~ ^v1\.([0-9]+)\.([0-9]+)$ ]] || { echo "pin.sh: $kube is not v1.<minor>.<patch>" >&2; exit 2; }
staging_version="v0.${BASH_REMATCH[1]}.${BASH_REMATCH[2]}"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/stretched-kafka/go"
export GOMODCACHE="$cache/mod" GOCACHE="$cache/build" GOFLAGS=-mod=mod GOTOOLCHAIN=local
cd "$here"
[[ -f go.mod ]] || go mod init stretched-kafka/e2e/k8s
go mod edit -go=1.24.0 -godebug=default=go1.24
go mod download "k8s.io/kubernetes@$kube"
kube_mod="$(go mod download -json "k8s.io/kubernetes@$kube" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
# every staging module k8s.io/kubernetes replaces with ./staging/src/...
mapfile -t staging < <(sed -n 's|^[[:space:]]*\(k8s\.io/[^[:space:]]*\) => \./staging/.*|\1|p' "$kube_mod")
edits=(-require="k8s.io/kubernetes@$kube" -require="go.etcd.io/etcd/server/v3@$etcd"
  -require="sigs.k8s.io/kustomize/kustomize/v5@$kustomize")
for m in "${staging[@]}"; do edits+=(-replace="$m=$m@$staging_version"); done
go mod edit "${edits[@]}"
go mod tidy
echo "pinned k8s.io/kubernetes $kube (${#staging[@]} staging modules at $staging_version), etcd $etcd, kustomize $kustomize"
