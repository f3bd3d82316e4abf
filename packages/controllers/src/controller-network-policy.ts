import { Construct } from 'constructs';
import { KAFKA, KRAFT, selectorLabels } from '@stretched-kafka/fleet';
import type { RegionProps } from '@stretched-kafka/core';
import { PeerNetworkPolicy, metricsPeerRules } from '@stretched-kafka/platform';

/**
 * The controller port from controllers and brokers only (local by labels, remote by pod CIDR); TLS
 * with the stack CA decides the rest. The metrics port, as on the brokers, from the Prometheus namespace.
 */
export class ControllerNetworkPolicy extends Construct {
  constructor(scope: Construct, id: string, props: RegionProps) {
    super(scope, id);
    new PeerNetworkPolicy(this, 'Resource', {
      ...props,
      component: KRAFT.name,
      rules: [{ localPods: [selectorLabels(props.fleet, KRAFT.name), selectorLabels(props.fleet, KAFKA.name)], ports: [KRAFT.controllerPort] }, ...metricsPeerRules(props.fleet)],
    });
  }
}
