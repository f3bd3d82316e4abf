#!/usr/bin/env bash
# Negative proof of the trust checks (npm run test:e2e:trust-negative, also run by .ci/run): the
# generated CI tree with ONE line weakened, the client listener's principal mapping reduced to the
# bare common name, as a single shared trust domain would map it. A forged CN=kafka-admin from the
# application CA is then the super user kafka-admin, and the harness must say so: this script
# passes only when the trust stage FAILS on exactly that check. Needs what e2e/run.sh needs (root,
# Java 17+, Maven, iproute2, openssl) and the Kafka jars that run.sh fetched (it fetches them too).
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source-path=SCRIPTDIR source=ci-tree.sh
source e2e/ci-tree.sh
prepare_ci_tree trust-negative
fetch_kafka

key='listener.name.clients.ssl.principal.mapping.rules'
weakened=0
for f in "$work"/clusters/*/kafka/ConfigMap-kafka-config.yaml; do
  grep -q "$key=" "$f" || { echo "trust-negative: $f has no $key line: the generator changed, update this script" >&2; exit 1; }
  sed -i "s#$key=.*#$key=RULE:^CN=([^,]+).*\$/\$1/#" "$f"
  weakened=$((weakened + 1))
done
echo "trust-negative: weakened $key in $weakened region(s) of $work/clusters"

E2E_MODE=ci E2E_STAGES=trust run_weakened 600

expected='FAIL application-CA certificate with CN=kafka-admin is denied topic creation on the client listener'
if (( code != 0 )) && grep -qF "$expected" "$work/run.log"; then
  echo "trust-negative: PASS the harness caught the weakened mapping (exit $code): $expected"
  exit 0
fi
echo "trust-negative: FAIL the harness did not catch the weakened mapping (exit $code); log $work/run.log" >&2
exit 1
