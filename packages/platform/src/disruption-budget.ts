import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { Fleet, Region, labels, selectorLabels } from '@stretched-kafka/fleet';

export interface OneAtATimeDisruptionBudgetProps {
  readonly fleet: Fleet;
  readonly region: Region;
  /** `app.kubernetes.io/name` of the pods; also the budget's name. */
  readonly component: string;
}

/**
 * Voluntary evictions one pod at a time. For brokers: with min.insync.replicas 2 of 3 a second
 * loss stops writes. For ZooKeeper: with one region down the ensemble has no member to spare.
 */
export class OneAtATimeDisruptionBudget extends Construct {
  constructor(scope: Construct, id: string, props: OneAtATimeDisruptionBudgetProps) {
    super(scope, id);
    const { fleet, region, component } = props;
    new k8s.KubePodDisruptionBudget(this, 'Resource', {
      metadata: { name: component, namespace: fleet.namespace, labels: labels(fleet, component, region) },
      spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: selectorLabels(fleet, component) } },
    });
  }
}
