import { Construct } from 'constructs';
import { KAFKA, KAFKA_CLIENT_LABEL, KRAFT, STACK_CLIENT_LABEL, metadataLayout, selectorLabels } from '@stretched-kafka/fleet';
import type { RegionProps } from '@stretched-kafka/core';
import { PeerNetworkPolicy, metricsPeerRules } from '@stretched-kafka/platform';

/**
 * Internal (replication) port from brokers and the stack's own clients (operators, AKHQ); client
 * port from pods labelled as Kafka clients of this namespace. TLS is what really decides who is
 * who (each listener trusts one CA); this keeps other local pods from reaching the ports at all.
 * Remote brokers and clients: the other regions' pod CIDRs.
 */
export class KafkaNetworkPolicy extends Construct {
  constructor(scope: Construct, id: string, props: RegionProps) {
    super(scope, id);
    new PeerNetworkPolicy(this, 'Resource', {
      ...props,
      component: KAFKA.name,
      rules: [
        // Migration phases 1 to 3: the KRaft controllers too, whose active one sends its RPCs to the brokers still in ZooKeeper mode.
        { localPods: [selectorLabels(props.fleet, KAFKA.name), STACK_CLIENT_LABEL, ...(metadataLayout(props.fleet).controllers === 'migration' ? [selectorLabels(props.fleet, KRAFT.name)] : [])], ports: [KAFKA.replicationPort] },
        { localPods: [KAFKA_CLIENT_LABEL], ports: [KAFKA.clientPort] },
        ...metricsPeerRules(props.fleet),
      ],
    });
  }
}
