#!/usr/bin/env bash
# Smoke test of the real control plane built by build.sh, on loopback, no root needed:
# etcd + kube-apiserver (default admission plugins, RBAC, client-cert auth) + kube-controller-manager
# (all controllers, service-account token controller). Checks that the ReplicaSet controller creates
# Pods, that PodSecurity admission refuses a non-compliant one, that the token controller fills a
# service-account-token Secret; then applies the CRDs and the kustomize build of each path given
# (default: clusters/us-east4 and its loadjobs layer) with server-side apply as Argo CD does, one
# object at a time, and reports every object the API server refuses and every warning.
# Everything is torn down on every exit; every wait is bounded.
#   usage: e2e/k8s/smoke.sh [kustomize-dir...]
#   env:   K8S_SMOKE_KEEP=1 keeps the temp folder (logs, certs); K8S_SMOKE_CRDS overrides the CRD dirs
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
repo="$(cd "$K8S_DIR/../.." && pwd)"
crd_root="${K8S_SHARED_CRDS:-$repo/../shared/crds}"
read -r -a crd_dirs <<<"${K8S_SMOKE_CRDS:-cert-manager strimzi-0.45 submariner}"
if (($#)); then paths=("$@"); else paths=("$repo/clusters/us-east4" "$repo/clusters/us-east4/loadjobs"); fi
start=$SECONDS

for b in "$ETCD" "$KUBE_APISERVER" "$KUBE_CONTROLLER_MANAGER" "$KUBECTL" "$KUSTOMIZE"; do
  [[ -x "$b" ]] || { "$K8S_DIR/build.sh"; break; }
done

work="$(mktemp -d "${TMPDIR:-/tmp}/k8s-smoke.XXXXXX")"
pids=()
failures=0
# shellcheck disable=SC2317 # invoked by the trap
cleanup() {
  local rc=$? pid i
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill -TERM "${pids[i]}" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [[ "${K8S_SMOKE_KEEP:-}" == 1 ]]; then echo "kept $work"; else rm -rf "$work"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
die() { echo "smoke.sh: $*" >&2; exit 1; }

# a loopback TCP port nobody listens on, from a start value, not handed out before in this run
used=" "
free_port() {
  local p
  for ((p = $1; p < $1 + 500; p++)); do
    [[ "$used" == *" $p "* ]] && continue
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then used+="$p "; echo "$p"; return; fi
  done
  die "no free port from $1"
}

# start <name> <cmd...>: in the background, logging to $work/<name>.log, killed with this shell
start() {
  local name="$1"; shift
  setpriv --pdeathsig KILL -- "$@" >"$work/$name.log" 2>&1 &
  pids+=("$!")
  eval "pid_$name=$!"
}
# wait_for <what> <seconds> <component> <cmd...>: poll until cmd succeeds; fail early if the component died
wait_for() {
  local what="$1" secs="$2" comp="$3" deadline pid
  shift 3
  deadline=$((SECONDS + secs))
  pid_var="pid_$comp"
  pid="${!pid_var}"
  until "$@" >/dev/null 2>&1; do
    if ! kill -0 "$pid" 2>/dev/null; then tail -30 "$work/$comp.log" >&2; die "$comp exited while waiting for $what"; fi
    ((SECONDS < deadline)) || { tail -30 "$work/$comp.log" >&2; die "timed out after ${secs}s waiting for $what"; }
    sleep 0.5
  done
  echo "ok: $what ($((SECONDS - start)) s)"
}
k() { timeout 60 "$KUBECTL" --kubeconfig="$work/admin.kubeconfig" --cache-dir="$work/kube-cache" "$@"; }

# --- certificates: one CA signs the serving cert and the client certs; a service-account key pair
cd "$work"
ssl() { openssl "$@" 2>/dev/null; }
ssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 1 -subj "/CN=smoke-ca"
cert() { # cert <name> <subject> [extension lines]
  ssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "$2"
  printf '%s\n' "${@:3}" >"$1.ext"
  ssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 1 -out "$1.crt" -extfile "$1.ext"
}
cert apiserver "/CN=kube-apiserver" "subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local" "extendedKeyUsage=serverAuth"
cert admin "/O=system:masters/CN=smoke-admin" "extendedKeyUsage=clientAuth"
cert kcm "/CN=system:kube-controller-manager" "extendedKeyUsage=clientAuth"
ssl genrsa -out sa.key 2048
ssl rsa -in sa.key -pubout -out sa.pub

etcd_port="$(free_port 23790)"
etcd_peer="$(free_port 23890)"
api_port="$(free_port 16443)"
kcm_port="$(free_port 20257)"
kubeconfig() { # kubeconfig <name>: client cert <name>.crt against the API server
  local f="$work/$1.kubeconfig"
  "$KUBECTL" config set-cluster smoke --server="https://127.0.0.1:$api_port" --certificate-authority=ca.crt --embed-certs --kubeconfig="$f" >/dev/null
  "$KUBECTL" config set-credentials "$1" --client-certificate="$1.crt" --client-key="$1.key" --embed-certs --kubeconfig="$f" >/dev/null
  "$KUBECTL" config set-context smoke --cluster=smoke --user="$1" --kubeconfig="$f" >/dev/null
  "$KUBECTL" config use-context smoke --kubeconfig="$f" >/dev/null
}
kubeconfig admin
kubeconfig kcm

# --- etcd
start etcd "$ETCD" --name=smoke --data-dir="$work/etcd" \
  --listen-client-urls="http://127.0.0.1:$etcd_port" --advertise-client-urls="http://127.0.0.1:$etcd_port" \
  --listen-peer-urls="http://127.0.0.1:$etcd_peer" --initial-advertise-peer-urls="http://127.0.0.1:$etcd_peer" \
  --initial-cluster="smoke=http://127.0.0.1:$etcd_peer" --log-level=warn
wait_for "etcd $ETCD_VERSION healthy on 127.0.0.1:$etcd_port" 30 etcd curl -fsS --max-time 2 "http://127.0.0.1:$etcd_port/health"

# --- kube-apiserver: the default admission plugins (incl. PodSecurity, NamespaceLifecycle, ServiceAccount) are on
# by default; naming them here only documents that they are. --allow-privileged as on kubeadm's clusters, so
# PodSecurity, not this flag, is what refuses privileged Pods
start kube_apiserver "$KUBE_APISERVER" --etcd-servers="http://127.0.0.1:$etcd_port" \
  --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$api_port" \
  --tls-cert-file=apiserver.crt --tls-private-key-file=apiserver.key --client-ca-file=ca.crt \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-account-key-file=sa.pub --service-account-signing-key-file=sa.key \
  --service-cluster-ip-range=10.96.0.0/16 --authorization-mode=Node,RBAC --allow-privileged=true \
  --enable-admission-plugins=NamespaceLifecycle,ServiceAccount,PodSecurity --profiling=false
wait_for "kube-apiserver $K8S_VERSION /readyz on 127.0.0.1:$api_port" 90 kube_apiserver k get --raw /readyz

# --- kube-controller-manager: every controller; the token controller signs with the service-account key
start kube_controller_manager "$KUBE_CONTROLLER_MANAGER" --kubeconfig=kcm.kubeconfig \
  --authentication-kubeconfig=kcm.kubeconfig --authorization-kubeconfig=kcm.kubeconfig \
  --bind-address=127.0.0.1 --secure-port="$kcm_port" --leader-elect=false --controllers='*' \
  --service-account-private-key-file=sa.key --root-ca-file=ca.crt --use-service-account-credentials=true \
  --cluster-signing-cert-file=ca.crt --cluster-signing-key-file=ca.key --profiling=false
wait_for "kube-controller-manager /healthz on 127.0.0.1:$kcm_port" 60 kube_controller_manager \
  curl -fsSk --max-time 2 "https://127.0.0.1:$kcm_port/healthz"
echo "versions: $(k version -o json | tr -d ' \n' | sed -n 's/.*"clientVersion":{[^}]*"gitVersion":"\([^"]*\)".*"serverVersion":{[^}]*"gitVersion":"\([^"]*\)".*/kubectl \1, server \2/p'), $("$ETCD" --version | head -1), kustomize $("$KUSTOMIZE" version)"

# --- controllers: a restricted namespace, a compliant Deployment (Pod created) and a non-compliant one (refused)
k apply -f - >/dev/null <<'EOF'
apiVersion: v1
kind: Namespace
metadata:
  name: smoke
  labels: {pod-security.kubernetes.io/enforce: restricted, pod-security.kubernetes.io/warn: restricted}
EOF
deployment() { # deployment <name> <securityContext yaml>
  cat <<EOF
apiVersion: apps/v1
kind: Deployment
metadata: {name: $1, namespace: smoke}
spec:
  replicas: 1
  selector: {matchLabels: {app: $1}}
  template:
    metadata: {labels: {app: $1}}
    spec:
      containers:
        - name: pause
          image: registry.k8s.io/pause:3.10
          securityContext: $2
EOF
}
deployment ok '{runAsNonRoot: true, runAsUser: 65535, allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}, seccompProfile: {type: RuntimeDefault}}' | k apply --server-side --field-manager=smoke -f -
deployment bad '{privileged: true}' | k apply --server-side --field-manager=smoke -f - 2>&1 | sed 's/^/  bad Deployment: /' || true
wait_for "ReplicaSet controller created the compliant Pod (stays Pending: no scheduler, no kubelet)" 60 kube_controller_manager \
  bash -c "[[ -n \"\$(\"\$0\" --kubeconfig=$work/admin.kubeconfig get pods -n smoke -l app=ok -o name)\" ]]" "$KUBECTL"
wait_for "PodSecurity refused the privileged Pod (ReplicaSet FailedCreate event)" 60 kube_controller_manager \
  bash -c "\"\$0\" --kubeconfig=$work/admin.kubeconfig get events -n smoke --field-selector reason=FailedCreate -o jsonpath='{.items[*].message}' | grep -q 'violates PodSecurity'" "$KUBECTL"
[[ -z "$(k get pods -n smoke -l app=bad -o name)" ]] || fail "a privileged Pod was admitted into a restricted namespace"

# --- token controller: an empty service-account-token Secret gets its token
wait_for "ServiceAccount controller created smoke/default" 60 kube_controller_manager k get serviceaccount default -n smoke
k apply -f - >/dev/null <<'EOF'
apiVersion: v1
kind: Secret
metadata: {name: default-token, namespace: smoke, annotations: {kubernetes.io/service-account.name: default}}
type: kubernetes.io/service-account-token
EOF
wait_for "token controller filled smoke/default-token" 60 kube_controller_manager \
  bash -c "[[ -n \"\$(\"\$0\" --kubeconfig=$work/admin.kubeconfig get secret default-token -n smoke -o jsonpath='{.data.token}')\" ]]" "$KUBECTL"
token="$(k get secret default-token -n smoke -o jsonpath='{.data.token}' | base64 -d)"
whoami="$(timeout 30 "$KUBECTL" --server="https://127.0.0.1:$api_port" --certificate-authority=ca.crt --token="$token" \
  --kubeconfig=/dev/null auth whoami -o jsonpath='{.status.userInfo.username}' || true)"
if [[ "$whoami" == system:serviceaccount:smoke:default ]]; then
  echo "ok: the filled token authenticates as $whoami"
else fail "the filled token authenticates as '$whoami'"; fi
if [[ "$(k auth can-i list secrets -n smoke --as=system:serviceaccount:smoke:default 2>/dev/null || true)" == no ]]; then
  echo "ok: kubectl auth can-i: smoke:default cannot list secrets (RBAC)"
else fail "auth can-i did not deny"; fi

# --- CRDs, then the tree, one object at a time, server-side, as Argo CD's controller
for d in "${crd_dirs[@]}"; do
  for f in "$crd_root/$d"/*.yaml; do k apply --server-side --field-manager=smoke -f "$f" >/dev/null || fail "CRD $f refused"; done
done
k wait --for=condition=Established crd --all --timeout=60s >/dev/null
echo "ok: CRDs established: $(k get crd -o name | sed 's|.*/||' | sort | tr '\n' ' ')"

declare -A applied=() refused=() warned=()
for path in "${paths[@]}"; do
  label="${path#"$repo"/}"
  mkdir -p "$work/tree/$label"
  timeout 60 "$KUSTOMIZE" build "$path" >"$work/tree/$label/all.yaml"
  # one file per document (kustomize separates them with ---)
  awk -v dir="$work/tree/$label" 'BEGIN { n = 1 } /^---$/ { n++; next } { print > sprintf("%s/%03d.yaml", dir, n) }' "$work/tree/$label/all.yaml"
  echo "== $label: $(find "$work/tree/$label" -name '[0-9]*.yaml' | wc -l) objects (kustomize $KUSTOMIZE_VERSION)"
  for f in "$work/tree/$label"/[0-9]*.yaml; do
    obj="$(awk '/^kind:/ { k = $2 } /^metadata:/ { m = 1; next } m && /^  name:/ { n = $2 } m && /^  namespace:/ { ns = $2 "/" } /^[a-z]/ && !/^metadata:/ { m = 0 } END { print k " " ns n }' "$f")"
    if out="$(k apply --server-side --field-manager=argocd-controller -f "$f" 2>&1)"; then
      applied[$label]=$((${applied[$label]:-0} + 1))
      { echo "---"; cat "$f"; } >>"$work/tree/$label/accepted.yaml"
    else
      refused[$label]=$((${refused[$label]:-0} + 1))
      echo "REFUSED $obj:"; grep -v '^Warning:' <<<"$out" | sed 's/^/    /'
    fi
    if grep -q '^Warning:' <<<"$out"; then
      warned[$label]=$((${warned[$label]:-0} + 1))
      echo "WARNING $obj:"; grep '^Warning:' <<<"$out" | sed 's/^/    /'
    fi
  done
  echo "== $label: ${applied[$label]:-0} applied, ${refused[$label]:-0} refused, ${warned[$label]:-0} with warnings"
done

# --- what the controllers did with the tree's workloads (Pods stay Pending: no scheduler or kubelet)
sleep 10
echo "== Pods created by the controllers:"
k get pods -A --no-headers -o custom-columns=NS:.metadata.namespace,NAME:.metadata.name,OWNER:.metadata.ownerReferences[0].kind \
  | grep -v '^smoke ' | sed 's/^/    /' || echo "    (none)"
echo "== FailedCreate events (Pods the API server refused to a controller):"
k get events -A --field-selector reason=FailedCreate --no-headers -o custom-columns=OBJ:.involvedObject.kind,NAME:.involvedObject.name,MSG:.message \
  | grep -v ' \(ok\|bad\)-' | sort -u | sed 's/^/    /' || echo "    (none)"
echo "== Secrets of type service-account-token and whether the token controller filled them:"
k get secrets -A --field-selector type=kubernetes.io/service-account-token --no-headers \
  -o custom-columns=NS:.metadata.namespace,NAME:.metadata.name,SA:.metadata.annotations.kubernetes\\.io/service-account\\.name,TOKEN:.data.token \
  | awk '$1 != "smoke" { print "    " $1 "/" $2 " (sa " $3 "): " ($4 == "<none>" ? "EMPTY" : "filled") }'
echo "== kubectl diff --server-side of the accepted objects right after applying (a diff is what Argo CD would show as OutOfSync):"
for path in "${paths[@]}"; do
  label="${path#"$repo"/}"
  set +e
  [[ -s "$work/tree/$label/accepted.yaml" ]] || continue
  k diff --server-side --field-manager=argocd-controller -f "$work/tree/$label/accepted.yaml" >"$work/tree/$label/diff.txt" 2>&1
  rc=$?
  set -e
  case $rc in
    0) echo "    $label: no diff" ;;
    1) echo "    $label: diff in $(grep -c '^diff ' "$work/tree/$label/diff.txt") objects:"; grep '^diff ' "$work/tree/$label/diff.txt" | awk '{ print "      " $NF }' ;;
    *) echo "    $label: kubectl diff failed (rc $rc):"; grep -v '^diff\|^[-+ @]' "$work/tree/$label/diff.txt" | head -20 | sed 's/^/      /' ;;
  esac
done

total() { local n=0 v; for v in "$@"; do n=$((n + v)); done; echo "$n"; }
echo "smoke: $((SECONDS - start)) s; control-plane checks $([[ $failures == 0 ]] && echo passed || echo "FAILED ($failures)");" \
  "tree: $(total "${applied[@]}" 0) objects applied, $(total "${refused[@]}" 0) refused, $(total "${warned[@]}" 0) with warnings (reported above, not failures here)"
exit $((failures > 0))
