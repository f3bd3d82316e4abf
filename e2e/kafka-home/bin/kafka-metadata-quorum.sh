#!/usr/bin/env bash
# KRaft: the controller quorum's leader, epoch and voters (describe --status / --replication).
exec "$(dirname "$0")/kafka-run-class.sh" org.apache.kafka.tools.MetadataQuorumCommand "$@"
