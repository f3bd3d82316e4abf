# shellcheck shell=bash
# Sourced by the harness's negative proofs (trust-negative.sh, wan-negative.sh) from the repo root:
# `prepare_ci_tree <name>` checks for root, makes the work folder <E2E_WORK_DIR>/<name>-<time>
# (absolute path in $work), builds the synthesizer, the load program and dist/e2e.js, and writes
# the CI fleet's tree (e2e/fleet.ci.yaml, in $fleet) to $work/clusters.
prepare_ci_tree() {
  if [[ "$(id -u)" != 0 ]]; then echo "$1: must run as root (network namespaces)" >&2; exit 2; fi
  work="${E2E_WORK_DIR:-.e2e}/$1-$(date +%Y%m%d-%H%M%S)"
  mkdir -p "$work"
  work=$(cd "$work" && pwd)
  fleet=e2e/fleet.ci.yaml
  node scripts/build.mjs synth loadgen
  npx --no-install esbuild e2e/src/main.ts --bundle --platform=node --target=node20 --format=cjs --loader:.sh=text --log-level=warning --outfile=dist/e2e.js
  node dist/synth.js --fleet "$fleet" --out "$work/clusters" >/dev/null
}
