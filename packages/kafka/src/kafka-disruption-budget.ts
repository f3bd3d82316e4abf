import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { Fleet, KAFKA, Region, labels, selectorLabels } from '@stretched-kafka/fleet';

export interface KafkaDisruptionBudgetProps {
  readonly fleet: Fleet;
  readonly region: Region;
}

/** One broker at a time: with min.insync.replicas 2 of 3, a second loss would stop writes. */
export class KafkaDisruptionBudget extends Construct {
  constructor(scope: Construct, id: string, props: KafkaDisruptionBudgetProps) {
    super(scope, id);
    new k8s.KubePodDisruptionBudget(this, 'Resource', {
      metadata: { name: KAFKA.name, namespace: props.fleet.namespace, labels: labels(props.fleet, 'kafka', props.region) },
      spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: selectorLabels(props.fleet, 'kafka') } },
    });
  }
}
