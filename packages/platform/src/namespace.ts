import { Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Fleet, Region, labels } from '@stretched-kafka/fleet';

/** The namespace, the same in every cluster (clusterset DNS names carry it). Pods must run restricted. */
export const namespaceComponent = {
  name: 'namespace',
  wave: 0,
  build(chart: Chart, fleet: Fleet, region: Region): void {
    new k8s.KubeNamespace(chart, 'namespace', {
      metadata: {
        name: fleet.namespace,
        labels: {
          ...labels(fleet, 'namespace', region),
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/audit': 'restricted',
        },
      },
    });
  },
};
