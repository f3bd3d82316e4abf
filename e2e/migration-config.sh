#!/usr/bin/env bash
# npm run test:migration-config: Kafka 3.9's own configuration checks over the properties that the
# ZooKeeper-to-KRaft migration phases generate (issue 14). For each phase 1 to 4 it synthesizes the
# tree, fills one broker's and one controller's placeholders, and runs Kafka's StorageTool, which
# builds Kafka's KafkaConfig (every migration rule: the quorum settings a migrating broker needs,
# zookeeper.connect on a migrating controller...) before it formats a KRaft log dir or refuses a
# ZooKeeper-mode file as "legacy". Two broken files must be refused. The live migration under load
# is the harness run E2E_METADATA=migration (e2e/src/migration.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/migration-config.XXXXXX)
trap 'rm -rf "$work"' EXIT
id=RVjbH_2RiLGMJv5TjVB-0g
node scripts/build.mjs synth >/dev/null
kafka_version=$(node -e "console.log(require('./versions.json').kafka)")
timeout 600 mvn -q -B -f pom.xml -P kafka3 -Dkafka.version="$kafka_version" dependency:copy-dependencies
export KAFKA_HOME="$work/kafka"
mkdir -p "$KAFKA_HOME/bin"
cp e2e/kafka-home/bin/kafka-run-class.sh "$KAFKA_HOME/bin/"
cp -r e2e/kafka-home/config "$KAFKA_HOME/config"
ln -s "$PWD/e2e/.kafka/$kafka_version/lib" "$KAFKA_HOME/libs"

# check NAME FILE EXPECT: EXPECT ok (Kafka accepted the file) or refused (KafkaConfig threw).
failures=0
check() {
  local out verdict
  out=$(KAFKA_HEAP_OPTS=-Xmx256m "$KAFKA_HOME/bin/kafka-run-class.sh" kafka.tools.StorageTool format --cluster-id "$id" --config "$2" 2>&1 || true)
  if grep -q -e '^Formatting metadata directory' -e 'appears to be for a legacy cluster' <<<"$out"; then verdict=ok; else verdict=refused; fi
  if [[ "$verdict" == "$3" ]]; then
    echo "PASS $1: $verdict ($(grep -m1 -e Formatting -e legacy -e Exception <<<"$out" | cut -c1-160))"
  else
    echo "FAIL $1: expected $3, got $verdict: $(grep -m1 -e Exception -e Formatting -e legacy <<<"$out" | cut -c1-200)"
    failures=$((failures + 1))
  fi
}
fill() {
  sed -e "s|\${NODE_ID}|9|g; s|\${BROKER_ID}|0|g; s|\${ADVERTISED_HOST}|kafka-0.example|g; s|\${DATA_DIR}|$2|g" \
    -e "s|\${TLS_DIR}|/tmp/tls|g; s|\${ZK_TLS_DIR}|/tmp/tls-zookeeper|g; s|\${CLIENT_TLS_DIR}|/tmp/tls-clients|g" "$1"
}
extract() { # extract FILE KEY: one data key of a ConfigMap file
  node -e "const y=require('js-yaml');process.stdout.write(y.load(require('fs').readFileSync(process.argv[1],'utf8')).data[process.argv[2]])" "$1" "$2"
}
passed=0
for phase in 1 2 3 4; do
  printf 'metadata: { mode: migration, phase: %s, clusterId: %s }\n' "$phase" "$id" >"$work/fleet-$phase.yaml"
  node dist/synth.js --fleet "$work/fleet-$phase.yaml" --out "$work/clusters-$phase" >/dev/null 2>&1
  region=us-east4 # the built-in fleet's first region
  extract "$work/clusters-$phase/$region/controllers/ConfigMap-kafka-controller-config.yaml" controller.properties >"$work/raw"
  fill "$work/raw" "$work/data-c$phase" >"$work/controller-$phase.properties"
  extract "$work/clusters-$phase/$region/kafka/ConfigMap-kafka-config.yaml" server.properties >"$work/raw"
  fill "$work/raw" "$work/data-b$phase" >"$work/broker-$phase.properties"
  check "phase $phase controller" "$work/controller-$phase.properties" ok
  check "phase $phase broker" "$work/broker-$phase.properties" ok
done
# The checks bite: a migrating broker without controller.listener.names, a migrating controller
# without zookeeper.connect.
grep -v '^controller.listener.names=' "$work/broker-2.properties" >"$work/broken-broker.properties"
check 'phase 2 broker without controller.listener.names' "$work/broken-broker.properties" refused
grep -v '^zookeeper.connect=' "$work/controller-1.properties" >"$work/broken-controller.properties"
check 'phase 1 controller without zookeeper.connect' "$work/broken-controller.properties" refused
passed=$((10 - failures))
echo "$passed passed, $failures failed"
(( failures == 0 ))
