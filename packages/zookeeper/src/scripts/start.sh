#!/usr/bin/env bash
# start.sh of the ConfigMap zookeeper-config: starts one ZooKeeper member of the stretched
# ensemble. Runs unchanged outside Kubernetes (the real-Kafka harness) when the directory
# variables are set. The generator (zookeeperStartScript, packages/zookeeper/src/config.ts)
# replaces the `@generated` line with the region's block: the directory variables with their
# in-pod defaults, pod_tables (this region's myid and restart slot per pod ordinal, baked from
# naming.ts) and the shared functions pod_ordinal, render_template and build_truststore
# (packages/platform/src/scripts/pod-functions.sh).
set -euo pipefail

HOSTNAME="${HOSTNAME:?HOSTNAME must be the pod name, such as zookeeper-0}"
# @generated
# Kafka's launch scripts: logs to stdout (log4j.properties) and no GC log file (-loggc is left out).
export LOG_DIR="${LOG_DIR:-$RUN_DIR/logs}"
export KAFKA_LOG4J_OPTS="${KAFKA_LOG4J_OPTS:--Dlog4j.configuration=file:$CONFIG_DIR/log4j.properties}"
export EXTRA_ARGS="${EXTRA_ARGS:--name zookeeper}"
enable_metrics_agent

pod_ordinal zookeeper
# Sets myid and restart_slot: the member's place in the ensemble list, the order of restarts
# after a certificate renewal, so no two members of the whole ensemble share a stagger slot.
pod_tables

mkdir -p "$DATA_DIR" "$RUN_DIR" "$LOG_DIR"
# A different myid on an existing volume means the region was renumbered (idBlock changed):
# joining under a new id with old data would corrupt the ensemble.
if [[ -f "$DATA_DIR/myid" && "$(cat "$DATA_DIR/myid")" != "$myid" ]]; then
  echo "start: $DATA_DIR/myid holds $(cat "$DATA_DIR/myid"), this pod is ZooKeeper $myid; refusing to start" >&2
  exit 1
fi
echo "$myid" > "$DATA_DIR/myid"

render_template "$CONFIG_DIR/zoo.cfg" "$RUN_DIR/zoo.cfg" DATA_DIR="$DATA_DIR" TLS_DIR="$TLS_DIR" TRUSTSTORE_DIR="$TRUSTSTORE_DIR"
# The truststore: the issuing CA (the Secret's ca.crt) and the trust bundle's extra CAs
# (pki.additionalTrust); a change of either restarts the member below, which builds it again.
build_truststore "$TRUSTSTORE_DIR/stack.pem" "$TLS_DIR/ca.crt" "$TRUST_DIR/stack-ca.crt"

# ZooKeeper 3.8.4 reloads renewed quorum certificates itself but keeps serving the client port
# with the certificate it started with. When the mounted files change, the member restarts
# (the container restarts in place), each member in its own slot so the quorum never loses two.
cert_fingerprint() { cat "$TLS_DIR/tls-combined.pem" "$TLS_DIR/ca.crt" "$TRUST_DIR/stack-ca.crt" 2>/dev/null | sha256sum || true; }
watch_certificates() {
  local pid=$1 seen
  seen=$(cert_fingerprint)
  while kill -0 "$pid" 2>/dev/null; do
    sleep "$CERT_WATCH_SECONDS"
    if [[ "$(cert_fingerprint)" != "$seen" ]]; then
      echo "start: certificate files changed; restarting ZooKeeper $myid in $((restart_slot * CERT_RESTART_STAGGER_SECONDS)) s" >&2
      sleep $((restart_slot * CERT_RESTART_STAGGER_SECONDS))
      kill -TERM "$pid" 2>/dev/null || true
      return 0
    fi
  done
}
if (( CERT_WATCH_SECONDS > 0 )); then
  # $$ stays the PID of ZooKeeper after the exec below.
  watch_certificates "$$" &
fi

exec "$KAFKA_HOME/bin/zookeeper-server-start.sh" "$RUN_DIR/zoo.cfg"
