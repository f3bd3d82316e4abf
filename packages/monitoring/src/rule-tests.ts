import { Fleet, KAFKA, KRAFT, MigrationPhase, Node, Region, ZOOKEEPER, kafkaBrokers, kraftControllers, zookeeperNodes } from '@stretched-kafka/fleet';
import { METRIC, ZK_MIGRATION_STATE } from '@stretched-kafka/platform';
import { AlertDefinition, MIGRATION_STATES, alertsOf, monitoringTimings, controllerMetricSources, promDuration } from './alerts';
import { alertingRule } from './monitors';

// Unit tests of the generated alerts for Prometheus' own `promtool test rules` (npm run
// test:rules). The input series are shaped like the JMX exporter agent's output after the
// PodMonitors' relabelling (metric names from METRIC, labels namespace, pod, region, component),
// and every time in them is a multiple of the fleet's scrape interval, so the cases follow the
// fleet as the rules do: an event at step EVENT, silence while the rule is pending, firing at the
// first evaluation at or after EVENT + `for`.

/** The step (in scrape intervals) at which every case's event happens. */
const EVENT = 5;

interface Series {
  readonly series: string;
  readonly values: string;
}

export interface RuleCase {
  readonly name: string;
  readonly alert: string;
  readonly series: readonly Series[];
  /** Labels of the one expected alert (besides alertname, severity and kafka_cluster). */
  readonly labels: Readonly<Record<string, string>>;
  /** Seconds from the event until the expression first holds (a condition that needs more than the event). */
  readonly delayS?: number;
  /** An alert that must never fire in this case (a guard or a negative). */
  readonly never?: boolean;
  /** How many identical alerts the rule file raises (one per region's rule, for series without a region label). */
  readonly copies?: number;
}

function selector(fleet: Fleet, component: string, region: Region, pod: string, extra: Record<string, string> = {}): string {
  const labels = { namespace: fleet.namespace, pod, region: region.name, component, ...extra };
  return `{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(', ')}}`;
}

/** `v` until the event, `after` from it, `steps` samples in all. */
function stepTo(before: number | string, after: number | string, steps = 30): string {
  return `${before}x${EVENT - 1} ${after}x${steps - EVENT}`;
}

/** Every pod of every region answering scrapes throughout (the fleet alerts' guard needs them), minus `except`. */
function upSeries(fleet: Fleet, except: (region: Region, component: string) => string | undefined = () => undefined): Series[] {
  const pods = [...zookeeperNodes(fleet).map((n) => [n, ZOOKEEPER.name] as const), ...kraftControllers(fleet).map((n) => [n, KRAFT.name] as const), ...kafkaBrokers(fleet).map((n) => [n, KAFKA.name] as const)];
  return pods.map(([n, component]) => ({ series: `up${selector(fleet, component, n.region, n.pod)}`, values: except(n.region, component) ?? '1x29' }));
}

/**
 * A quorum's members as a 1-valued series each (the first the leader), `lost` of them gone stale at
 * the event (`values` overrides that for every member).
 */
function quorum(fleet: Fleet, nodes: readonly Node[], component: string, metric: string, labels: (n: Node, leader: boolean) => Record<string, string>, lost: number, values?: string): Series[] {
  return nodes.map((n, i) => ({ series: `${metric}${selector(fleet, component, n.region, n.pod, labels(n, i === 0))}`, values: values ?? (i < lost ? `1x${EVENT - 1} stale` : '1x29') }));
}

/** Every case whose alert the fleet has (a KRaft fleet has no ZooKeeper alert, a ZooKeeper one no KRaft alert). */
export function ruleCases(fleet: Fleet): RuleCase[] {
  const present = new Set(fleet.regions.flatMap((r) => alertsOf(fleet, r)).map((a) => a.alert));
  return allCases(fleet).filter((c) => present.has(c.alert));
}

