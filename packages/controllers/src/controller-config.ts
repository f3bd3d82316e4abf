import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { KRAFT, labels, metadataAnnotations } from '@stretched-kafka/fleet';
import type { RegionProps } from '@stretched-kafka/core';
import { checksum } from '@stretched-kafka/platform';
import { controllerConfigData } from './config';

export const CONTROLLER_CONFIG_MAP = 'kafka-controller-config';


/**
 * ConfigMap `kafka-controller-config`: controller.properties template, start.sh and
 * log4j2.properties, annotated with the cluster id (KRAFT_CLUSTER_ID_ANNOTATION) for synth's guard.
 */
export class ControllerConfig extends Construct {
  /** sha256 of the data; the StatefulSet carries it so that a change rolls the controllers. */
  readonly checksum: string;

  constructor(scope: Construct, id: string, props: RegionProps) {
    super(scope, id);
    const data = controllerConfigData(props.fleet, props.region);
    this.checksum = checksum(data);
    new k8s.KubeConfigMap(this, 'Resource', {
      metadata: {
        name: CONTROLLER_CONFIG_MAP,
        namespace: props.fleet.namespace,
        labels: labels(props.fleet, KRAFT.name, props.region),
        annotations: metadataAnnotations(props.fleet),
      },
      data,
    });
  }
}
