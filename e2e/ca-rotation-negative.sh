#!/usr/bin/env bash
# Negative proof of the CA rotation checks (npm run test:e2e:ca-rotation-negative; not in .ci/run,
# for time): the generated CI tree with the trust bundle ignored where the truststores are built
# (every `build_truststore ... "$TRUST_DIR/stack-ca.crt"` reads /dev/null instead), so the brokers
# and ZooKeeper still notice the bundle change and reload, but trust only their Secret's ca.crt:
# no overlap. Then the harness's CA rotation (E2E_ROTATE=ca, E2E_STAGES=rotation). This script
# passes only when the stage FAILS where the leaves of the new CA meet peers that do not trust it
# yet (step 2): see the expected failures below. Needs what e2e/run.sh needs (root, Java 17+, Maven, iproute2, openssl).
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source-path=SCRIPTDIR source=ci-tree.sh
source e2e/ci-tree.sh
prepare_ci_tree ca-rotation-negative
fetch_kafka

# shellcheck disable=SC2016 # sed patterns with literal $, not expansions
weaken kafka/ConfigMap-kafka-config.yaml '(build_truststore "\$TRUSTSTORE_DIR/stack.pem" "\$TLS_DIR/ca.crt") "\$TRUST_DIR/stack-ca.crt"' '\1 /dev/null'
# shellcheck disable=SC2016
weaken zookeeper/ConfigMap-zookeeper-config.yaml '(build_truststore "\$TRUSTSTORE_DIR/stack.pem" "\$TLS_DIR/ca.crt") "\$TRUST_DIR/stack-ca.crt"' '\1 /dev/null'

# Short watch intervals, as in rotation-negative.sh: the breakage shows in the first interval.
E2E_MODE=ci E2E_STAGES=rotation E2E_ROTATE=ca E2E_CERT_WATCH_S=10 E2E_CERT_STAGGER_S=20 E2E_RECORD=0 run_weakened 1200

# What only the missing overlap causes: in step 2 a broker refuses the new CA's certificate of its
# own reload sidecar (bad_certificate in the sidecar's log, so its reload check fails), the ensemble
# loses its majority for longer than the session timeout (a member with the new certificate is
# refused by the others), and after step 3 a certificate of the old CA is still accepted (the
# brokers never reloaded). A loaded machine can also time out a reload in step 1; that is not
# required to pass here (the real run's step 1 passes), only the breakage's own signature counts.
expected=(
  'FAIL ca rotation step 2: broker [0-9]+ reloaded its certificates'
  'FAIL ca rotation: ZooKeeper kept a serving majority'
  'FAIL ca rotation step 3: a kafka-admin certificate of the OLD CA is refused by the brokers'
)
caught=0
for e in "${expected[@]}"; do grep -qE "$e" "$work/run.log" && caught=$((caught + 1)); done
if ! grep -qs 'bad_certificate' "$work"/logs/*-reload-tls.log; then
  echo "ca-rotation-negative: FAIL no broker refused a certificate of the new CA (no bad_certificate in the reload-tls logs): the breakage did not happen as intended; log $work/run.log" >&2
  exit 1
fi
if (( code != 0 && caught == ${#expected[@]} )); then
  echo "ca-rotation-negative: PASS the harness caught the missing overlap (exit $code): brokers cannot reload, the ZooKeeper majority is lost, the old CA stays trusted"
  exit 0
fi
echo "ca-rotation-negative: FAIL the harness did not catch the missing overlap (exit $code, $caught of ${#expected[@]} expected failures); log $work/run.log" >&2
exit 1
