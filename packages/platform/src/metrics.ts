import { dump } from 'js-yaml';
import { Fleet, METRICS, prometheusNamespace } from '@stretched-kafka/fleet';
import type { PeerRule } from './peer-network-policy';

// The Prometheus JMX exporter java agent that Strimzi's Kafka image ships, and the one rule set
// of this project for it. Only the metrics the alerts (packages/monitoring) and the dashboard use
// are exported: every name below is referenced there, and the real-Kafka harness checks that each
// appears in the live agents' output. Add a metric here and where it is used, nowhere else.

/** Where Strimzi's image keeps the agent (`jmx_prometheus_javaagent-<version>.jar`; Strimzi's kafka_run.sh finds it with the same glob). */
export const JMX_EXPORTER_HOME = '/opt/prometheus-jmx-exporter';
/** ConfigMap key of the agent's rule set in kafka-config, zookeeper-config and kafka-controller-config. */
export const METRICS_CONFIG_KEY = 'metrics.yaml';

/** Metric names as the agent exports them (counters get `_total` from the Prometheus client). */
export const METRIC = {
  underReplicated: 'kafka_server_replicamanager_underreplicatedpartitions',
  underMinIsr: 'kafka_server_replicamanager_underminisrpartitioncount',
  atMinIsr: 'kafka_server_replicamanager_atminisrpartitioncount',
  leaders: 'kafka_server_replicamanager_leadercount',
  isrShrinks: 'kafka_server_replicamanager_isrshrinks_total',
  isrExpands: 'kafka_server_replicamanager_isrexpands_total',
  activeController: 'kafka_controller_kafkacontroller_activecontrollercount',
  offlinePartitions: 'kafka_controller_kafkacontroller_offlinepartitionscount',
  replicaMaxLag: 'kafka_server_replicafetchermanager_maxlag',
  messagesIn: 'kafka_server_brokertopicmetrics_messagesin_total',
  bytesIn: 'kafka_server_brokertopicmetrics_bytesin_total',
  requestTotalTimeMs: 'kafka_network_requestmetrics_totaltimems',
  zookeeperServing: 'zookeeper_quorum_serving',
  /** KRaft controllers: the cluster's ZooKeeper migration state from the metadata image (every controller reports it). */
  zkMigrationState: 'kafka_controller_kafkacontroller_zkmigrationstate',
  /** KRaft controllers: 1, labelled with the member's Raft state (`state`: leader, follower, candidate, ...). */
  raftState: 'kafka_server_raftmetrics_current_state',
} as const;

/**
 * Values of ZkMigrationState (Kafka's org.apache.kafka.metadata.migration.ZkMigrationState; -1
 * until the controller has loaded a metadata image).
 */
export const ZK_MIGRATION_STATE = { NONE: 0, MIGRATION: 1, PRE_MIGRATION: 2, POST_MIGRATION: 3 } as const;

/** One rule of the agent (jmx_exporter's `rules` entry). */
interface ExporterRule {
  readonly pattern: string;
  readonly name: string;
  readonly type: 'GAUGE' | 'COUNTER';
  readonly value?: number;
  readonly labels?: Readonly<Record<string, string>>;
}

/** Exported name without the `_total` the client adds to counters (the rule gives the base name). */
function base(name: string): string {
  return name.replace(/_total$/, '');
}

/** KafkaController gauges (`Value`): on brokers the ZooKeeper-mode controller's, on KRaft controllers QuorumController's and the metadata image's. */
function controllerGauges(names: readonly string[]): ExporterRule {
  return { pattern: `kafka.controller<type=KafkaController, name=(${names.join('|')})><>Value`, name: 'kafka_controller_kafkacontroller_$1', type: 'GAUGE' };
}

const KAFKA_RULES: readonly ExporterRule[] = [
  {
    pattern: 'kafka.server<type=ReplicaManager, name=(UnderReplicatedPartitions|UnderMinIsrPartitionCount|AtMinIsrPartitionCount|LeaderCount)><>Value',
    name: 'kafka_server_replicamanager_$1',
    type: 'GAUGE',
  },
  { pattern: 'kafka.server<type=ReplicaManager, name=IsrShrinksPerSec><>Count', name: base(METRIC.isrShrinks), type: 'COUNTER' },
  { pattern: 'kafka.server<type=ReplicaManager, name=IsrExpandsPerSec><>Count', name: base(METRIC.isrExpands), type: 'COUNTER' },
  controllerGauges(['ActiveControllerCount', 'OfflinePartitionsCount']),
  { pattern: 'kafka.server<type=ReplicaFetcherManager, name=MaxLag, clientId=Replica><>Value', name: METRIC.replicaMaxLag, type: 'GAUGE' },
  // The all-topics meters only (the per-topic ones carry a topic key and do not match).
  { pattern: 'kafka.server<type=BrokerTopicMetrics, name=MessagesInPerSec><>Count', name: base(METRIC.messagesIn), type: 'COUNTER' },
  { pattern: 'kafka.server<type=BrokerTopicMetrics, name=BytesInPerSec><>Count', name: base(METRIC.bytesIn), type: 'COUNTER' },
  {
    pattern: 'kafka.network<type=RequestMetrics, name=TotalTimeMs, request=(Produce|FetchFollower)><>(50|99)thPercentile',
    name: METRIC.requestTotalTimeMs,
    type: 'GAUGE',
    labels: { request: '$1', quantile: '0.$2' },
  },
];

