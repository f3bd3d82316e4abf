import { Chart } from 'cdk8s';
import { Fleet, Region, ZOOKEEPER, metadataLayout } from '@stretched-kafka/fleet';
import { OneAtATimeDisruptionBudget } from '@stretched-kafka/platform';
import { ZookeeperConfig } from './zookeeper-config';
import { ZookeeperServices } from './zookeeper-services';
import { ZookeeperStatefulSet } from './zookeeper-statefulset';
import { ZookeeperNetworkPolicy } from './zookeeper-network-policy';
import type { Component } from '@stretched-kafka/core';

/** This region's ZooKeeper members; a region with zookeeperReplicas 0 gets none of these objects. */
export const zookeeperComponent = {
  name: 'zookeeper',
  wave: 30,
  build(chart: Chart, fleet: Fleet, region: Region): void {
    if (!metadataLayout(fleet).zookeeper || region.zookeeperReplicas === 0) return;
    const props = { fleet, region };
    const config = new ZookeeperConfig(chart, 'config', props);
    new ZookeeperServices(chart, 'services', props);
    new ZookeeperStatefulSet(chart, 'statefulset', { ...props, configChecksum: config.checksum });
    new OneAtATimeDisruptionBudget(chart, 'pdb', { ...props, component: ZOOKEEPER.name });
    new ZookeeperNetworkPolicy(chart, 'network-policy', props);
  },
} satisfies Component;
