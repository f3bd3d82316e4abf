#!/usr/bin/env bash
# reload-tls.sh of the ConfigMap kafka-config, run by the broker pod's sidecar: reloads renewed
# certificates into the running broker of this pod (brokers do not watch their PEM files).
# The generator (reloadTlsScript, packages/kafka/src/config.ts) replaces the `@generated` line
# with the region's block: the directory variables with their in-pod defaults, the replication
# port, pod_tables (broker id and advertised host per pod ordinal) and the shared functions
# (packages/platform/src/scripts/pod-functions.sh).
#
# cert-manager rewrites the mounted files at renewal. When they change, this script sends the
# broker an AlterConfigs for its own listeners that sets the keystore and truststore paths to the
# same files: a per-broker update makes a ZooKeeper-mode broker reload a store whose file changed
# even when the path did not (ZkAdminManager -> reloadUpdatedFilesWithoutConfigChange; KIP-687
# describes this behaviour). The renewed certificate must keep the subject and SANs (Kafka
# checks) and chain to a CA the truststore holds; on the inter-broker listener Kafka also checks
# that the old and the new stores accept each other, so a CA change needs the overlap of
# docs/operations.md (trust bundle with both CAs first).
set -euo pipefail

HOSTNAME="${HOSTNAME:?HOSTNAME must be the pod name, such as kafka-0}"
# @generated
export LOG_DIR="${LOG_DIR:-$RUN_DIR/logs}"

pod_ordinal kafka
pod_tables # sets BROKER_ID and ADVERTISED_HOST

mkdir -p "$RUN_DIR" "$LOG_DIR"
# The admin client authenticates with the broker's own certificate (a super user of the stack
# domain) on the internal listener and checks the broker's clusterset name like any other client.
cat > "$RUN_DIR/admin.properties" <<PROPERTIES
security.protocol=SSL
ssl.keystore.type=PEM
ssl.keystore.location=$TLS_DIR/tls-combined.pem
ssl.truststore.type=PEM
ssl.truststore.location=$TRUSTSTORE_DIR/stack.pem
ssl.endpoint.identification.algorithm=https
PROPERTIES

# The two listeners (LISTENERS in config.ts) and the directory of the certificates each presents.
settings="listener.name.replication.ssl.keystore.location=$TLS_DIR/tls-combined.pem"
settings+=",listener.name.replication.ssl.truststore.location=$TRUSTSTORE_DIR/stack.pem"
settings+=",listener.name.clients.ssl.keystore.location=$CLIENT_TLS_DIR/tls-combined.pem"
settings+=",listener.name.clients.ssl.truststore.location=$TRUSTSTORE_DIR/application.pem"

cert_fingerprint() { cat "$TLS_DIR/tls-combined.pem" "$TLS_DIR/ca.crt" "$CLIENT_TLS_DIR/tls-combined.pem" "$CLIENT_TLS_DIR/ca.crt" "$TRUST_DIR/stack-ca.crt" "$TRUST_DIR/application-ca.crt" 2>/dev/null | sha256sum || true; }
# The truststores the broker reads (start.sh builds them the same way at start): the issuing CA
# and the trust bundle's extra CAs. A CA rotation changes the bundle first (old and new CA), so
# the broker trusts both before any certificate of the new CA is presented to it.
build_truststores() {
  build_truststore "$TRUSTSTORE_DIR/stack.pem" "$TLS_DIR/ca.crt" "$TRUST_DIR/stack-ca.crt"
  build_truststore "$TRUSTSTORE_DIR/application.pem" "$CLIENT_TLS_DIR/ca.crt" "$TRUST_DIR/application-ca.crt"
}
# The fingerprint applied last survives a restart of this container (RUN_DIR is an emptyDir);
# a new pod starts its broker with the current files.
state="$RUN_DIR/applied"
[[ -f "$state" ]] || cert_fingerprint > "$state"
while true; do
  sleep "$CERT_WATCH_SECONDS"
  current=$(cert_fingerprint)
  [[ "$current" == "$(cat "$state")" ]] && continue
  echo "reload-tls: certificate files changed; reloading broker $BROKER_ID listeners" >&2
  build_truststores
  if "$KAFKA_HOME/bin/kafka-configs.sh" --bootstrap-server "$ADVERTISED_HOST:$REPLICATION_PORT" \
    --command-config "$RUN_DIR/admin.properties" --entity-type brokers --entity-name "$BROKER_ID" \
    --alter --add-config "$settings"; then
    echo "$current" > "$state"
    echo "reload-tls: broker $BROKER_ID reloaded its keystore and truststore" >&2
  else
    echo "reload-tls: reload failed; retrying in $CERT_WATCH_SECONDS s" >&2
  fi
done
