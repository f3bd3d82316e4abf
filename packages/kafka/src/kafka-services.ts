import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { Fleet, KAFKA, Region, labels, selectorLabels } from '@stretched-kafka/fleet';

export interface KafkaServicesProps {
  readonly fleet: Fleet;
  readonly region: Region;
}

/**
 * Headless `kafka-brokers` (exported through Submariner; per-pod names are the advertised
 * listeners) and ClusterIP `kafka-bootstrap` for clients in this region.
 */
export class KafkaServices extends Construct {
  constructor(scope: Construct, id: string, props: KafkaServicesProps) {
    super(scope, id);
    const { fleet, region } = props;
    const meta = (name: string) => ({ name, namespace: fleet.namespace, labels: labels(fleet, 'kafka', region) });
    const port = (name: string, p: number) => ({ name, port: p, targetPort: k8s.IntOrString.fromNumber(p), protocol: 'TCP' });
    new k8s.KubeService(this, 'Headless', {
      metadata: meta(KAFKA.headless),
      spec: {
        clusterIp: 'None',
        // Brokers must reach each other (and ZooKeeper must see them) before any is ready.
        publishNotReadyAddresses: true,
        selector: selectorLabels(fleet, 'kafka'),
        ports: [port('replication', KAFKA.replicationPort), port('clients', KAFKA.clientPort)],
      },
    });
    new k8s.KubeService(this, 'Bootstrap', {
      metadata: meta(KAFKA.bootstrap),
      // The internal listener too: the stack's own clients (operators, AKHQ) bootstrap on it.
      spec: { type: 'ClusterIP', selector: selectorLabels(fleet, 'kafka'), ports: [port('replication', KAFKA.replicationPort), port('clients', KAFKA.clientPort)] },
    });
  }
}
