#!/usr/bin/env bash
# Stand-in for Apache Kafka's bin/kafka-run-class.sh. The harness takes Kafka's jars from Maven
# Central (pom.xml), not from the distribution tarball, so it ships its own thin launchers with the
# same names and environment variables the generated start scripts and Kafka's docs rely on.
set -euo pipefail
KAFKA_HOME="${KAFKA_HOME:-$(cd "$(dirname "$0")/.." && pwd)}"
if [ $# -lt 1 ]; then echo "usage: $0 <main class> [args...]" >&2; exit 2; fi
main_class="$1"
shift
log_dir="${LOG_DIR:-$KAFKA_HOME/logs}"
mkdir -p "$log_dir"
# The default names both logging configurations: Kafka 3.x reads log4j.configuration (reload4j),
# Kafka 4.x log4j2.configurationFile (log4j2); each ignores the other's property.
default_log4j="-Dlog4j.configuration=file:$KAFKA_HOME/config/tools-log4j.properties -Dlog4j2.configurationFile=$KAFKA_HOME/config/tools-log4j2.properties"
# Word splitting of the *_OPTS variables is intended, as in Kafka's own script.
# shellcheck disable=SC2086
exec java ${KAFKA_HEAP_OPTS:--Xmx256m} \
  ${KAFKA_JVM_PERFORMANCE_OPTS:--XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true} \
  ${KAFKA_LOG4J_OPTS:-$default_log4j} \
  -Dkafka.logs.dir="$log_dir" ${KAFKA_OPTS:-} \
  -cp "$KAFKA_HOME/libs/*" "$main_class" "$@"
