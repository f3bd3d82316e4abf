#!/usr/bin/env bash
# Builds the real control-plane binaries the e2e/k8s tests run, from the Go module proxy, at the
# versions go.mod pins: kube-apiserver, kube-controller-manager and kubectl (k8s.io/kubernetes),
# etcd (go.etcd.io/etcd/server/v3) and kustomize (sigs.k8s.io/kustomize/kustomize/v5).
# A binary already built for its version is reused; Go's caches live under
# ${XDG_CACHE_HOME:-~/.cache}/stretched-kafka/go, so a second run costs seconds.
# Flags follow upstream's release builds (hack/lib/golang.sh, etcd's build script):
# CGO_ENABLED=0, -trimpath, -s -w, and for Kubernetes the version in ldflags and the tags
# selinux,notest,grpcnotrace.
#   usage: e2e/k8s/build.sh        (prints one line per binary, built or reused, and the time)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

start=$SECONDS
export GOMODCACHE="$K8S_GO_CACHE/mod" GOCACHE="$K8S_GO_CACHE/build"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=readonly
mkdir -p "$K8S_BIN" "$GOMODCACHE" "$GOCACHE"
cd "$K8S_DIR"

# every k8s.io staging module must be replaced with the release matching k8s.io/kubernetes
[[ "$K8S_VERSION" =~ ^v1\.([0-9]+)\.([0-9]+)$ ]] || { echo "build.sh: k8s.io/kubernetes $K8S_VERSION is not v1.<minor>.<patch>" >&2; exit 1; }
kube_minor="${BASH_REMATCH[1]}"
staging="v0.${BASH_REMATCH[1]}.${BASH_REMATCH[2]}"
bad="$(awk -v s="$staging" '$2 == "=>" && $1 ~ /^k8s\.io\// && $4 != s { print $1 " => " $3 " " $4 }' go.mod)"
[[ -z "$bad" ]] || { echo "build.sh: go.mod replaces these k8s.io modules with a release other than $staging (run pin.sh):" >&2; echo "$bad" >&2; exit 1; }

# release time of the pinned tag as the build date: the same bytes on every machine
kube_date="$(go list -m -f '{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}' k8s.io/kubernetes)"
kube_ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  kube_ldflags+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$kube_minor"
  kube_ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=${kube_date:-1970-01-01T00:00:00Z}"
done

# build <ldflags> <tags> <package=binary-path>...: one `go build` for the missing ones
# (packages of one module share most of the compile work), then an atomic move into place
build() {
  local ldflags="$1" tags="$2" item pkg out tmp
  shift 2
  local -a pkgs=() outs=()
  for item; do
    pkg="${item%%=*}" out="${item#*=}"
    if [[ -x "$out" ]]; then
      echo "reused $(basename "$out") ${out#"$K8S_DIR"/}"
    else
      pkgs+=("$pkg") outs+=("$out")
    fi
  done
  ((${#pkgs[@]})) || return 0
  tmp="$(mktemp -d "$K8S_BIN/.build.XXXXXX")"
  # shellcheck disable=SC2064
  trap "rm -rf '$tmp'" EXIT
  local t0=$SECONDS
  if ((${#pkgs[@]} == 1)); then
    go build -trimpath -buildvcs=false -tags="$tags" -ldflags="$ldflags" -o "$tmp/$(basename "${outs[0]}")" "${pkgs[0]}"
  else
    go build -trimpath -buildvcs=false -tags="$tags" -ldflags="$ldflags" -o "$tmp/" "${pkgs[@]}"
  fi
  for out in "${outs[@]}"; do
    mkdir -p "$(dirname "$out")"
    mv "$tmp/$(basename "$out")" "$out"
  done
  rm -rf "$tmp"
  trap - EXIT
  for out in "${outs[@]}"; do echo "built  $(basename "$out") ${out#"$K8S_DIR"/} ($((SECONDS - t0)) s for ${#pkgs[@]})"; done
}

build "$kube_ldflags" selinux,notest,grpcnotrace \
  "k8s.io/kubernetes/cmd/kube-apiserver=$KUBE_APISERVER" \
  "k8s.io/kubernetes/cmd/kube-controller-manager=$KUBE_CONTROLLER_MANAGER" \
  "k8s.io/kubernetes/cmd/kubectl=$KUBECTL"
build "-s -w" "" "go.etcd.io/etcd/server/v3=$ETCD"
build "-s -w -X sigs.k8s.io/kustomize/api/provenance.version=$KUSTOMIZE_VERSION" "" \
  "sigs.k8s.io/kustomize/kustomize/v5=$KUSTOMIZE"

# OpenShift's Route CRD from the pinned github.com/openshift/api module zip (verified against
# sum.golang.org by go, and against the hash pinned in env.sh here)
if [[ -s "$ROUTE_CRD" ]]; then
  echo "reused routes.route.openshift.io CRD ${ROUTE_CRD#"$K8S_DIR"/}"
else
  t0=$SECONDS
  scratch="$(mktemp -d)"
  info="$(cd "$scratch" && GOFLAGS=-mod=mod go mod download -json "github.com/openshift/api@$OPENSHIFT_API_VERSION")"
  rmdir "$scratch"
  sum="$(sed -n 's/^[[:space:]]*"Sum": "\(.*\)",$/\1/p' <<<"$info")"
  dir="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' <<<"$info")"
  [[ "$sum" == "$OPENSHIFT_API_SUM" ]] || { echo "build.sh: github.com/openshift/api@$OPENSHIFT_API_VERSION has hash '$sum', env.sh pins $OPENSHIFT_API_SUM" >&2; exit 1; }
  src="$dir/route/v1/zz_generated.crd-manifests/routes.crd.yaml"
  [[ -s "$src" ]] || { echo "build.sh: no $src in github.com/openshift/api@$OPENSHIFT_API_VERSION" >&2; exit 1; }
  mkdir -p "$(dirname "$ROUTE_CRD")"
  cp "$src" "$ROUTE_CRD.tmp" && mv "$ROUTE_CRD.tmp" "$ROUTE_CRD"
  echo "copied routes.route.openshift.io CRD ${ROUTE_CRD#"$K8S_DIR"/} from github.com/openshift/api@$OPENSHIFT_API_VERSION ($((SECONDS - t0)) s)"
fi

echo "e2e/k8s binaries ready in $((SECONDS - start)) s: kubernetes $K8S_VERSION, etcd $ETCD_VERSION, kustomize $KUSTOMIZE_VERSION ($(go env GOVERSION))"
