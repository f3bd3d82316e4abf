import { Chart } from 'cdk8s';
import { Fleet, KRAFT, Region, metadataLayout } from '@stretched-kafka/fleet';
import { OneAtATimeDisruptionBudget } from '@stretched-kafka/platform';
import type { Component } from '@stretched-kafka/core';
import { ControllerConfig } from './controller-config';
import { ControllerServices } from './controller-services';
import { ControllerStatefulSet } from './controller-statefulset';
import { ControllerNetworkPolicy } from './controller-network-policy';

/**
 * This region's KRaft controllers (metadata.mode kraft, and migration from phase 1), in
 * ZooKeeper's place and wave: before the brokers, which need a quorum to register. A region with controllerReplicas 0 (every region
 * in ZooKeeper mode) gets none of these objects.
 */
export const controllersComponent = {
  name: 'controllers',
  wave: 30,
  build(chart: Chart, fleet: Fleet, region: Region): void {
    if (metadataLayout(fleet).controllers === 'none' || region.controllerReplicas === 0) return;
    const props = { fleet, region };
    const config = new ControllerConfig(chart, 'config', props);
    new ControllerServices(chart, 'services', props);
    new ControllerStatefulSet(chart, 'statefulset', { ...props, configChecksum: config.checksum });
    new OneAtATimeDisruptionBudget(chart, 'pdb', { ...props, component: KRAFT.name });
    new ControllerNetworkPolicy(chart, 'network-policy', props);
  },
} satisfies Component;
