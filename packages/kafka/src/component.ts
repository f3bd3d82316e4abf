import { Chart } from 'cdk8s';
import { Fleet, Region } from '@stretched-kafka/fleet';
import { KafkaConfig } from './kafka-config';
import { KafkaServices } from './kafka-services';
import { KafkaStatefulSet } from './kafka-statefulset';
import { KafkaDisruptionBudget } from './kafka-disruption-budget';
import { KafkaNetworkPolicy } from './kafka-network-policy';

/** This region's brokers of the stretched cluster. */
export const kafkaComponent = {
  name: 'kafka',
  wave: 40,
  build(chart: Chart, fleet: Fleet, region: Region): void {
    const props = { fleet, region };
    const config = new KafkaConfig(chart, 'config', props);
    new KafkaServices(chart, 'services', props);
    new KafkaStatefulSet(chart, 'statefulset', { ...props, configChecksum: config.checksum });
    new KafkaDisruptionBudget(chart, 'pdb', props);
    new KafkaNetworkPolicy(chart, 'network-policy', props);
  },
};
