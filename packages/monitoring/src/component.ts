import { Chart } from 'cdk8s';
import { Fleet, Region } from '@stretched-kafka/fleet';
import type { Component } from '@stretched-kafka/core';
import { ComponentPodMonitor, KafkaPrometheusRule, MONITORED_COMPONENTS } from './monitors';
import { KafkaDashboard } from './dashboard';

/**
 * The monitoring layer of a region, after Kafka: PodMonitors for the brokers and ZooKeeper nodes,
 * the PrometheusRule and the Grafana dashboard. Absent when fleet.monitoring.enabled is false.
 */
export const monitoringComponent = {
  name: 'monitoring',
  wave: 45,
  build(chart: Chart, fleet: Fleet, region: Region): void {
    if (!fleet.monitoring.enabled) return;
    const props = { fleet, region };
    for (const component of MONITORED_COMPONENTS) new ComponentPodMonitor(chart, `pod-monitor-${component}`, { ...props, component });
    new KafkaPrometheusRule(chart, 'rules', props);
    new KafkaDashboard(chart, 'dashboard', props);
  },
} satisfies Component;
