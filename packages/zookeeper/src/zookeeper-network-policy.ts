import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { Fleet, Region, ZOOKEEPER, labels, selectorLabels } from '@stretched-kafka/fleet';
import { remotePodCidrs } from '@stretched-kafka/platform';

export interface ZookeeperNetworkPolicyProps {
  readonly fleet: Fleet;
  readonly region: Region;
}

const tcp = (port: number): k8s.NetworkPolicyPort => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) });

/**
 * Quorum and election ports from ZooKeeper pods, the TLS client port from brokers only. Remote
 * peers arrive with their pod IPs (globalnet off), so the other regions' pod CIDRs stand for them;
 * this region's own CIDR is left out, local peers are matched by their labels.
 */
export class ZookeeperNetworkPolicy extends Construct {
  constructor(scope: Construct, id: string, props: ZookeeperNetworkPolicyProps) {
    super(scope, id);
    const { fleet, region } = props;
    const remote = remotePodCidrs(fleet, region).map((cidr) => ({ ipBlock: { cidr } }));
    new k8s.KubeNetworkPolicy(this, 'Resource', {
      metadata: { name: ZOOKEEPER.name, namespace: fleet.namespace, labels: labels(fleet, 'zookeeper', region) },
      spec: {
        podSelector: { matchLabels: selectorLabels(fleet, 'zookeeper') },
        policyTypes: ['Ingress'],
        ingress: [
          { from: [{ podSelector: { matchLabels: selectorLabels(fleet, 'zookeeper') } }, ...remote], ports: [tcp(ZOOKEEPER.quorumPort), tcp(ZOOKEEPER.electionPort)] },
          { from: [{ podSelector: { matchLabels: selectorLabels(fleet, 'kafka') } }, ...remote], ports: [tcp(ZOOKEEPER.clientPort)] },
        ],
      },
    });
  }
}
