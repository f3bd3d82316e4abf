import { Fleet, KAFKA, KRAFT, MigrationPhase, Region, ZOOKEEPER, fleetKraftTiming, goDurationSeconds, kafkaBrokers, kraftControllers, metadataLayout, zookeeperNodes } from '@stretched-kafka/fleet';
import { METRIC, ZK_MIGRATION_STATE } from '@stretched-kafka/platform';
import { kafkaTuning } from '@stretched-kafka/kafka';

// The alerts, as pure data computed from the fleet. Every threshold and `for` comes from a fleet
// figure (scrape interval, replica.lag.time.max.ms, the brokers' ZooKeeper session timeout, the
// ensemble size, the KRaft voters and quorum timeouts, the certificates' renewBefore), never from
// a number picked here; `derivedFrom` names them, and `firesWithinS` is the bound the rule
// promises from the event to firing.

export type Severity = 'critical' | 'warning';
/**
 * `region`: about this region's own pods; right in any Prometheus that scrapes the region, so each
 * region's PrometheusRule carries them, filtered on its region. `fleet`: needs the series of every
 * region (a central Prometheus, or Thanos over per-region ones); emitted once, in the management
 * region, and guarded so that a Prometheus seeing fewer regions never evaluates them to true.
 */
export type Scope = 'region' | 'fleet';

export interface AlertDefinition {
  readonly alert: string;
  readonly severity: Severity;
  readonly scope: Scope;
  readonly expr: string;
  readonly forS: number;
  /** Longest time from the event to the alert firing: the signal's own delay, the `for`, and scrape plus evaluation steps. */
  readonly firesWithinS: number;
  readonly summary: string;
  readonly description: string;
  /** The fleet figures the expression's thresholds and the `for` follow from. */
  readonly derivedFrom: readonly string[];
}

/** The figures the alerts are built from. */
export interface MonitoringTimings {
  /** Scrape and rule evaluation interval. */
  readonly intervalS: number;
  /** replica.lag.time.max.ms in seconds: how long a follower may lag before the leader drops it from the ISR. */
  readonly replicaLagS: number;
  /** The brokers' zookeeper.session.timeout.ms in seconds: how long a lost broker or controller keeps its ZooKeeper registration. */
  readonly zookeeperSessionS: number;
  /** Window over which ISR shrinks count as flapping. */
  readonly flapWindowS: number;
  /** Members a ZooKeeper quorum needs. */
  readonly zookeeperQuorum: number;
  readonly zookeeperMembers: number;
  /** KRaft voters (controller.quorum.voters, static: the fleet's controllers; 0 without controllers) and the majority they need. */
  readonly kraftVoters: number;
  readonly kraftMajority: number;
  /**
   * Longest time in which the KRaft quorum replaces a lost leader (controller.quorum.fetch.timeout.ms
   * plus two election timeouts, kraftTiming): while it runs, no voter is leader or follower.
   */
  readonly kraftFailoverS: number;
  /** How long a lost broker keeps its partitions' leaderships: the ZooKeeper session, or in KRaft broker.session.timeout.ms. */
  readonly brokerLossS: number;
  readonly regions: number;
  /** Half of pki.renewBefore: a certificate this close to expiry was not renewed when cert-manager should have. */
  readonly certificateMarginS: number;
}

export function monitoringTimings(fleet: Fleet): MonitoringTimings {
  const t = kafkaTuning(fleet);
  const intervalS = fleet.monitoring.scrapeIntervalSeconds;
  const replicaLagS = t.replicaLagTimeMaxMs / 1000;
  const zookeeperMembers = zookeeperNodes(fleet).length;
  const kraftVoters = kraftControllers(fleet).length;
  const k = fleetKraftTiming(fleet);
  const zookeeperSessionS = Math.ceil(t.zookeeperSessionTimeoutMs / 1000);
  return {
    intervalS,
    replicaLagS,
    zookeeperSessionS,
    flapWindowS: Math.max(10 * intervalS, 30 * replicaLagS),
    zookeeperQuorum: Math.floor(zookeeperMembers / 2) + 1,
    zookeeperMembers,
    kraftVoters,
    kraftMajority: Math.floor(kraftVoters / 2) + 1,
    kraftFailoverS: Math.ceil((k.quorumFetchTimeoutMs + 2 * k.quorumElectionTimeoutMs) / 1000),
    brokerLossS: metadataLayout(fleet).brokers === 'kraft' ? Math.ceil(k.brokerSessionTimeoutMs / 1000) : zookeeperSessionS,
    regions: fleet.regions.length,
    certificateMarginS: Math.floor((goDurationSeconds(fleet.pki.renewBefore) ?? 0) / 2),
  };
}

