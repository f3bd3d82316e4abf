import { Construct } from 'constructs';
import { Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Fleet, Region, labels } from '@stretched-kafka/fleet';
import type { Component, RegionProps } from '@stretched-kafka/core';

/**
 * The namespace, the same in every cluster (clusterset DNS names carry it), enforcing the restricted
 * Pod Security Standard, and a default-deny ingress policy: each component admits only its own
 * peers and ports with a NetworkPolicy of its own.
 */
export class StackNamespace extends Construct {
  constructor(scope: Construct, id: string, props: RegionProps) {
    super(scope, id);
    const { fleet, region } = props;
    new k8s.KubeNamespace(this, 'namespace', {
      metadata: {
        name: fleet.namespace,
        labels: {
          ...labels(fleet, 'namespace', region),
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/audit': 'restricted',
        },
      },
    });
    new k8s.KubeNetworkPolicy(this, 'default-deny', {
      metadata: { name: 'default-deny-ingress', namespace: fleet.namespace, labels: labels(fleet, 'namespace', region) },
      spec: { podSelector: {}, policyTypes: ['Ingress'] },
    });
  }
}

export const namespaceComponent = {
  name: 'namespace',
  wave: 0,
  build(chart: Chart, fleet: Fleet, region: Region): void {
    new StackNamespace(chart, 'namespace', { fleet, region });
  },
} satisfies Component;
