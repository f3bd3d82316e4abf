#!/usr/bin/env bash
# Functions shared by the start scripts of ZooKeeper and Kafka (and the broker's reload-tls.sh).
# Not a ConfigMap key of its own: the generator (podScript in packages/platform/src/start-script.ts)
# copies this file, from the line after the marker below, into the generated block of each script.
# --- copied from here ---

# pod_ordinal PREFIX: sets `ordinal` from HOSTNAME (`PREFIX-<n>`, the StatefulSet pod name),
# refusing anything else.
pod_ordinal() {
  if [[ ! "$HOSTNAME" =~ ^$1-([0-9]+)$ ]]; then
    echo "start: HOSTNAME=$HOSTNAME: expected $1-<ordinal> (the StatefulSet pod name)" >&2
    exit 1
  fi
  # shellcheck disable=SC2034 # read by the script's pod_tables
  ordinal="${BASH_REMATCH[1]}"
}

# render_template TEMPLATE OUTPUT NAME=VALUE...: substitutes the `${NAME}` placeholders of TEMPLATE
# with sed (no eval), after checking each value is a plain path or host name so it cannot break
# the sed expression; fails if a placeholder is left.
render_template() {
  local template=$1 output=$2 pair name value exprs=()
  shift 2
  for pair in "$@"; do
    name=${pair%%=*} value=${pair#*=}
    [[ "$value" =~ ^[A-Za-z0-9._/:-]+$ ]] || { echo "start: $name=$value: only letters, digits and . _ / : - are allowed" >&2; exit 1; }
    exprs+=(-e "s|\${$name}|$value|g")
  done
  sed "${exprs[@]}" "$template" > "$output.tmp"
  # shellcheck disable=SC2016 # a literal ${: any placeholder sed did not replace
  if grep -n '${' "$output.tmp" >&2; then echo "start: unrendered placeholder in $output" >&2; exit 1; fi
  mv "$output.tmp" "$output"
}

# build_truststore OUTPUT ISSUER_CA BUNDLE: writes the truststore a listener reads, the issuing CA
# (the certificate Secret's ca.crt) followed by the trust bundle's extra CA certificates (the
# ConfigMap key of pki.additionalTrust, empty unless a CA rotation is under way), replacing
# OUTPUT in one rename so a reader never sees half a file. Fails when a source is missing.
build_truststore() {
  local output=$1 issuer=$2 bundle=$3
  mkdir -p "$(dirname "$output")"
  { cat "$issuer"; echo; cat "$bundle"; } | sed '/^$/d' > "$output.tmp"
  grep -q -- '-----BEGIN CERTIFICATE-----' "$output.tmp" || { echo "start: no certificate in $issuer and $bundle for $output" >&2; exit 1; }
  mv -f "$output.tmp" "$output"
}

# enable_metrics_agent: adds the Prometheus JMX exporter java agent of the image (its rule set is
# $CONFIG_DIR/metrics.yaml) to KAFKA_OPTS, which Kafka's launch scripts pass to the JVM. Off when
# METRICS_PORT is 0 or unset (monitoring disabled in the fleet).
enable_metrics_agent() {
  [[ "${METRICS_PORT:-0}" != 0 ]] || return 0
  local jars=("${JMX_EXPORTER_HOME:?JMX_EXPORTER_HOME must name the folder of jmx_prometheus_javaagent*.jar}"/jmx_prometheus_javaagent*.jar)
  if [[ ! -f "${jars[0]}" ]]; then
    echo "start: no jmx_prometheus_javaagent*.jar in $JMX_EXPORTER_HOME" >&2
    exit 1
  fi
  export KAFKA_OPTS="${KAFKA_OPTS:+$KAFKA_OPTS }-javaagent:${jars[0]}=$METRICS_PORT:$CONFIG_DIR/metrics.yaml"
}