const ZOOKEEPER_RULES: readonly ExporterRule[] = [
  // The Leader or Follower bean exists only while the member serves in a quorum.
  {
    pattern: 'org.apache.ZooKeeperService<name0=ReplicatedServer_id(\\d+), name1=replica.(\\d+), name2=(Leader|Follower)><>NumAliveConnections',
    name: METRIC.zookeeperServing,
    type: 'GAUGE',
    value: 1,
    labels: { server_id: '$1', role: '$3' },
  },
];

const CONTROLLER_RULES: readonly ExporterRule[] = [
  // ActiveControllerCount: 1 on the quorum leader (QuorumControllerMetrics); OfflinePartitionsCount
  // and ZkMigrationState: from the metadata image, on every controller (ControllerMetadataMetrics).
  controllerGauges(['ActiveControllerCount', 'OfflinePartitionsCount', 'ZkMigrationState']),
  // A string gauge of Kafka's own metrics (raft-metrics group, JMX domain kafka.server): the agent
  // sees `current-state: <state>`, exported as 1 with the state as a label.
  { pattern: 'kafka.server<type=raft-metrics><>current-state: (\\w+)', name: METRIC.raftState, type: 'GAUGE', value: 1, labels: { state: '$1' } },
];

export type ExportedComponent = 'kafka' | 'zookeeper' | 'kafka-controller';

/** Per component: the only MBeans read on a scrape (attributes no rule matches are dropped) and the rules. */
const EXPORTED: Record<ExportedComponent, { readonly objectNames: readonly string[]; readonly rules: readonly ExporterRule[] }> = {
  kafka: {
    objectNames: ['kafka.server:type=ReplicaManager,*', 'kafka.controller:type=KafkaController,*', 'kafka.server:type=ReplicaFetcherManager,*', 'kafka.server:type=BrokerTopicMetrics,*', 'kafka.network:type=RequestMetrics,name=TotalTimeMs,*'],
    rules: KAFKA_RULES,
  },
  zookeeper: { objectNames: ['org.apache.ZooKeeperService:*'], rules: ZOOKEEPER_RULES },
  'kafka-controller': { objectNames: ['kafka.controller:type=KafkaController,*', 'kafka.server:type=raft-metrics'], rules: CONTROLLER_RULES },
};

/** The agent's configuration (metrics.yaml) for brokers, ZooKeeper nodes or KRaft controllers. */
export function jmxExporterConfig(component: ExportedComponent): string {
  const config = {
    lowercaseOutputName: true,
    lowercaseOutputLabelNames: true,
    includeObjectNames: EXPORTED[component].objectNames,
    rules: EXPORTED[component].rules,
  };
  return `# Prometheus JMX exporter rules (packages/platform/src/metrics.ts): only what the alerts and the dashboard use.\n${dump(config, { lineWidth: -1, noRefs: true })}`;
}

/**
 * start.sh environment for the agent: the image's agent folder and the port it serves on.
 * METRICS_PORT=0 (or monitoring disabled: no default) starts the JVM without it.
 */
export function metricsEnv(fleet: Fleet): readonly (readonly [string, string])[] {
  return fleet.monitoring.enabled ? [['JMX_EXPORTER_HOME', JMX_EXPORTER_HOME], ['METRICS_PORT', String(METRICS.port)]] : [];
}

/**
 * NetworkPolicy rule for the metrics port: the Prometheus namespace of this cluster (and, as for
 * every peer rule, the other regions' pod CIDRs, where a central Prometheus may run).
 */
export function metricsPeerRules(fleet: Fleet): PeerRule[] {
  return fleet.monitoring.enabled ? [{ localPods: [], namespaces: [prometheusNamespace(fleet)], ports: [METRICS.port] }] : [];
}
