#!/usr/bin/env bash
# Negative proof of the KRaft run (npm run test:e2e:kraft-negative): the CI KRaft run with the
# active controller's region cut and, at the cut, the controllers of the other two regions killed
# (E2E_FAULT=controller-majority), so no majority of the quorum is left anywhere. The quorum checks
# must then FAIL: no leader is elected outside the cut region, the voters never catch up again.
# (The ISR check alone would not see it: without a controller no ISR can shrink, so kafka-topics
# keeps reporting the old full ISR.) This script passes only when the run fails on those checks. Needs what e2e/run.sh needs (root, Java 17+, Maven, iproute2, openssl).
set -euo pipefail
cd "$(dirname "$0")/.."

log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
# Short waits: the recovery checks are expected to time out. E2E_RECORD=0: a broken run records nothing.
E2E_MODE=ci E2E_METADATA=kraft E2E_CUT_REGION=active-controller E2E_FAULT=controller-majority \
  E2E_PRODUCE_S=60 E2E_ISR_TIMEOUT_S=45 E2E_RECORD=0 bash e2e/run.sh 2>&1 | tee "$log"
code=${PIPESTATUS[0]}
set -e

missing=()
for expected in \
  'FAIL the quorum elected a leader outside' \
  'FAIL controller quorum: all 3 voters caught up with the leader after the restore'; do
  grep -qF "$expected" "$log" || missing+=("$expected")
done
if (( code != 0 )) && (( ${#missing[@]} == 0 )); then
  echo "kraft-negative: PASS the harness caught the lost quorum majority (exit $code): the leader and voter checks failed"
  exit 0
fi
echo "kraft-negative: FAIL the harness did not catch the lost quorum majority (exit $code; missing: ${missing[*]:-none})" >&2
exit 1
