#!/usr/bin/env bash
# Same contract as Kafka's script: kafka-server-start.sh <server.properties> [--override k=v ...].
KAFKA_HOME="${KAFKA_HOME:-$(cd "$(dirname "$0")/.." && pwd)}"
if [ $# -lt 1 ]; then echo "usage: $0 server.properties [--override property=value]*" >&2; exit 1; fi
# Both logging configurations (Kafka 3.x: reload4j, Kafka 4.x: log4j2), as in kafka-run-class.sh.
export KAFKA_LOG4J_OPTS="${KAFKA_LOG4J_OPTS:--Dlog4j.configuration=file:$KAFKA_HOME/config/log4j.properties -Dlog4j2.configurationFile=$KAFKA_HOME/config/log4j2.properties}"
export KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xmx1G -Xms1G}"
exec "$KAFKA_HOME/bin/kafka-run-class.sh" kafka.Kafka "$@"
