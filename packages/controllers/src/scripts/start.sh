#!/usr/bin/env bash
# start.sh of the ConfigMap kafka-controller-config: starts one KRaft controller of the stretched
# quorum. Runs unchanged outside Kubernetes (the real-Kafka harness) when the directory variables
# are set. The generator (controllerStartScript, packages/controllers/src/config.ts) replaces the
# `@generated` line with the region's block: the directory variables with their in-pod defaults,
# CLUSTER_ID, pod_tables (this region's node id and clusterset host per pod ordinal, baked from
# naming.ts), the shared functions pod_ordinal and render_template
# (packages/platform/src/scripts/pod-functions.sh, with enable_metrics_agent) and format_storage
# (packages/platform/src/scripts/kraft-storage.sh).
set -euo pipefail

HOSTNAME="${HOSTNAME:?HOSTNAME must be the pod name, such as kafka-controller-0}"
# @generated
# Kafka's launch scripts: logs to stdout (KAFKA_LOG4J_DEFAULT from the generated block: log4j.properties
# on Kafka 3.9, during a migration; log4j2.properties on Kafka 4) and no GC log file (-loggc is left out).
export LOG_DIR="${LOG_DIR:-$RUN_DIR/logs}"
export KAFKA_LOG4J_OPTS="${KAFKA_LOG4J_OPTS:-$KAFKA_LOG4J_DEFAULT}"
export EXTRA_ARGS="${EXTRA_ARGS:--name kafkaController}"
enable_metrics_agent

pod_ordinal kafka-controller
pod_tables # sets NODE_ID and ADVERTISED_HOST

mkdir -p "$DATA_DIR" "$RUN_DIR" "$LOG_DIR"
# ZK_TLS_DIR: a controller of a ZooKeeper-to-KRaft migration (phases 1 to 3) dials ZooKeeper with
# the brokers' certificate mounted there; the generated block sets it only then.
migration=()
[[ -z "${ZK_TLS_DIR:-}" ]] || migration=(ZK_TLS_DIR="$ZK_TLS_DIR")
render_template "$CONFIG_DIR/controller.properties" "$RUN_DIR/controller.properties" \
  NODE_ID="$NODE_ID" ADVERTISED_HOST="$ADVERTISED_HOST" DATA_DIR="$DATA_DIR" TLS_DIR="$TLS_DIR" "${migration[@]}"
# The voters are static (controller.quorum.voters): formatting needs only the cluster id.
format_storage "$RUN_DIR/controller.properties"

exec "$KAFKA_HOME/bin/kafka-server-start.sh" "$RUN_DIR/controller.properties"
