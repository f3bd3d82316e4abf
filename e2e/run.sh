#!/usr/bin/env bash
# Real-Kafka harness (npm run test:e2e): the generated ZooKeeper/Kafka configuration on Apache
# Kafka from Maven Central, one network namespace per pod grouped by region, a region cut
# mid-stream. Needs root (network namespaces), Java 17+, Maven, iproute2, openssl. See e2e/README.md.
#
#   E2E_MODE=ci    reduced fleet (e2e/fleet.ci.yaml: 1 ZooKeeper + 1 broker per region); default when CI=true
#   E2E_MODE=full  the fleet `npm run synth` uses (fleet.yaml over the defaults: 3 + 3 per region)
#   E2E_METADATA=kraft  the KRaft fleets instead (Kafka 4.x, controller quorum): e2e/fleet.kraft.ci.yaml
#                  in CI mode (1 controller + 1 broker per region), fleets/kraft.yaml in full mode
#   E2E_METADATA=migration  ZooKeeper to KRaft under load (Kafka 3.9): e2e/fleet.migration.ci.yaml in CI
#                  mode (1 ZooKeeper + 1 controller + 1 broker per region), phases 0 to 4 (e2e/src/migration.ts)
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -z "${E2E_MODE:-}" ]]; then
  if [[ "${CI:-}" == "true" ]]; then E2E_MODE=ci; else E2E_MODE=full; fi
fi
export E2E_MODE
metadata=${E2E_METADATA:-zookeeper}
case "$metadata/$E2E_MODE" in
  zookeeper/ci) fleet=e2e/fleet.ci.yaml ;;
  zookeeper/full) fleet=${FLEET_FILE:-fleet.yaml} ;;
  kraft/ci) fleet=e2e/fleet.kraft.ci.yaml ;;
  kraft/full) fleet=${FLEET_FILE:-fleets/kraft.yaml} ;;
  migration/ci) fleet=e2e/fleet.migration.ci.yaml ;;
  migration/full) echo "e2e: E2E_METADATA=migration runs in CI mode only (E2E_MODE=ci)" >&2; exit 2 ;;
  zookeeper/*|kraft/*) echo "e2e: E2E_MODE=$E2E_MODE: must be ci or full" >&2; exit 2 ;;
  *) echo "e2e: E2E_METADATA=$metadata: must be zookeeper, kraft or migration" >&2; exit 2 ;;
esac
# The rotation stage restarts ZooKeeper members; KRaft controllers' certificate reload is not
# exercised yet, so KRaft and migration runs default to no rotation (E2E_ROTATE=leaf is refused in KRaft).
if [[ "$metadata" != zookeeper ]]; then export E2E_ROTATE=${E2E_ROTATE:-none}; fi

missing=()
for tool in java mvn ip openssl node go ping; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if (( ${#missing[@]} )); then echo "e2e: missing prerequisites: ${missing[*]} (see e2e/README.md)" >&2; exit 2; fi
if [[ "$(id -u)" != 0 ]]; then echo "e2e: must run as root (it creates network namespaces); try: sudo -E npm run test:e2e" >&2; exit 2; fi
java_major=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
if (( ${java_major%%.*} < 17 )); then echo "e2e: Java $java_major found, Kafka needs 17+" >&2; exit 2; fi

# Whole run bounded: CI mode (a 70 ms WAN and a leaf rotation by default, E2E_WAN_MS, E2E_ROTATE)
# well under 25 minutes, full mode under 40 (60 with E2E_ROTATE=leaf: nine ZooKeeper members
# restart one stagger slot apart).
case "$E2E_MODE" in
  ci) limit=${E2E_TIMEOUT_S:-1500} ;;
  full) if [[ "${E2E_ROTATE:-none}" == none ]]; then limit=${E2E_TIMEOUT_S:-2400}; else limit=${E2E_TIMEOUT_S:-3600}; fi ;;
esac

work="${E2E_WORK_DIR:-.e2e}/run-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$work"
work=$(cd "$work" && pwd)

echo "e2e: mode $E2E_MODE, metadata $metadata, fleet ${fleet}, work dir $work, time limit ${limit} s"
node scripts/build.mjs synth loadgen
npx --no-install esbuild e2e/src/main.ts --bundle --platform=node --target=node20 --format=cjs --loader:.sh=text --log-level=warning --outfile=dist/e2e.js

# A missing fleet.yaml means the built-in reference fleet, exactly as for `npm run synth`
# (which refuses an explicit --fleet path that does not exist, so the flag is left out then).
fleet_args=()
[[ -f "$fleet" ]] && fleet_args=(--fleet "$fleet")
node dist/synth.js "${fleet_args[@]}" --out "$work/clusters"
kafka_version=$(node dist/e2e.js kafka-version "${fleet_args[@]}")
echo "e2e: fetching Apache Kafka $kafka_version from Maven Central (pom.xml)"
# Kafka's own logging per line (pom.xml profiles): reload4j for 3.x, log4j2 for 4.x.
profile=kafka3
(( ${kafka_version%%.*} >= 4 )) && profile=kafka4
timeout 600 mvn -q -B -f pom.xml -P "$profile" -Dkafka.version="$kafka_version" dependency:copy-dependencies
lib="e2e/.kafka/$kafka_version/lib"
# The delay line that emulates the inter-region round trip (E2E_WAN_MS), from the Go module proxy.
wan_bin=$(bash e2e/wan/build.sh)

cleanup() { node dist/e2e.js cleanup || true; }
trap cleanup EXIT
trap 'exit 130' INT TERM

timeout --signal=TERM --kill-after=30 "$limit" node dist/e2e.js run \
  "${fleet_args[@]}" --clusters "$work/clusters" --work "$work" --kafka-lib "$lib" \
  --kafka-home e2e/kafka-home --wan-bin "$wan_bin" --synth dist/synth.js --loadgen "${E2E_LOADGEN:-packages/loadgen/dist/cli.js}"
