import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { Fleet, KAFKA, KRAFT, ZOOKEEPER, kraftControllers, labels } from '@stretched-kafka/fleet';
import { METRIC } from '@stretched-kafka/platform';
import type { RegionProps } from '@stretched-kafka/core';
import { controllerMetricSources } from './alerts';

/** The label kube-prometheus-stack's and the Grafana Helm chart's dashboard sidecar look for. */
export const GRAFANA_DASHBOARD_LABEL = { grafana_dashboard: '1' } as const;

interface Panel {
  readonly title: string;
  readonly expr: string;
  readonly legend: string;
  readonly unit?: string;
}

/** The dashboard's panels, two per row, each broken down by region (the `region` variable filters). */
function panels(fleet: Fleet): Panel[] {
  const k = `namespace="${fleet.namespace}", component="${KAFKA.name}", region=~"$region"`;
  const z = `namespace="${fleet.namespace}", component="${ZOOKEEPER.name}", region=~"$region"`;
  const q = `namespace="${fleet.namespace}", component="${KRAFT.name}", region=~"$region"`;
  const of = (components: readonly string[]) => (components.length === 1 ? `namespace="${fleet.namespace}", component="${components[0]}", region=~"$region"` : `namespace="${fleet.namespace}", component=~"${components.join('|')}", region=~"$region"`);
  // Who reports being the active controller, and offline partitions: ZooKeeper-mode brokers, KRaft controllers, both while migrating.
  const controllers = of(controllerMetricSources(fleet));
  return [
    { title: 'Pods answering scrapes', expr: `sum by (region, component) (up{namespace="${fleet.namespace}", region=~"$region"})`, legend: '{{region}} {{component}}' },
    { title: 'Active controller (by region)', expr: `sum by (region) (${METRIC.activeController}{${controllers}})`, legend: '{{region}}' },
    { title: 'Under-replicated partitions', expr: `sum by (region) (${METRIC.underReplicated}{${k}})`, legend: '{{region}}' },
    { title: 'Partitions under / at min ISR', expr: `sum by (region) (${METRIC.underMinIsr}{${k}}) or label_replace(sum by (region) (${METRIC.atMinIsr}{${k}}), "region", "$1 at min", "region", "(.*)")`, legend: '{{region}}' },
    { title: 'Partition leaders per region', expr: `sum by (region) (${METRIC.leaders}{${k}})`, legend: '{{region}}' },
    { title: 'Offline partitions', expr: `max by (region) (${METRIC.offlinePartitions}{${controllers}})`, legend: '{{region}}' },
    { title: 'ISR shrinks / expands per second', expr: `sum by (region) (rate(${METRIC.isrShrinks}{${k}}[5m])) or label_replace(sum by (region) (rate(${METRIC.isrExpands}{${k}}[5m])), "region", "$1 expands", "region", "(.*)")`, legend: '{{region}}' },
    { title: 'Cross-region replication lag (messages, largest per follower)', expr: `max by (region, pod) (${METRIC.replicaMaxLag}{${k}})`, legend: '{{region}} {{pod}}' },
    { title: 'Produce request time p99', expr: `max by (region, pod) (${METRIC.requestTotalTimeMs}{${k}, request="Produce", quantile="0.99"})`, legend: '{{region}} {{pod}}', unit: 'ms' },
    { title: 'Follower fetch time p99 (includes replica.fetch.wait.max.ms)', expr: `max by (region, pod) (${METRIC.requestTotalTimeMs}{${k}, request="FetchFollower", quantile="0.99"})`, legend: '{{region}} {{pod}}', unit: 'ms' },
    { title: 'Bytes in per second', expr: `sum by (region) (rate(${METRIC.bytesIn}{${k}}[5m]))`, legend: '{{region}}', unit: 'Bps' },
    { title: 'ZooKeeper members serving (leader / follower)', expr: `sum by (region, role) (${METRIC.zookeeperServing}{${z}})`, legend: '{{region}} {{role}}' },
    ...(kraftControllers(fleet).length ? [{ title: 'KRaft voters by Raft state', expr: `sum by (region, state) (${METRIC.raftState}{${q}})`, legend: '{{region}} {{state}}' }] : []),
  ];
}

/** Grafana dashboard JSON (schema of Grafana 10/11), with a data source and a region variable. */
export function dashboardJson(fleet: Fleet): string {
  const ds = { type: 'prometheus', uid: '${datasource}' };
  const dashboard = {
    title: `${fleet.name}: stretched Kafka`,
    uid: `${fleet.name}`.slice(0, 40),
    tags: ['kafka', 'stretched-kafka'],
    timezone: 'utc',
    schemaVersion: 39,
    editable: false,
    refresh: '30s',
    time: { from: 'now-3h', to: 'now' },
    templating: {
      list: [
        { name: 'datasource', type: 'datasource', query: 'prometheus', label: 'Data source' },
        {
          name: 'region',
          type: 'query',
          datasource: ds,
          query: { query: `label_values(up{namespace="${fleet.namespace}", component="${KAFKA.name}"}, region)`, refId: 'region' },
          definition: `label_values(up{namespace="${fleet.namespace}", component="${KAFKA.name}"}, region)`,
          includeAll: true,
          multi: true,
          current: { text: 'All', value: '$__all' },
          refresh: 2,
          label: 'Region',
        },
      ],
    },
    panels: panels(fleet).map((p, i) => ({
      id: i + 1,
      type: 'timeseries',
      title: p.title,
      datasource: ds,
      gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
      fieldConfig: { defaults: { unit: p.unit ?? 'short' }, overrides: [] },
      targets: [{ refId: 'A', datasource: ds, expr: p.expr, legendFormat: p.legend }],
    })),
  };
  return `${JSON.stringify(dashboard, null, 2)}\n`;
}

/** ConfigMap `<fleet>-dashboard` for the Grafana dashboard sidecar. */
export class KafkaDashboard extends Construct {
  constructor(scope: Construct, id: string, props: RegionProps) {
    super(scope, id);
    const { fleet, region } = props;
    new k8s.KubeConfigMap(this, 'Resource', {
      metadata: { name: `${fleet.name}-dashboard`, namespace: fleet.namespace, labels: { ...labels(fleet, 'monitoring', region), ...GRAFANA_DASHBOARD_LABEL } },
      data: { [`${fleet.name}.json`]: dashboardJson(fleet) },
    });
  }
}
