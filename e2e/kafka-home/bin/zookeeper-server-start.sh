#!/usr/bin/env bash
# Same contract as Kafka's script: zookeeper-server-start.sh <zoo.cfg>.
KAFKA_HOME="${KAFKA_HOME:-$(cd "$(dirname "$0")/.." && pwd)}"
if [ $# -lt 1 ]; then echo "usage: $0 zookeeper.properties" >&2; exit 1; fi
export KAFKA_LOG4J_OPTS="${KAFKA_LOG4J_OPTS:--Dlog4j.configuration=file:$KAFKA_HOME/config/log4j.properties}"
export KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xmx512M -Xms512M}"
exec "$KAFKA_HOME/bin/kafka-run-class.sh" org.apache.zookeeper.server.quorum.QuorumPeerMain "$@"