/** A Prometheus duration of whole seconds. */
export function promDuration(seconds: number): string {
  return `${Math.ceil(seconds)}s`;
}

/**
 * Scrape (at most one interval until the change is scraped, a failing scrape times out after
 * another), evaluation (one interval until the rule sees it) and `for` rounding (one interval).
 */
function pipelineS(t: MonitoringTimings): number {
  return 4 * t.intervalS;
}

function matchers(fleet: Fleet, component: string | readonly string[], region?: Region): string {
  const c = typeof component === 'string' || component.length === 1 ? `component="${component}"` : `component=~"${component.join('|')}"`;
  return [`namespace="${fleet.namespace}"`, c, ...(region ? [`region="${region.name}"`] : [])].join(', ');
}

/**
 * Who reports the KafkaController gauges OfflinePartitionsCount and ActiveControllerCount:
 * ZooKeeper-mode brokers (the one that is the controller) and KRaft controllers (offline partitions
 * from each one's metadata image). During a migration both, until the brokers turn KRaft (phase 3),
 * which report neither.
 */
export function controllerMetricSources(fleet: Fleet): string[] {
  const l = metadataLayout(fleet);
  return [...(l.brokers === 'kraft' ? [] : [KAFKA.name]), ...(l.controllers === 'none' ? [] : [KRAFT.name])];
}

/**
 * ZkMigrationState values a migration phase may show: the one the phase reaches and, while its
 * rollout runs, the one the previous phase left (phase 2 starts in PRE_MIGRATION and reaches
 * MIGRATION once every broker registered; phase 4 leaves MIGRATION for POST_MIGRATION when a
 * controller out of migration mode leads). npm run plan checks that a phase reached its value.
 */
export const MIGRATION_STATES: Record<MigrationPhase, readonly number[]> = {
  1: [ZK_MIGRATION_STATE.PRE_MIGRATION],
  2: [ZK_MIGRATION_STATE.PRE_MIGRATION, ZK_MIGRATION_STATE.MIGRATION],
  3: [ZK_MIGRATION_STATE.MIGRATION],
  4: [ZK_MIGRATION_STATE.MIGRATION, ZK_MIGRATION_STATE.POST_MIGRATION],
};

const STATE_NAMES = Object.fromEntries(Object.entries(ZK_MIGRATION_STATE).map(([k, v]) => [v, k])) as Record<number, string>;

