import { Construct } from 'constructs';
import { ApiObject } from 'cdk8s';
import { KAFKA, KRAFT, METRICS, ZOOKEEPER, labels, selectorLabels } from '@stretched-kafka/fleet';
import type { RegionProps } from '@stretched-kafka/core';
import { alertsOf, promDuration, runbookAnchor, type AlertDefinition } from './alerts';

export const MONITORING_API = 'monitoring.coreos.com/v1';

export interface PodMonitorProps extends RegionProps {
  /** `kafka`, `zookeeper` or `kafka-controller`: the StatefulSet whose pods are scraped. */
  readonly component: string;
}

/**
 * PodMonitor of one component's pods in this region, on the JMX exporter agent's port. Every
 * series gets `region` and `component` labels, which the alerts and the dashboard select on (the
 * Prometheus Operator adds `namespace` and `pod` itself).
 */
export class ComponentPodMonitor extends Construct {
  constructor(scope: Construct, id: string, props: PodMonitorProps) {
    super(scope, id);
    const { fleet, region, component } = props;
    const interval = promDuration(fleet.monitoring.scrapeIntervalSeconds);
    new ApiObject(this, 'Resource', {
      apiVersion: MONITORING_API,
      kind: 'PodMonitor',
      metadata: { name: component, namespace: fleet.namespace, labels: labels(fleet, component, region) },
      spec: {
        selector: { matchLabels: selectorLabels(fleet, component) },
        podMetricsEndpoints: [
          {
            port: METRICS.portName,
            path: '/metrics',
            interval,
            scrapeTimeout: interval,
            relabelings: [
              { action: 'replace', targetLabel: 'region', replacement: region.name },
              { action: 'replace', targetLabel: 'component', replacement: component },
            ],
          },
        ],
      },
    });
  }
}

export const MONITORED_COMPONENTS = [ZOOKEEPER.name, KRAFT.name, KAFKA.name] as const;

/** A rule of a PrometheusRule group, as the CRD spells it. */
export function alertingRule(fleet: RegionProps['fleet'], a: AlertDefinition): Record<string, unknown> {
  return {
    alert: a.alert,
    expr: a.expr,
    for: promDuration(a.forS),
    labels: { severity: a.severity, kafka_cluster: fleet.name },
    annotations: {
      summary: a.summary,
      description: a.description,
      runbook_url: `${fleet.monitoring.runbookUrl}#${runbookAnchor(a.alert)}`,
    },
  };
}

/** PrometheusRule `<fleet>-alerts`: this region's alerts and, in the management region, the fleet-wide ones. */
export class KafkaPrometheusRule extends Construct {
  constructor(scope: Construct, id: string, props: RegionProps) {
    super(scope, id);
    const { fleet, region } = props;
    const alerts = alertsOf(fleet, region);
    const interval = promDuration(fleet.monitoring.scrapeIntervalSeconds);
    const groups = [
      { name: `${fleet.name}-${region.name}`, interval, rules: alerts.filter((a) => a.scope === 'region').map((a) => alertingRule(fleet, a)) },
      { name: `${fleet.name}-fleet`, interval, rules: alerts.filter((a) => a.scope === 'fleet').map((a) => alertingRule(fleet, a)) },
    ].filter((g) => g.rules.length > 0);
    new ApiObject(this, 'Resource', {
      apiVersion: MONITORING_API,
      kind: 'PrometheusRule',
      metadata: { name: `${fleet.name}-alerts`, namespace: fleet.namespace, labels: labels(fleet, 'monitoring', region) },
      spec: { groups },
    });
  }
}
