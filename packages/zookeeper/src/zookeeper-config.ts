import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { Fleet, Region, labels } from '@stretched-kafka/fleet';
import { checksum } from '@stretched-kafka/platform';
import { zookeeperConfigData } from './config';

export const ZOOKEEPER_CONFIG_MAP = 'zookeeper-config';

export interface ZookeeperConfigProps {
  readonly fleet: Fleet;
  readonly region: Region;
}

/** ConfigMap `zookeeper-config`: zoo.cfg template, start.sh, health.sh and log4j.properties. */
export class ZookeeperConfig extends Construct {
  /** sha256 of the data; the StatefulSet carries it so that a change rolls the members. */
  readonly checksum: string;

  constructor(scope: Construct, id: string, props: ZookeeperConfigProps) {
    super(scope, id);
    const data = zookeeperConfigData(props.fleet, props.region);
    this.checksum = checksum(data);
    new k8s.KubeConfigMap(this, 'Resource', {
      metadata: { name: ZOOKEEPER_CONFIG_MAP, namespace: props.fleet.namespace, labels: labels(props.fleet, 'zookeeper', props.region) },
      data,
    });
  }
}