function allCases(fleet: Fleet): RuleCase[] {
  const t = monitoringTimings(fleet);
  const [first, , last] = fleet.regions;
  const k = (pod: string, extra: Record<string, string> = {}) => selector(fleet, KAFKA.name, first, pod, extra);
  const region = { region: first.name };
  const serving = (lost: number): Series[] =>
    quorum(fleet, zookeeperNodes(fleet), ZOOKEEPER.name, METRIC.zookeeperServing, (n, leader) => ({ server_id: String(n.id), role: leader ? 'Leader' : 'Follower' }), lost);
  const voters = (lost: number, values?: string): Series[] => quorum(fleet, kraftControllers(fleet), KRAFT.name, METRIC.raftState, (_n, leader) => ({ state: leader ? 'leader' : 'follower' }), lost, values);
  const controllers = kraftControllers(fleet);
  const offlineSource = controllerMetricSources(fleet)[0];
  // Messages in at 2400 per scrape interval over 24 leaders: 100 per partition and interval.
  const perPartitionPerS = 100 / t.intervalS;
  const lagThreshold = (t.replicaLagS / 2) * perPartitionPerS;
  return [
    { name: 'a partition under min ISR', alert: 'KafkaUnderMinIsrPartitions', series: [{ series: `${METRIC.underMinIsr}${k('kafka-0')}`, values: stepTo(0, 1) }], labels: region },
    { name: 'partitions under-replicated', alert: 'KafkaUnderReplicatedPartitions', series: [{ series: `${METRIC.underReplicated}${k('kafka-0')}`, values: stepTo(0, 5) }], labels: region },
    { name: `partitions offline (reported by ${offlineSource})`, alert: 'KafkaOfflinePartitions', series: [{ series: `${METRIC.offlinePartitions}${selector(fleet, offlineSource, first, `${offlineSource}-0`)}`, values: stepTo(0, 3) }], labels: region },
    {
      name: 'ISR shrinking in three separate intervals (kafka-0), one burst of shrinks as in a region cut (kafka-1)',
      alert: 'KafkaIsrFlapping',
      series: [
        { series: `${METRIC.isrShrinks}${k('kafka-0')}`, values: `0x${EVENT - 5} 1 1 2 2 3x${30 - EVENT + 1}` },
        { series: `${METRIC.isrShrinks}${k('kafka-1')}`, values: stepTo(0, 24) },
      ],
      labels: { ...region, pod: 'kafka-0' },
    },
    {
      name: `a follower lagging more than ${t.replicaLagS / 2} s of writes (kafka-1), one lagging less (kafka-2)`,
      alert: 'KafkaReplicationLagHigh',
      series: [
        { series: `${METRIC.leaders}${k('kafka-0')}`, values: '24x29' },
        { series: `${METRIC.messagesIn}${k('kafka-0')}`, values: '0+2400x29' },
        { series: `${METRIC.replicaMaxLag}${k('kafka-1')}`, values: stepTo(0, Math.ceil(lagThreshold * 4)) },
        { series: `${METRIC.replicaMaxLag}${k('kafka-2')}`, values: stepTo(0, Math.floor(lagThreshold / 2)) },
      ],
      labels: { ...region, pod: 'kafka-1' },
    },
    {
      name: 'a certificate past half of renewBefore',
      alert: 'KafkaCertificateExpiresSoon',
      // Expires margin + EVENT intervals after the start: less than the margin is left after the event.
      series: [{ series: `certmanager_certificate_expiration_timestamp_seconds{namespace="${fleet.namespace}", name="kafka-tls"}`, values: `${t.certificateMarginS + EVENT * t.intervalS}x29` }],
      labels: { namespace: fleet.namespace, name: 'kafka-tls' },
      delayS: t.intervalS,
      // cert-manager's series carry no region: every region's rule raises the same alert (one
      // notification after Alertmanager's grouping; a per-cluster Prometheus raises one).
      copies: fleet.regions.length,
    },
    { name: `${last.name} cut off`, alert: 'KafkaRegionDown', series: upSeries(fleet, (r) => (r.name === last.name ? stepTo(1, 0) : undefined)), labels: { region: last.name } },
    {
      name: 'a Prometheus that sees one region only stays silent (guard)',
      alert: 'KafkaRegionDown',
      series: upSeries(fleet).filter((s) => s.series.includes(`region="${first.name}"`)).map((s) => ({ ...s, values: stepTo(1, 0) })),
      labels: { region: first.name },
      never: true,
    },
    {
      name: 'no active controller',
      alert: 'KafkaActiveControllerCount',
      series: [
        ...upSeries(fleet),
        ...fleet.regions.map((r, i) => ({ series: `${METRIC.activeController}${selector(fleet, KAFKA.name, r, 'kafka-0')}`, values: i === 0 ? stepTo(1, 0) : '0x29' })),
      ],
      labels: {},
    },
    { name: `ZooKeeper down to ${t.zookeeperQuorum} of ${t.zookeeperMembers}`, alert: 'ZooKeeperQuorumAtLastMember', series: [...upSeries(fleet), ...serving(t.zookeeperMembers - t.zookeeperQuorum)], labels: {} },
    { name: `ZooKeeper down to ${t.zookeeperQuorum - 1} of ${t.zookeeperMembers}`, alert: 'ZooKeeperQuorumLost', series: [...upSeries(fleet), ...serving(t.zookeeperMembers - t.zookeeperQuorum + 1)], labels: {} },
    {
      name: 'no active KRaft controller',
      alert: 'KRaftActiveControllerCount',
      series: [...upSeries(fleet), ...controllers.map((n, i) => ({ series: `${METRIC.activeController}${selector(fleet, KRAFT.name, n.region, n.pod)}`, values: i === 0 ? stepTo(1, 0) : '0x29' }))],
      labels: {},
    },
    {
      name: 'two active KRaft controllers',
      alert: 'KRaftActiveControllerCount',
      series: [...upSeries(fleet), ...controllers.map((n, i) => ({ series: `${METRIC.activeController}${selector(fleet, KRAFT.name, n.region, n.pod)}`, values: i === 0 ? '1x29' : i === controllers.length - 1 ? stepTo(0, 1) : '0x29' }))],
      labels: {},
    },
    { name: `KRaft voters down to ${t.kraftMajority} of ${t.kraftVoters}`, alert: 'KRaftQuorumAtLastMajority', series: [...upSeries(fleet), ...voters(t.kraftVoters - t.kraftMajority)], labels: {} },
    { name: `KRaft voters down to ${t.kraftMajority - 1} of ${t.kraftVoters}`, alert: 'KRaftQuorumLost', series: [...upSeries(fleet), ...voters(t.kraftVoters - t.kraftMajority + 1)], labels: {} },
    {
      // Shorter than the rule's `for` (a failover and two scrapes): an election is how the quorum heals.
      name: 'an election: no voter leads or follows for one scrape',
      alert: 'KRaftQuorumLost',
      series: [...upSeries(fleet), ...voters(0, `1x${EVENT - 1} stale 1x${30 - EVENT - 1}`)],
      labels: {},
      never: true,
    },
    ...migrationCases(fleet),
  ];
}

