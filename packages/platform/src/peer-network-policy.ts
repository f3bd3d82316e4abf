import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { labels, selectorLabels } from '@stretched-kafka/fleet';
import type { RegionProps } from '@stretched-kafka/core';
import { remotePodCidrs } from './security';

/** Who may reach some TCP ports: local pods by their labels, plus every remote region. */
export interface PeerRule {
  /** Label sets of the local pods admitted (one podSelector each). */
  readonly localPods: readonly Readonly<Record<string, string>>[];
  /** Local namespaces (by their kubernetes.io/metadata.name) whose every pod is admitted, e.g. Prometheus'. */
  readonly namespaces?: readonly string[];
  readonly ports: readonly number[];
}

export interface PeerNetworkPolicyProps extends RegionProps {
  /** `app.kubernetes.io/name` of the pods the policy isolates; also the policy's name. */
  readonly component: string;
  readonly rules: readonly PeerRule[];
}

/**
 * Ingress of a stretched component, port by port. Remote peers arrive with their pod IPs
 * (globalnet off), so the other regions' pod CIDRs stand for them; this region's own CIDR is
 * left out (that would admit any local pod), local peers are matched by their labels.
 */
export class PeerNetworkPolicy extends Construct {
  constructor(scope: Construct, id: string, props: PeerNetworkPolicyProps) {
    super(scope, id);
    const { fleet, region, component } = props;
    const remote = remotePodCidrs(fleet, region).map((cidr) => ({ ipBlock: { cidr } }));
    new k8s.KubeNetworkPolicy(this, 'Resource', {
      metadata: { name: component, namespace: fleet.namespace, labels: labels(fleet, component, region) },
      spec: {
        podSelector: { matchLabels: selectorLabels(fleet, component) },
        policyTypes: ['Ingress'],
        ingress: props.rules.map((rule) => ({
          from: [
            ...rule.localPods.map((matchLabels) => ({ podSelector: { matchLabels: { ...matchLabels } } })),
            ...(rule.namespaces ?? []).map((name) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } } })),
            ...remote,
          ],
          ports: rule.ports.map((port) => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) })),
        })),
      },
    });
  }
}