/** Alerts about one region's own pods (every region's PrometheusRule). */
export function regionAlerts(fleet: Fleet, region: Region): AlertDefinition[] {
  const t = monitoringTimings(fleet);
  const kafka = matchers(fleet, KAFKA.name, region);
  const isrSignalS = 1.5 * t.replicaLagS; // the leader checks its followers every half lag period
  const lagSecondsAllowed = t.replicaLagS / 2;
  const where = `in ${region.name}`;
  return [
    {
      alert: 'KafkaUnderMinIsrPartitions',
      severity: 'critical',
      scope: 'region',
      expr: `sum by (region) (${METRIC.underMinIsr}{${kafka}}) > 0`,
      forS: t.intervalS,
      firesWithinS: isrSignalS + t.intervalS + pipelineS(t),
      summary: `Partitions led ${where} are below min.insync.replicas (${fleet.kafka.minInsyncReplicas}): acks=all writes to them are refused`,
      description: `{{ $value }} partitions led by brokers ${where} have fewer than ${fleet.kafka.minInsyncReplicas} in-sync replicas. With replication factor ${fleet.kafka.replicationFactor} spread over ${t.regions} regions this takes more than one region's replicas out of sync.`,
      derivedFrom: ['kafka.minInsyncReplicas', 'replica.lag.time.max.ms', 'monitoring.scrapeIntervalSeconds'],
    },
    {
      alert: 'KafkaUnderReplicatedPartitions',
      severity: 'warning',
      scope: 'region',
      expr: `sum by (region) (${METRIC.underReplicated}{${kafka}}) > 0`,
      // Kafka has already waited replica.lag.time.max.ms before shrinking the ISR; two scrapes agreeing is enough.
      forS: 2 * t.intervalS,
      firesWithinS: isrSignalS + 2 * t.intervalS + pipelineS(t),
      summary: `Partitions led ${where} are under-replicated`,
      description: `{{ $value }} partitions led by brokers ${where} miss a follower from their ISR (it lagged more than replica.lag.time.max.ms = ${t.replicaLagS * 1000} ms). Writes continue while min.insync.replicas holds; one more lost region would stop them.`,
      derivedFrom: ['replica.lag.time.max.ms', 'monitoring.scrapeIntervalSeconds'],
    },
    {
      alert: 'KafkaOfflinePartitions',
      severity: 'critical',
      scope: 'region',
      expr: `max by (region) (${METRIC.offlinePartitions}{${matchers(fleet, controllerMetricSources(fleet), region)}}) > 0`,
      forS: t.intervalS,
      firesWithinS: t.brokerLossS + t.intervalS + pipelineS(t),
      summary: 'Partitions have no leader: they can be neither read nor written',
      description: `The controller (${where}) reports {{ $value }} partitions without a leader. Unclean leader election is off, so they stay offline until a replica of their last ISR returns.`,
      derivedFrom: [metadataLayout(fleet).brokers === 'kraft' ? 'broker.session.timeout.ms' : 'zookeeper.session.timeout.ms', 'monitoring.scrapeIntervalSeconds'],
    },
    {
      alert: 'KafkaIsrFlapping',
      severity: 'warning',
      scope: 'region',
      expr: `max by (region, pod) (changes(${METRIC.isrShrinks}{${kafka}}[${promDuration(t.flapWindowS)}])) >= 3`,
      forS: t.intervalS,
      firesWithinS: t.flapWindowS + t.intervalS + pipelineS(t),
      summary: `Broker {{ $labels.pod }} ${where} keeps dropping followers from its ISRs`,
      description: `ISRs of partitions led by {{ $labels.pod }} shrank in {{ $value }} separate scrape intervals within ${promDuration(t.flapWindowS)} (30 x replica.lag.time.max.ms). A follower across the WAN that keeps falling behind for replica.lag.time.max.ms = ${t.replicaLagS * 1000} ms stalls acks=all producers each time.`,
      derivedFrom: ['replica.lag.time.max.ms', 'monitoring.scrapeIntervalSeconds'],
    },
    {
      alert: 'KafkaReplicationLagHigh',
      severity: 'warning',
      scope: 'region',
      // Lag in messages over the region's average per-partition write rate: lag in seconds of writes.
      expr: `max by (region, pod) (${METRIC.replicaMaxLag}{${kafka}}) > on (region) group_left () (${lagSecondsAllowed} * sum by (region) (rate(${METRIC.messagesIn}{${kafka}}[${promDuration(Math.max(4 * t.intervalS, 60))}])) / sum by (region) (${METRIC.leaders}{${kafka}}))`,
      forS: t.replicaLagS,
      firesWithinS: t.replicaLagS + t.replicaLagS + pipelineS(t),
      summary: `Follower {{ $labels.pod }} ${where} is more than half of replica.lag.time.max.ms behind`,
      description: `The largest replication lag of {{ $labels.pod }} is {{ $value }} messages, more than ${lagSecondsAllowed} s (half of replica.lag.time.max.ms) of writes at the region's average per-partition rate. It is about to leave the ISR of those partitions.`,
      derivedFrom: ['replica.lag.time.max.ms', 'monitoring.scrapeIntervalSeconds'],
    },
    {
      alert: 'KafkaCertificateExpiresSoon',
      severity: 'warning',
      scope: 'region',
      expr: `min by (namespace, name) (certmanager_certificate_expiration_timestamp_seconds{namespace="${fleet.namespace}"}) - time() < ${t.certificateMarginS}`,
      forS: 2 * t.intervalS,
      firesWithinS: 2 * t.intervalS + pipelineS(t),
      summary: 'Certificate {{ $labels.name }} expires in less than half of pki.renewBefore',
      description: `cert-manager should have renewed {{ $labels.name }} ${fleet.pki.renewBefore} before expiry; it now has {{ $value | humanizeDuration }} left. Brokers reload renewed files (reload-tls sidecar), ZooKeeper restarts on them.`,
      derivedFrom: ['pki.renewBefore', 'monitoring.scrapeIntervalSeconds'],
    },
    ...(fleet.metadata.mode === 'migration' ? [migrationStateAlert(fleet, region, t)] : []),
  ];
}

