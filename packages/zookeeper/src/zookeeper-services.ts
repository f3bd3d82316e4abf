import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { Fleet, Region, ZOOKEEPER, labels, selectorLabels } from '@stretched-kafka/fleet';

export interface ZookeeperServicesProps {
  readonly fleet: Fleet;
  readonly region: Region;
}

/**
 * Headless `zookeeper-nodes` (exported through Submariner; per-pod names are the server list)
 * and ClusterIP `zookeeper-client` for local TLS clients.
 */
export class ZookeeperServices extends Construct {
  constructor(scope: Construct, id: string, props: ZookeeperServicesProps) {
    super(scope, id);
    const { fleet, region } = props;
    const meta = (name: string) => ({ name, namespace: fleet.namespace, labels: labels(fleet, 'zookeeper', region) });
    const port = (name: string, p: number) => ({ name, port: p, targetPort: k8s.IntOrString.fromNumber(p), protocol: 'TCP' });
    new k8s.KubeService(this, 'Headless', {
      metadata: meta(ZOOKEEPER.headless),
      spec: {
        clusterIp: 'None',
        // Members must resolve each other before any is ready: the quorum forms only when they do.
        publishNotReadyAddresses: true,
        selector: selectorLabels(fleet, 'zookeeper'),
        ports: [port('tls-client', ZOOKEEPER.clientPort), port('quorum', ZOOKEEPER.quorumPort), port('election', ZOOKEEPER.electionPort)],
      },
    });
    new k8s.KubeService(this, 'Client', {
      metadata: meta(ZOOKEEPER.client),
      spec: { type: 'ClusterIP', selector: selectorLabels(fleet, 'zookeeper'), ports: [port('tls-client', ZOOKEEPER.clientPort)] },
    });
  }
}
