#!/usr/bin/env bash
# Negative proof of the migration run (npm run test:e2e:migration-negative): the CI migration run
# with phase 2 committed but its broker roll left out (E2E_FAULT=migration-no-roll), so no broker
# ever runs with the migration settings. The checks of phase 2, which wait for what Kafka reports,
# must then FAIL: no metadata copied from ZooKeeper, no ZkMigrationState MIGRATION, no broker
# registered with the quorum. The run stops after phase 2. This script passes only when the run
# fails on those checks. Needs what e2e/run.sh needs (root, Java 17+, Maven, iproute2, openssl).
set -euo pipefail
cd "$(dirname "$0")/.."

log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
E2E_MODE=ci E2E_METADATA=migration E2E_FAULT=migration-no-roll E2E_RECORD=0 bash e2e/run.sh 2>&1 | tee "$log"
code=${PIPESTATUS[0]}
set -e

missing=()
for expected in \
  'PASS phase 1: the controllers recorded ZkMigrationState PRE_MIGRATION' \
  'FAIL phase 2: the active controller logged the metadata copied from ZooKeeper' \
  'FAIL phase 2: the controllers recorded ZkMigrationState MIGRATION' \
  'FAIL phase 2: every broker (0, 10, 20) is an observer of the KRaft quorum'; do
  grep -qF "$expected" "$log" || missing+=("$expected")
done
if (( code != 0 )) && (( ${#missing[@]} == 0 )); then
  echo "migration-negative: PASS the harness caught the brokers left out of phase 2 (exit $code): the phase 2 checks failed"
  exit 0
fi
echo "migration-negative: FAIL the harness did not catch the brokers left out of phase 2 (exit $code; missing: ${missing[*]:-none})" >&2
exit 1
