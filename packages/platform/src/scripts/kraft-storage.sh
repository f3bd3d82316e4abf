#!/usr/bin/env bash
# The function the KRaft start scripts (controllers and brokers) share. Not a ConfigMap key of
# its own: the generator (KRAFT_STORAGE_FUNCTIONS in packages/platform/src/start-script.ts) copies
# this file, from the line after the marker below, into the generated block of each script.
# --- copied from here ---

# format_storage CONFIG: gives DATA_DIR the meta.properties of this cluster (CLUSTER_ID) and node
# (NODE_ID) exactly once. A log dir formatted before is kept only when it names the same cluster
# and node: another cluster's data (a changed metadata.clusterId, a volume of a ZooKeeper-mode
# broker) or another node's (a renumbered region) stops the pod instead of being mixed in.
format_storage() {
  local config=$1 meta="$DATA_DIR/meta.properties" found_cluster found_node
  if [[ -f "$meta" ]]; then
    found_cluster=$(sed -n 's/^cluster\.id=//p' "$meta")
    found_node=$(sed -n 's/^node\.id=//p' "$meta")
    # A broker migrated from ZooKeeper keeps the meta.properties of its ZooKeeper days (version 0:
    # cluster.id and broker.id), which Kafka reads as its node id; Kafka's migration procedure
    # formats nothing on the brokers.
    [[ -n "$found_node" ]] || found_node=$(sed -n 's/^broker\.id=//p' "$meta")
    if [[ "$found_cluster" != "$CLUSTER_ID" ]]; then
      echo "start: $meta belongs to cluster ${found_cluster:-(none)}, this fleet's cluster is $CLUSTER_ID; refusing to start" >&2
      exit 1
    fi
    if [[ "$found_node" != "$NODE_ID" ]]; then
      echo "start: $meta belongs to node ${found_node:-(none)}, this pod is node $NODE_ID; refusing to start" >&2
      exit 1
    fi
    return 0
  fi
  # A small heap: the tool only writes meta.properties and the bootstrap checkpoint.
  KAFKA_HEAP_OPTS="-Xmx256m" "$KAFKA_HOME/bin/kafka-storage.sh" format --cluster-id "$CLUSTER_ID" --config "$config"
}
