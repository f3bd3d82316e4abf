#!/usr/bin/env bash
# npm run test:k8s: the generated tree on real Kubernetes API servers (one control plane per region
# and purpose, on loopback, no root), applied as Argo CD and Flux apply it; first install, no
# perpetual diff, upgrade from the previous release, fleet changes, negative proof. See README.md.
#   usage: e2e/k8s/run.sh [--inject immutable|port-name|privileged] [--keep]
#   env:   K8S_STAGES (argo,flux,upgrade,changes,negative), K8S_CHANGES (ids), K8S_PREVIOUS (commit),
#          K8S_TIMEOUT_S (whole run, default 720), K8S_KEEP=1 (keep the work dir with logs)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
repo="$(cd "$K8S_DIR/../.." && pwd)"
cd "$repo"
start=$SECONDS

missing=()
for tool in go node openssl curl setpriv git tar; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if ((${#missing[@]})); then echo "k8s: missing prerequisites: ${missing[*]} (see e2e/k8s/README.md)" >&2; exit 2; fi

"$K8S_DIR/build.sh"
K8S_BUILD_SECONDS=$((SECONDS - start))
export K8S_BUILD_SECONDS

node scripts/build.mjs synth plan
npx --no-install esbuild e2e/k8s/src/main.ts --bundle --platform=node --target=node20 --format=cjs \
  --log-level=warning --outfile=dist/k8s-e2e.js

work="$repo/.e2e/k8s-$(date +%Y%m%d-%H%M%S)-$$"
mkdir -p "$work"
# second line of defence: whatever the program left running (it kills its process groups itself)
cleanup() {
  local rc=$? pid
  if [[ -s "$work/pids" ]]; then
    while read -r pid; do kill -KILL -- "-$pid" 2>/dev/null || true; done <"$work/pids"
  fi
  [[ -d "$work" && "${K8S_KEEP:-}" != 1 && " $* " != *" --keep "* ]] && rm -rf "$work"
  exit "$rc"
}
trap 'cleanup "$@"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

timeout --signal=TERM --kill-after=20 "${K8S_TIMEOUT_S:-720}" \
  node dist/k8s-e2e.js --repo "$repo" --work "$work" --route-crd "$ROUTE_CRD" "$@"
