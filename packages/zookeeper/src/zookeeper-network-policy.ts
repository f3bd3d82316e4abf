import { Construct } from 'constructs';
import { KAFKA, KRAFT, ZOOKEEPER, metadataLayout, selectorLabels } from '@stretched-kafka/fleet';
import type { RegionProps } from '@stretched-kafka/core';
import { PeerNetworkPolicy, metricsPeerRules } from '@stretched-kafka/platform';

/** Quorum and election ports from ZooKeeper pods, the TLS client port from brokers only (local by labels, remote by pod CIDR). */
export class ZookeeperNetworkPolicy extends Construct {
  constructor(scope: Construct, id: string, props: RegionProps) {
    super(scope, id);
    new PeerNetworkPolicy(this, 'Resource', {
      ...props,
      component: ZOOKEEPER.name,
      rules: [
        { localPods: [selectorLabels(props.fleet, ZOOKEEPER.name)], ports: [ZOOKEEPER.quorumPort, ZOOKEEPER.electionPort] },
        // Migration phases 1 to 3: the KRaft controllers too, which read and dual-write the metadata here.
        { localPods: [selectorLabels(props.fleet, KAFKA.name), ...(metadataLayout(props.fleet).controllers === 'migration' ? [selectorLabels(props.fleet, KRAFT.name)] : [])], ports: [ZOOKEEPER.clientPort] },
        ...metricsPeerRules(props.fleet),
      ],
    });
  }
}
