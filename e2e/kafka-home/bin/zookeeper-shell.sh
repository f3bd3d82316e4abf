#!/usr/bin/env bash
# As Kafka's own launcher: the first argument is the server (host:port).
exec "$(dirname "$0")/kafka-run-class.sh" org.apache.zookeeper.ZooKeeperMainWithTlsSupportForKafka -server "$@"