/** KRaftMigrationStateUnexpected in a migration phase: a state the phase does not allow fires, the phase's own transition does not. */
function migrationCases(fleet: Fleet): RuleCase[] {
  if (fleet.metadata.mode !== 'migration') return [];
  const allowed = MIGRATION_STATES[fleet.metadata.phase as MigrationPhase];
  const first = fleet.regions[0];
  const states = (before: number, after: number): Series[] =>
    kraftControllers(fleet, first).map((n) => ({ series: `${METRIC.zkMigrationState}${selector(fleet, KRAFT.name, first, n.pod)}`, values: stepTo(before, after) }));
  const bad = [ZK_MIGRATION_STATE.PRE_MIGRATION, ZK_MIGRATION_STATE.MIGRATION, ZK_MIGRATION_STATE.POST_MIGRATION, ZK_MIGRATION_STATE.NONE].find((v) => !allowed.includes(v))!;
  const alert = 'KRaftMigrationStateUnexpected';
  return [
    { name: `state ${bad} in phase ${fleet.metadata.phase}`, alert, series: states(allowed[0], bad), labels: { region: first.name } },
    ...(allowed.length > 1 ? [{ name: `the phase's own move from ${allowed[0]} to ${allowed[1]}`, alert, series: states(allowed[0], allowed[1]), labels: { region: first.name }, never: true }] : []),
  ];
}

/** The rule file a Prometheus seeing every region loads: each region's PrometheusRule groups. */
export function ruleFile(fleet: Fleet, transform: (a: AlertDefinition) => AlertDefinition = (a) => a): Record<string, unknown> {
  const interval = promDuration(fleet.monitoring.scrapeIntervalSeconds);
  return {
    groups: fleet.regions.flatMap((r) => {
      const alerts = alertsOf(fleet, r).map(transform);
      return [
        { name: `${fleet.name}-${r.name}`, interval, rules: alerts.filter((a) => a.scope === 'region').map((a) => alertingRule(fleet, a)) },
        { name: `${fleet.name}-fleet`, interval, rules: alerts.filter((a) => a.scope === 'fleet').map((a) => alertingRule(fleet, a)) },
      ].filter((g) => g.rules.length > 0);
    }),
  };
}

/** promtool's test file for the cases, against `rulesFile`. Annotations are not compared (ruleFile's are checked by `promtool check rules`). */
export function promtoolTests(fleet: Fleet, cases: readonly RuleCase[], rulesFile: string): Record<string, unknown> {
  const t = monitoringTimings(fleet);
  const alerts = new Map(fleet.regions.flatMap((r) => alertsOf(fleet, r)).map((a) => [a.alert, a]));
  return {
    rule_files: [rulesFile],
    evaluation_interval: promDuration(t.intervalS),
    tests: cases.map((c) => {
      const a = alerts.get(c.alert);
      if (!a) throw new Error(`rule case ${c.name}: no alert ${c.alert}`);
      const eventS = EVENT * t.intervalS + (c.delayS ?? 0);
      // Firing at the first evaluation at or after event + for; pending (no firing alert) one interval earlier.
      const firesS = Math.ceil((eventS + a.forS) / t.intervalS) * t.intervalS;
      const expected = { exp_labels: { severity: a.severity, kafka_cluster: fleet.name, ...c.labels } };
      const at = (s: number, firing: boolean) => ({ eval_time: promDuration(s), alertname: c.alert, exp_alerts: firing ? Array(c.copies ?? 1).fill(expected) : [] });
      return {
        name: `${c.alert}: ${c.name}`,
        interval: promDuration(t.intervalS),
        input_series: c.series,
        alert_rule_test: c.never ? [at(firesS, false), at(firesS + 10 * t.intervalS, false)] : [at(EVENT * t.intervalS - t.intervalS, false), at(firesS - t.intervalS, false), at(firesS, true)],
      };
    }),
  };
}
