#!/usr/bin/env bash
# health.sh of the ConfigMap zookeeper-config: readiness and liveness over the TLS-only client
# port. `health.sh ready` asks `srvr` and wants a quorum role (the member serves), `health.sh live`
# asks `ruok`, both with the pod's own certificate (openssl ships in Strimzi's image). The
# generator (zookeeperHealthScript, packages/zookeeper/src/config.ts) replaces the `@generated`
# line with TLS_DIR and its in-pod default and CLIENT_PORT.
set -euo pipefail
# @generated
ask() {
  echo "$1" | openssl s_client -connect "127.0.0.1:$CLIENT_PORT" -quiet \
    -cert "$TLS_DIR/tls.crt" -key "$TLS_DIR/tls.key" -CAfile "$TLS_DIR/ca.crt" 2>/dev/null
}
case "${1:-}" in
  ready) ask srvr | grep -Eq '^Mode: (leader|follower|observer)' ;;
  live) [[ "$(ask ruok)" == imok ]] ;;
  *) echo "usage: health.sh ready|live" >&2; exit 2 ;;
esac
