import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { Fleet, Region, labels, metadataAnnotations, usesKraftClusterId } from '@stretched-kafka/fleet';
import { checksum } from '@stretched-kafka/platform';
import { kafkaConfigData } from './config';

export const KAFKA_CONFIG_MAP = 'kafka-config';

export interface KafkaConfigProps {
  readonly fleet: Fleet;
  readonly region: Region;
}

/** ConfigMap `kafka-config`: server.properties template, start.sh, reload-tls.sh and log4j.properties. */
export class KafkaConfig extends Construct {
  /** sha256 of the data; the StatefulSet carries it so that a change rolls the brokers. */
  readonly checksum: string;

  constructor(scope: Construct, id: string, props: KafkaConfigProps) {
    super(scope, id);
    const data = kafkaConfigData(props.fleet, props.region);
    this.checksum = checksum(data);
    new k8s.KubeConfigMap(this, 'Resource', {
      metadata: {
        name: KAFKA_CONFIG_MAP,
        namespace: props.fleet.namespace,
        labels: labels(props.fleet, 'kafka', props.region),
        // KRaft and migration mode: the cluster id start.sh formats with (as on the controllers'
        // ConfigMap) and, while migrating, the phase, for synth's guards.
        ...(usesKraftClusterId(props.fleet) ? { annotations: metadataAnnotations(props.fleet) } : {}),
      },
      data,
    });
  }
}
