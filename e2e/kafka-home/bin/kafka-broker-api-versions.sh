#!/usr/bin/env bash
# Kafka 4.0 moved the command from the broker's jar (kafka.admin) to kafka-tools.
KAFKA_HOME="${KAFKA_HOME:-$(cd "$(dirname "$0")/.." && pwd)}"
class=org.apache.kafka.tools.BrokerApiVersionsCommand
if compgen -G "$KAFKA_HOME/libs/kafka_2.13-3.*.jar" >/dev/null; then class=kafka.admin.BrokerApiVersionsCommand; fi
exec "$(dirname "$0")/kafka-run-class.sh" "$class" "$@"
