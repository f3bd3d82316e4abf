#!/usr/bin/env bash
# Negative proof of the rotation checks (npm run test:e2e:rotation-negative, also run by .ci/run):
# the generated CI tree with the reload broken in two places, then the harness's rotation stage
# (E2E_STAGES=rotation). The brokers' reload-tls sidecar still notices the new files and logs a
# reload, but its kafka-configs call is replaced by `true` (the broker is never told), and
# ZooKeeper's start.sh no longer starts its certificate watcher. This script passes only when the
# rotation stage FAILS on exactly those two checks: a broker still serving its old certificate on
# the internal listener (seen by openssl s_client despite the log line) and a ZooKeeper member
# that never restarted. Needs what e2e/run.sh needs (root, Java 17+, Maven, iproute2, openssl).
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source-path=SCRIPTDIR source=ci-tree.sh
source e2e/ci-tree.sh
prepare_ci_tree rotation-negative
fetch_kafka

# shellcheck disable=SC2016 # sed patterns with literal $, not expansions
weaken kafka/ConfigMap-kafka-config.yaml '"\$KAFKA_HOME/bin/kafka-configs.sh" --bootstrap-server' 'true --bootstrap-server'
# shellcheck disable=SC2016
weaken zookeeper/ConfigMap-zookeeper-config.yaml '^( *)watch_certificates "\$\$" &$' '\1true'

# Short watch intervals: the breakage shows in the first interval, no need to wait minutes for it.
E2E_MODE=ci E2E_STAGES=rotation E2E_CERT_WATCH_S=10 E2E_CERT_STAGGER_S=20 E2E_RECORD=0 run_weakened 900

expected=(
  'FAIL rotation: broker [0-9]+ serves the new kafka-tls certificate on 9091'
  'FAIL rotation: ZooKeeper [0-9]+ restarted once for the new certificates'
)
caught=0
for e in "${expected[@]}"; do grep -qE "$e" "$work/run.log" && caught=$((caught + 1)); done
if (( code != 0 && caught == ${#expected[@]} )); then
  echo "rotation-negative: PASS the harness caught both broken reloads (exit $code): a broker serving its old certificate, a ZooKeeper member never restarted"
  exit 0
fi
echo "rotation-negative: FAIL the harness did not catch the broken reloads (exit $code, $caught of ${#expected[@]} expected failures); log $work/run.log" >&2
exit 1
