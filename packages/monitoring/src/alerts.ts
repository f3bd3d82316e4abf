import { Fleet, KAFKA, Region, ZOOKEEPER, goDurationSeconds, kafkaBrokers, zookeeperNodes } from '@stretched-kafka/fleet';
import { METRIC } from '@stretched-kafka/platform';
import { kafkaTuning } from '@stretched-kafka/kafka';

// The alerts, as pure data computed from the fleet. Every threshold and `for` comes from a fleet
// figure (scrape interval, replica.lag.time.max.ms, the brokers' ZooKeeper session timeout, the
// ensemble size, the certificates' renewBefore), never from a number picked here; `derivedFrom`
// names them, and `firesWithinS` is the bound the rule promises from the event to firing.

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
  readonly regions: number;
  /** Half of pki.renewBefore: a certificate this close to expiry was not renewed when cert-manager should have. */
  readonly certificateMarginS: number;
}

export function monitoringTimings(fleet: Fleet): MonitoringTimings {
  const t = kafkaTuning(fleet);
  const intervalS = fleet.monitoring.scrapeIntervalSeconds;
  const replicaLagS = t.replicaLagTimeMaxMs / 1000;
  const zookeeperMembers = zookeeperNodes(fleet).length;
  return {
    intervalS,
    replicaLagS,
    zookeeperSessionS: Math.ceil(t.zookeeperSessionTimeoutMs / 1000),
    flapWindowS: Math.max(10 * intervalS, 30 * replicaLagS),
    zookeeperQuorum: Math.floor(zookeeperMembers / 2) + 1,
    zookeeperMembers,
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

function matchers(fleet: Fleet, component: string, region?: Region): string {
  return [`namespace="${fleet.namespace}"`, `component="${component}"`, ...(region ? [`region="${region.name}"`] : [])].join(', ');
}

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
      expr: `max by (region) (${METRIC.offlinePartitions}{${kafka}}) > 0`,
      forS: t.intervalS,
      firesWithinS: t.zookeeperSessionS + t.intervalS + pipelineS(t),
      summary: 'Partitions have no leader: they can be neither read nor written',
      description: `The controller (${where}) reports {{ $value }} partitions without a leader. Unclean leader election is off, so they stay offline until a replica of their last ISR returns.`,
      derivedFrom: ['zookeeper.session.timeout.ms', 'monitoring.scrapeIntervalSeconds'],
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
  ];
}

/** `and on ()` this: the Prometheus sees series of every region, so a missing region means down, not out of view. */
function seesEveryRegion(fleet: Fleet, t: MonitoringTimings): string {
  return `on () (count(count by (region) (up{${matchers(fleet, KAFKA.name)}})) == ${t.regions})`;
}

/** Alerts that need every region's series (the management region's PrometheusRule only). */
export function fleetAlerts(fleet: Fleet): AlertDefinition[] {
  const t = monitoringTimings(fleet);
  const guard = seesEveryRegion(fleet, t);
  const stack = `namespace="${fleet.namespace}", component=~"${KAFKA.name}|${ZOOKEEPER.name}"`;
  const zookeeper = matchers(fleet, ZOOKEEPER.name);
  const brokers = kafkaBrokers(fleet).length;
  return [
    {
      alert: 'KafkaRegionDown',
      severity: 'critical',
      scope: 'fleet',
      expr: `max by (region) (up{${stack}}) == 0 and ${guard}`,
      forS: 2 * t.intervalS,
      firesWithinS: 2 * t.intervalS + pipelineS(t),
      summary: 'Region {{ $labels.region }}: no broker and no ZooKeeper member answers',
      description: `Every Kafka and ZooKeeper pod of {{ $labels.region }} has missed two scrapes in a row. Its replicas leave the ISRs after replica.lag.time.max.ms = ${t.replicaLagS * 1000} ms; writes continue with min.insync.replicas = ${fleet.kafka.minInsyncReplicas} as long as no other region is lost.`,
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
  ];
}

/**
 * The alerts whose subject exists in the fleet's metadata mode: the ZooKeeper ones only while the
 * fleet has a ZooKeeper ensemble, and the brokers' active-controller count only in ZooKeeper mode
 * (in KRaft mode, and from a migration's phase 2 on, the active controller is a KRaft controller,
 * which the brokers never report being; the controllers are not scraped yet).
 */
function applies(fleet: Fleet, a: AlertDefinition): boolean {
  if (a.alert.startsWith('ZooKeeper')) return zookeeperNodes(fleet).length > 0;
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
