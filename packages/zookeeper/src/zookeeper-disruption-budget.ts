import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { Fleet, Region, ZOOKEEPER, labels, selectorLabels } from '@stretched-kafka/fleet';

export interface ZookeeperDisruptionBudgetProps {
  readonly fleet: Fleet;
  readonly region: Region;
}

/** One member at a time may be evicted: with one region down the ensemble has no member to spare. */
export class ZookeeperDisruptionBudget extends Construct {
  constructor(scope: Construct, id: string, props: ZookeeperDisruptionBudgetProps) {
    super(scope, id);
    new k8s.KubePodDisruptionBudget(this, 'Resource', {
      metadata: { name: ZOOKEEPER.name, namespace: props.fleet.namespace, labels: labels(props.fleet, 'zookeeper', props.region) },
      spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: selectorLabels(props.fleet, 'zookeeper') } },
    });
  }
}
