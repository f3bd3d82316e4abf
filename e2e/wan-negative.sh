#!/usr/bin/env bash
# Negative proof of the WAN's round-trip check (npm run test:e2e:wan-negative, also run by
# .ci/run): the harness up to that check (E2E_STAGES=network: namespaces, delay lines, pings; no
# JVM), three times with E2E_WAN_MS=70. With the delay lines as configured the check must PASS;
# with the lines forced to apply no delay (E2E_WAN_TEST_DELAY_MS=0) and a 60 ms round trip (14%
# short, outside the ±10% allowed) it must FAIL, and the run must exit non-zero. About 20 s.
# Needs root, iproute2, iputils-ping and Go (the delay line is built by e2e/wan/build.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source-path=SCRIPTDIR source=ci-tree.sh
source e2e/ci-tree.sh
prepare_ci_tree wan-negative

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() { node dist/e2e.js cleanup || true; }
trap cleanup EXIT

# attempt <name> <E2E_WAN_TEST_DELAY_MS or empty>: the network stage's exit code, its output in <work>/<name>.log
attempt() {
  local code
  set +e
  E2E_MODE=ci E2E_STAGES=network E2E_WAN_MS=70 E2E_WAN_TEST_DELAY_MS="$2" E2E_RECORD=0 \
    timeout --signal=TERM --kill-after=30 120 node dist/e2e.js run --fleet "$fleet" --clusters "$work/clusters" \
    --work "$work/$1" --kafka-lib "$work/unused" --wan-bin "$wan_bin" >"$work/$1.log" 2>&1
  code=$?
  set -e
  grep -E '^e2e: (PASS|FAIL) inter-region|^e2e:   inter-region' "$work/$1.log" | sed "s/^/wan-negative: $1: /"
  return "$code"
}

check='inter-region round trip is the 70 ms asked for (±10%)'
failed=0
if attempt as-configured '' && grep -qF "PASS $check" "$work/as-configured.log"; then
  echo "wan-negative: PASS the delay lines as configured pass the check"
else
  echo "wan-negative: FAIL the delay lines as configured did not pass the check; log $work/as-configured.log" >&2
  failed=1
fi
for delay in 0 60; do
  if ! attempt "delay-$delay" "$delay" && grep -qF "FAIL $check" "$work/delay-$delay.log"; then
    echo "wan-negative: PASS the harness caught delay lines applying $delay ms instead of 70"
  else
    echo "wan-negative: FAIL the harness did not catch delay lines applying $delay ms instead of 70; log $work/delay-$delay.log" >&2
    failed=1
  fi
done
exit "$failed"
