import { Chart } from 'cdk8s';
import { Fleet, KAFKA, Region } from '@stretched-kafka/fleet';
import { OneAtATimeDisruptionBudget } from '@stretched-kafka/platform';
import { KafkaConfig } from './kafka-config';
import { KafkaServices } from './kafka-services';
import { KafkaStatefulSet } from './kafka-statefulset';
import { KafkaNetworkPolicy } from './kafka-network-policy';
import type { Component } from '@stretched-kafka/core';

/** This region's brokers of the stretched cluster. */
export const kafkaComponent = {
  name: 'kafka',
  wave: 40,
  build(chart: Chart, fleet: Fleet, region: Region): void {
    const props = { fleet, region };
    const config = new KafkaConfig(chart, 'config', props);
    new KafkaServices(chart, 'services', props);
    new KafkaStatefulSet(chart, 'statefulset', { ...props, configChecksum: config.checksum });
    new OneAtATimeDisruptionBudget(chart, 'pdb', { ...props, component: KAFKA.name });
    new KafkaNetworkPolicy(chart, 'network-policy', props);
  },
} satisfies Component;
