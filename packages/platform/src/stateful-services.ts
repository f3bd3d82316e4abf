import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { labels, selectorLabels } from '@stretched-kafka/fleet';
import type { RegionProps } from '@stretched-kafka/core';

/** A named TCP port a Service forwards to the same container port. */
export interface ServicePort {
  readonly name: string;
  readonly port: number;
}

export interface StatefulServicesProps extends RegionProps {
  /** Component whose pods both Services select (`app.kubernetes.io/name`). */
  readonly component: string;
  /** Headless Service: the per-pod DNS names peers dial, exported through Submariner. */
  readonly headless: { readonly name: string; readonly ports: readonly ServicePort[] };
  /**
   * ClusterIP Service for clients in this region.
   * @default none (the KRaft controllers have no clients but their peers and the brokers, which dial each pod)
   */
  readonly local?: { readonly name: string; readonly ports: readonly ServicePort[] };
}

/**
 * The Services of a stretched StatefulSet (brokers, ZooKeeper, KRaft controllers). The headless one publishes
 * not-ready addresses: members must reach each other before any is ready (a quorum, a controller
 * election), so readiness cannot gate their names.
 */
export class StatefulServices extends Construct {
  constructor(scope: Construct, id: string, props: StatefulServicesProps) {
    super(scope, id);
    const { fleet, region, component } = props;
    const meta = (name: string) => ({ name, namespace: fleet.namespace, labels: labels(fleet, component, region) });
    const ports = (list: readonly ServicePort[]) => list.map((p) => ({ name: p.name, port: p.port, targetPort: k8s.IntOrString.fromNumber(p.port), protocol: 'TCP' }));
    const selector = selectorLabels(fleet, component);
    new k8s.KubeService(this, 'Headless', {
      metadata: meta(props.headless.name),
      spec: { clusterIp: 'None', publishNotReadyAddresses: true, selector, ports: ports(props.headless.ports) },
    });
    if (props.local) {
      new k8s.KubeService(this, 'Local', {
        metadata: meta(props.local.name),
        spec: { type: 'ClusterIP', selector, ports: ports(props.local.ports) },
      });
    }
  }
}
