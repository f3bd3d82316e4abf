#!/usr/bin/env bash
# start.sh of the ConfigMap kafka-config: starts one broker of the stretched cluster. Runs
# unchanged outside Kubernetes (the real-Kafka harness) when the directory variables are set.
# The generator (kafkaStartScript, packages/kafka/src/config.ts) replaces the `@generated` line
# with the region's block: the directory variables with their in-pod defaults, pod_tables (this
# region's broker id and advertised host per pod ordinal, baked from naming.ts) and the shared
# functions pod_ordinal, render_template and build_truststore (packages/platform/src/scripts/pod-functions.sh).
set -euo pipefail

HOSTNAME="${HOSTNAME:?HOSTNAME must be the pod name, such as kafka-0}"
# @generated
# Kafka's launch scripts: logs to stdout (log4j.properties) and no GC log file (-loggc is left out).
export LOG_DIR="${LOG_DIR:-$RUN_DIR/logs}"
export KAFKA_LOG4J_OPTS="${KAFKA_LOG4J_OPTS:--Dlog4j.configuration=file:$CONFIG_DIR/log4j.properties}"
export EXTRA_ARGS="${EXTRA_ARGS:--name kafkaServer}"
enable_metrics_agent

pod_ordinal kafka
pod_tables # sets BROKER_ID and ADVERTISED_HOST

# Kafka itself refuses a log directory whose meta.properties names another broker.id.
mkdir -p "$DATA_DIR" "$RUN_DIR" "$LOG_DIR"
render_template "$CONFIG_DIR/server.properties" "$RUN_DIR/server.properties" \
  BROKER_ID="$BROKER_ID" ADVERTISED_HOST="$ADVERTISED_HOST" DATA_DIR="$DATA_DIR" TLS_DIR="$TLS_DIR" CLIENT_TLS_DIR="$CLIENT_TLS_DIR" TRUSTSTORE_DIR="$TRUSTSTORE_DIR"
# The truststores: the issuing CA (the Secret's ca.crt) and the trust bundle's extra CAs
# (pki.additionalTrust), rebuilt by reload-tls.sh whenever either changes.
build_truststore "$TRUSTSTORE_DIR/stack.pem" "$TLS_DIR/ca.crt" "$TRUST_DIR/stack-ca.crt"
build_truststore "$TRUSTSTORE_DIR/application.pem" "$CLIENT_TLS_DIR/ca.crt" "$TRUST_DIR/application-ca.crt"

exec "$KAFKA_HOME/bin/kafka-server-start.sh" "$RUN_DIR/server.properties"
