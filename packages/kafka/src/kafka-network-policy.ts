import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { Fleet, KAFKA, KAFKA_CLIENT_LABEL, Region, STACK_CLIENT_LABEL, labels, selectorLabels } from '@stretched-kafka/fleet';
import { remotePodCidrs } from '@stretched-kafka/platform';

export interface KafkaNetworkPolicyProps {
  readonly fleet: Fleet;
  readonly region: Region;
}

const tcp = (port: number): k8s.NetworkPolicyPort => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) });

/**
 * Internal (replication) port from brokers and the stack's own clients (operators, AKHQ); client
 * port from pods labelled as Kafka clients of this namespace. TLS is what really decides who is
 * who (each listener trusts one CA); this keeps other local pods from reaching the ports at all. Remote brokers and clients arrive with their pod IPs (globalnet off): the other
 * regions' pod CIDRs, never this region's own (that would admit any local pod).
 */
export class KafkaNetworkPolicy extends Construct {
  constructor(scope: Construct, id: string, props: KafkaNetworkPolicyProps) {
    super(scope, id);
    const { fleet, region } = props;
    const brokers = { podSelector: { matchLabels: selectorLabels(fleet, 'kafka') } };
    const remote = remotePodCidrs(fleet, region).map((cidr) => ({ ipBlock: { cidr } }));
    new k8s.KubeNetworkPolicy(this, 'Resource', {
      metadata: { name: KAFKA.name, namespace: fleet.namespace, labels: labels(fleet, 'kafka', region) },
      spec: {
        podSelector: brokers.podSelector,
        policyTypes: ['Ingress'],
        ingress: [
          { from: [brokers, { podSelector: { matchLabels: { ...STACK_CLIENT_LABEL } } }, ...remote], ports: [tcp(KAFKA.replicationPort)] },
          { from: [{ podSelector: { matchLabels: { ...KAFKA_CLIENT_LABEL } } }, ...remote], ports: [tcp(KAFKA.clientPort)] },
        ],
      },
    });
  }
}
