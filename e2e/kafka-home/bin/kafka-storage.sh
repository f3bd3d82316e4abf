#!/usr/bin/env bash
# KRaft: formats a log directory with the cluster id (kafka-storage.sh format -t <id> -c <properties>).
exec "$(dirname "$0")/kafka-run-class.sh" kafka.tools.StorageTool "$@"
