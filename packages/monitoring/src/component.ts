import { Chart } from 'cdk8s';
import { Fleet, KRAFT, Region, ZOOKEEPER } from '@stretched-kafka/fleet';
import type { Component } from '@stretched-kafka/core';
import { ComponentPodMonitor, KafkaPrometheusRule, MONITORED_COMPONENTS } from './monitors';
import { KafkaDashboard } from './dashboard';

/**
 * The monitoring layer of a region, after Kafka: PodMonitors for the brokers, ZooKeeper nodes and
 * KRaft controllers, the PrometheusRule and the Grafana dashboard. Absent when
 * fleet.monitoring.enabled is false.
 */
export const monitoringComponent = {
  name: 'monitoring',
  wave: 45,
  build(chart: Chart, fleet: Fleet, region: Region): void {
    if (!fleet.monitoring.enabled) return;
    const props = { fleet, region };
    // No PodMonitor for a ZooKeeper or KRaft controllers that this region does not run (KRaft mode
    // and a finalized migration have no ZooKeeper; ZooKeeper mode has no controllers).
    const runs: Record<string, number> = { [ZOOKEEPER.name]: region.zookeeperReplicas, [KRAFT.name]: region.controllerReplicas };
    for (const component of MONITORED_COMPONENTS) {
      if (runs[component] === 0) continue;
      new ComponentPodMonitor(chart, `pod-monitor-${component}`, { ...props, component });
    }
    new KafkaPrometheusRule(chart, 'rules', props);
    new KafkaDashboard(chart, 'dashboard', props);
  },
} satisfies Component;