/** In a migration phase: this region's controllers report a ZkMigrationState the phase does not allow. */
function migrationStateAlert(fleet: Fleet, region: Region, t: MonitoringTimings): AlertDefinition {
  const phase = fleet.metadata.phase as MigrationPhase;
  const allowed = MIGRATION_STATES[phase];
  const named = allowed.map((v) => `${v} ${STATE_NAMES[v]}`).join(' or ');
  // Each `!= v` keeps the series whose value is not v (comparison without bool filters).
  const filter = allowed.map((v) => ` != ${v}`).join('');
  return {
    alert: 'KRaftMigrationStateUnexpected',
    severity: 'critical',
    scope: 'region',
    expr: `max by (region) (${METRIC.zkMigrationState}{${matchers(fleet, KRAFT.name, region)}}${filter})`,
    // A controller that just started reports -1 until it has loaded the metadata, which a
    // failover's worth of time and two scrapes cover.
    forS: t.kraftFailoverS + 2 * t.intervalS,
    firesWithinS: t.kraftFailoverS + 2 * t.intervalS + pipelineS(t),
    summary: `KRaft controllers in ${region.name} report ZkMigrationState {{ $value }}; migration phase ${phase} expects ${named}`,
    description: `The controllers' metadata says the migration is in state {{ $value }} (-1 not loaded, 0 NONE, 1 MIGRATION, 2 PRE_MIGRATION, 3 POST_MIGRATION), which the tree's phase ${phase} does not allow (${named}). Stop the rollout of the next phase and compare with npm run plan's checks for phase ${phase}.`,
    derivedFrom: ['metadata.phase', 'controller.quorum.fetch.timeout.ms', 'controller.quorum.election.timeout.ms', 'monitoring.scrapeIntervalSeconds'],
  };
}

/** `and on ()` this: the Prometheus sees series of every region, so a missing region means down, not out of view. */
function seesEveryRegion(fleet: Fleet, t: MonitoringTimings): string {
  return `on () (count(count by (region) (up{${matchers(fleet, KAFKA.name)}})) == ${t.regions})`;
}

