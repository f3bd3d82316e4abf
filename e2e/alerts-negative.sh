#!/usr/bin/env bash
# Negative proof of the alert checks (npm run test:e2e:alerts-negative, also run by .ci/run): the
# generated CI tree with the region-down alert broken as an exporter or rule change would break it:
# its expression reads `up_renamed` instead of `up`. The harness runs up to the region cut's alert
# checks (E2E_STAGES=alerts: no rotation, a short load, no consumers) and must FAIL both the check
# that every metric an alert reads is present (before the cut) and the check that KafkaRegionDown
# fires for the cut region; this script passes only then. About 4 minutes. Needs what e2e/run.sh needs.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source-path=SCRIPTDIR source=ci-tree.sh
source e2e/ci-tree.sh
prepare_ci_tree alerts-negative
fetch_kafka

rules=$(grep -l 'alert: KafkaRegionDown' "$work"/clusters/*/monitoring/PrometheusRule-*.yaml || true)
[[ -n "$rules" ]] || { echo "alerts-negative: no PrometheusRule with KafkaRegionDown under $work/clusters: the generator changed, update this script" >&2; exit 1; }
# The expression is the line after the alert's annotations; rename `up{` only in KafkaRegionDown's.
python3 - "$rules" <<'PY'
import re, sys
path = sys.argv[1]
text = open(path).read()
start = text.index('alert: KafkaRegionDown')
end = text.find('- alert:', start + 1)
end = len(text) if end < 0 else end
block = text[start:end]
broken = re.sub(r'\bup\{', 'up_renamed{', block)
if broken == block:
    sys.exit(f'alerts-negative: {path}: KafkaRegionDown reads no up{{...}}: the generator changed, update this script')
open(path, 'w').write(text[:start] + broken + text[end:])
PY
echo "alerts-negative: KafkaRegionDown reads up_renamed in $rules"

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() { node dist/e2e.js cleanup || true; }
trap cleanup EXIT
set +e
E2E_MODE=ci E2E_STAGES=alerts E2E_ROTATE=none E2E_PRODUCE_S=${E2E_PRODUCE_S:-75} E2E_CUT_AT_S=${E2E_CUT_AT_S:-10} \
  timeout --signal=TERM --kill-after=30 600 node dist/e2e.js run \
  --fleet "$fleet" --clusters "$work/clusters" --work "$work" --kafka-lib "e2e/.kafka/$kafka_version/lib" \
  --kafka-home e2e/kafka-home --wan-bin "$wan_bin" --loadgen packages/loadgen/dist/cli.js | tee "$work/run.log"
code=${PIPESTATUS[0]}
set -e

present='FAIL every metric the alerts read is present for every pod'
firing="FAIL KafkaRegionDown{region="
if (( code != 0 )) && grep -qF "$present" "$work/run.log" && grep -q 'up_renamed' "$work/run.log" && grep -qF "$firing" "$work/run.log"; then
  echo "alerts-negative: PASS the harness caught the renamed metric (exit $code): the presence check names up_renamed and KafkaRegionDown never fired"
  exit 0
fi
echo "alerts-negative: FAIL the harness did not catch the renamed metric in KafkaRegionDown (exit $code); log $work/run.log" >&2
exit 1
