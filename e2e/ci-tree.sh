# shellcheck shell=bash
# Sourced by the harness's negative proofs (trust-negative.sh, wan-negative.sh,
# rotation-negative.sh) from the repo root: `prepare_ci_tree <name>` checks for root, makes the
# work folder <E2E_WORK_DIR>/<name>-<time> (absolute path in $work), builds the synthesizer, the
# load program, dist/e2e.js and the WAN's delay line ($wan_bin), and writes the CI fleet's tree
# (e2e/fleet.ci.yaml, in $fleet) to $work/clusters for the caller to weaken (`weaken`). `fetch_kafka` fetches
# Kafka's jars at the fleet's version through pom.xml (sets $kafka_version). `run_weakened <timeout-s>`
# runs the harness on the weakened tree with the caller's E2E_* settings (sets $code, log in $work/run.log).
prepare_ci_tree() {
  ci_tree_name=$1
  if [[ "$(id -u)" != 0 ]]; then echo "$1: must run as root (network namespaces)" >&2; exit 2; fi
  work="${E2E_WORK_DIR:-.e2e}/$1-$(date +%Y%m%d-%H%M%S)"
  mkdir -p "$work"
  work=$(cd "$work" && pwd)
  fleet=${E2E_FLEET:-e2e/fleet.ci.yaml}
  node scripts/build.mjs synth loadgen
  npx --no-install esbuild e2e/src/main.ts --bundle --platform=node --target=node20 --format=cjs --loader:.sh=text --log-level=warning --outfile=dist/e2e.js
  node dist/synth.js --fleet "$fleet" --out "$work/clusters" >/dev/null
  # shellcheck disable=SC2034 # read by the scripts that source this file
  wan_bin=$(bash e2e/wan/build.sh)
}

fetch_kafka() {
  kafka_version=$(node dist/e2e.js kafka-version --fleet "$fleet")
  timeout 600 mvn -q -B -f pom.xml -Dkafka.version="$kafka_version" dependency:copy-dependencies
}

# weaken FILE PATTERN REPLACEMENT: one sed substitution (every matching line) in FILE of every
# region's tree, which must match in each (else the generator changed and the proof is stale).
weaken() {
  local name=$1 pattern=$2 replacement=$3 n=0 f
  for f in "$work"/clusters/*/"$name"; do
    grep -qE "$pattern" "$f" || { echo "$ci_tree_name: $f has no line matching $pattern: the generator changed, update this script" >&2; exit 1; }
    sed -i -E "s#$pattern#$replacement#" "$f"
    n=$((n + 1))
  done
  echo "$ci_tree_name: $name: '$pattern' -> '$replacement' in $n region(s)"
}

run_weakened() {
  trap 'node dist/e2e.js cleanup || true' EXIT
  set +e
  timeout --signal=TERM --kill-after=30 "$1" node dist/e2e.js run \
    --fleet "$fleet" --clusters "$work/clusters" --work "$work" --kafka-lib "e2e/.kafka/$kafka_version/lib" \
    --kafka-home e2e/kafka-home --wan-bin "$wan_bin" --loadgen packages/loadgen/dist/cli.js | tee "$work/run.log"
  # shellcheck disable=SC2034 # read by the scripts that source this file
  code=${PIPESTATUS[0]}
  set -e
}