/** Alerts that need every region's series (the management region's PrometheusRule only). */
export function fleetAlerts(fleet: Fleet): AlertDefinition[] {
  const t = monitoringTimings(fleet);
  const guard = seesEveryRegion(fleet, t);
  // Every stateful pod of a region: brokers, and ZooKeeper members and KRaft controllers where the fleet runs them.
  const members = [
    [KAFKA.name, 'broker', 'Kafka'],
    ...(zookeeperNodes(fleet).length ? [[ZOOKEEPER.name, 'ZooKeeper member', 'ZooKeeper']] : []),
    ...(kraftControllers(fleet).length ? [[KRAFT.name, 'KRaft controller', 'KRaft controller']] : []),
  ];
  const stack = `namespace="${fleet.namespace}", component=~"${members.map((m) => m[0]).join('|')}"`;
  const kinds = members.map((m) => m[2]);
  const zookeeper = matchers(fleet, ZOOKEEPER.name);
  const controllers = matchers(fleet, KRAFT.name);
  const brokers = kafkaBrokers(fleet).length;
  // Voters in a working quorum: the leader and the followers fetching from it (candidates,
  // voters waiting for an election and unattached voters are not).
  const serving = `count(${METRIC.raftState}{${controllers}, state=~"leader|follower"})`;
  const kraftForS = t.kraftFailoverS + 2 * t.intervalS;
  const kraftDerived = ['regions[].controllerReplicas', 'controller.quorum.fetch.timeout.ms', 'controller.quorum.election.timeout.ms', 'monitoring.scrapeIntervalSeconds'];
  return [
    {
      alert: 'KafkaRegionDown',
      severity: 'critical',
      scope: 'fleet',
      expr: `max by (region) (up{${stack}}) == 0 and ${guard}`,
      forS: 2 * t.intervalS,
      firesWithinS: 2 * t.intervalS + pipelineS(t),
      summary: `Region {{ $labels.region }}: no ${members.map((m) => m[1]).join(' and no ')} answers`,
      description: `Every ${kinds.length > 2 ? `${kinds.slice(0, -1).join(', ')} and ${kinds.at(-1)}` : kinds.join(' and ')} pod of {{ $labels.region }} has missed two scrapes in a row. Its replicas leave the ISRs after replica.lag.time.max.ms = ${t.replicaLagS * 1000} ms; writes continue with min.insync.replicas = ${fleet.kafka.minInsyncReplicas} as long as no other region is lost.`,
      derivedFrom: ['monitoring.scrapeIntervalSeconds', 'regions'],
    },
    {
      alert: 'KafkaActiveControllerCount',
      severity: 'critical',
      scope: 'fleet',
      expr: `sum(${METRIC.activeController}{${matchers(fleet, KAFKA.name)}}) != 1 and ${guard}`,
      // A controller that is lost keeps its ZooKeeper registration until its session expires.
      forS: t.zookeeperSessionS + 2 * t.intervalS,
      firesWithinS: t.zookeeperSessionS + 2 * t.intervalS + pipelineS(t),
      summary: 'The cluster has {{ $value }} active controllers instead of one',
      description: `Of the ${brokers} brokers, {{ $value }} report being the active controller for longer than the ZooKeeper session timeout (${t.zookeeperSessionS} s) in which a lost controller is replaced. With none, no leader moves and no ISR change is recorded; with two, one of them acts on a stale view.`,
      derivedFrom: ['zookeeper.session.timeout.ms', 'monitoring.scrapeIntervalSeconds', 'kafka brokers'],
    },
    {
      alert: 'ZooKeeperQuorumAtLastMember',
      severity: 'warning',
      scope: 'fleet',
      expr: `count(${METRIC.zookeeperServing}{${zookeeper}}) == ${t.zookeeperQuorum} and ${guard}`,
      forS: 2 * t.intervalS,
      firesWithinS: 2 * t.intervalS + pipelineS(t),
      summary: `Only ${t.zookeeperQuorum} of ${t.zookeeperMembers} ZooKeeper members serve: one more loss stops the ensemble`,
      description: `Exactly a quorum (${t.zookeeperQuorum} of ${t.zookeeperMembers}) of the ensemble is leading or following. Losing one more member stops all metadata changes: no leader election, no ISR change, no topic or ACL change.`,
      derivedFrom: ['zookeeperReplicas of every region', 'monitoring.scrapeIntervalSeconds'],
    },
    {
      alert: 'ZooKeeperQuorumLost',
      severity: 'critical',
      scope: 'fleet',
      expr: `(count(${METRIC.zookeeperServing}{${zookeeper}}) or vector(0)) < ${t.zookeeperQuorum} and ${guard}`,
      forS: 2 * t.intervalS,
      firesWithinS: 2 * t.intervalS + pipelineS(t),
      summary: `Fewer than ${t.zookeeperQuorum} of ${t.zookeeperMembers} ZooKeeper members serve: the ensemble has no quorum`,
      description: `{{ $value }} members lead or follow; ${t.zookeeperQuorum} are needed. Kafka keeps serving existing leaders but cannot elect new ones or shrink ISRs.`,
      derivedFrom: ['zookeeperReplicas of every region', 'monitoring.scrapeIntervalSeconds'],
    },
    {
      alert: 'KRaftActiveControllerCount',
      severity: 'critical',
      scope: 'fleet',
      expr: `(sum(${METRIC.activeController}{${controllers}}) or vector(0)) != 1 and ${guard}`,
      // A lost active controller is replaced within a quorum failover.
      forS: kraftForS,
      firesWithinS: kraftForS + pipelineS(t),
      summary: 'The KRaft quorum has {{ $value }} active controllers instead of one',
      description: `Of the ${t.kraftVoters} KRaft controllers, {{ $value }} report being the active controller for longer than a quorum failover (${t.kraftFailoverS} s: fetch timeout and two election timeouts) and two scrapes. With none, no metadata changes: no leader moves, no ISR change, no broker is fenced or unfenced.`,
      derivedFrom: kraftDerived,
    },
    {
      alert: 'KRaftQuorumAtLastMajority',
      severity: 'warning',
      scope: 'fleet',
      expr: `${serving} == ${t.kraftMajority} and ${guard}`,
      forS: kraftForS,
      firesWithinS: kraftForS + pipelineS(t),
      summary: `Only ${t.kraftMajority} of ${t.kraftVoters} KRaft voters are in the quorum: one more loss stops it`,
      description: `Exactly a majority (${t.kraftMajority} of ${t.kraftVoters}) of the voters leads or follows. Losing one more stops all metadata changes: no leader election, no ISR change, no topic or ACL change.`,
      derivedFrom: kraftDerived,
    },
    {
      alert: 'KRaftQuorumLost',
      severity: 'critical',
      scope: 'fleet',
      expr: `(${serving} or vector(0)) < ${t.kraftMajority} and ${guard}`,
      forS: kraftForS,
      firesWithinS: kraftForS + pipelineS(t),
      summary: `Fewer than ${t.kraftMajority} of ${t.kraftVoters} KRaft voters are in the quorum: it has no majority`,
      description: `{{ $value }} voters lead or follow; ${t.kraftMajority} are needed. Existing partition leaders keep serving, but nothing that needs the controller happens: no leader election, no ISR change, no broker registration.`,
      derivedFrom: kraftDerived,
    },
  ];
}

/**
 * The alerts whose subject exists in the fleet's metadata mode: the ZooKeeper ones only while the
 * fleet has a ZooKeeper ensemble, the KRaft ones only where it has controllers, and the brokers'
 * active-controller count only in ZooKeeper mode (in KRaft mode, and from a migration's phase 2
 * on, the active controller is a KRaft controller, which KRaftActiveControllerCount counts).
 */
function applies(fleet: Fleet, a: AlertDefinition): boolean {
  if (a.alert.startsWith('ZooKeeper')) return zookeeperNodes(fleet).length > 0;
  if (a.alert.startsWith('KRaft')) return kraftControllers(fleet).length > 0;
  if (a.alert === 'KafkaActiveControllerCount') return fleet.metadata.mode === 'zookeeper';
  return true;
}

/** Every alert of a region's PrometheusRule: its own, plus the fleet-wide ones in the management region. */
export function alertsOf(fleet: Fleet, region: Region): AlertDefinition[] {
  return [...regionAlerts(fleet, region), ...(region.name === fleet.topic.managementRegion ? fleetAlerts(fleet) : [])].filter((a) => applies(fleet, a));
}

/** The anchor of an alert's paragraph in docs/runbooks.md (the heading `## <alert>`). */
export function runbookAnchor(alert: string): string {
  return alert.toLowerCase();
}
