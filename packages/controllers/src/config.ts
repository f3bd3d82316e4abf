import { CONTROLLER_LISTENER, Fleet, KRAFT, PRINCIPAL_MAPPING_RULES, Region, TLS_MOUNT, controllerQuorumVoters, fleetKraftTiming, kraftClusterId, kraftControllers, metadataLayout } from '@stretched-kafka/fleet';
import { CONFIG_MOUNT, KRAFT_STORAGE_FUNCTIONS, METRICS_CONFIG_KEY, POD_FUNCTIONS, envDefaults, jmxExporterConfig, kraftAuthorizer, listenerClientTls, listenerTls, log4jDefault, logConfig, metricsEnv, ordinalCase, podScript, podTables, zookeeperClient } from '@stretched-kafka/platform';
import startFile from './scripts/start.sh';

/** The PVC mount; the metadata log lives in a subdirectory so the volume root (lost+found) stays out of its way. */
export const CONTROLLER_VOLUME_MOUNT = '/var/lib/kafka';

/** The brokers' inter-broker listener (packages/kafka LISTENERS.replication), which migrating controllers dial. */
export const REPLICATION_LISTENER = 'REPLICATION';

export const CONTROLLER_CONFIG_KEYS = { controllerProperties: 'controller.properties', start: 'start.sh' } as const;

/** Environment of start.sh: name and in-pod default. The real-Kafka harness sets these to run the same script. */
export const CONTROLLER_ENV = [
  ['KAFKA_HOME', '/opt/kafka'],
  ['TLS_DIR', TLS_MOUNT],
  ['CONFIG_DIR', CONFIG_MOUNT],
  ['DATA_DIR', `${CONTROLLER_VOLUME_MOUNT}/data`],
  ['RUN_DIR', '/tmp/kafka'],
] as const;

/** Where a migrating controller mounts the brokers' certificate (TLS.kafka), its identity towards ZooKeeper. */
export const ZOOKEEPER_CLIENT_TLS_MOUNT = '/opt/kafka/tls-zookeeper';

/** The extra directory of a migrating controller (phases 1 to 3): the brokers' certificate, for ZooKeeper. */
export const CONTROLLER_MIGRATION_ENV = [['ZK_TLS_DIR', ZOOKEEPER_CLIENT_TLS_MOUNT]] as const;

/**
 * controller.properties template, the same in every region but for the node id and host that
 * start.sh fills in per pod (`${NODE_ID}`, `${ADVERTISED_HOST}`, `${DATA_DIR}`, `${TLS_DIR}`,
 * and while migrating `${ZK_TLS_DIR}`).
 *
 * The quorum is static (controller.quorum.voters, every voter named by its clusterset host), like
 * zoo.cfg's server list: the voter set is fleet data, the same in every file, and changes by a
 * reviewed diff. A dynamic quorum (KIP-853) keeps its membership in the metadata log and changes
 * it by Admin API calls (add-controller / remove-controller) that a GitOps tree cannot express,
 * and its first format needs every voter's directory id; Kafka 3.9 migrates from ZooKeeper to a
 * static quorum only. README explains what that trades.
 */
export function controllerProperties(fleet: Fleet, region: Region): string {
  const t = fleetKraftTiming(fleet);
  const l = CONTROLLER_LISTENER;
  const migrating = metadataLayout(fleet).controllers === 'migration';
  return [
    `# Rendered into $RUN_DIR/controller.properties by start.sh for each controller of region ${region.name}.`,
    'process.roles=controller',
    'node.id=${NODE_ID}',
    'log.dirs=${DATA_DIR}',
    `controller.quorum.voters=${controllerQuorumVoters(fleet)}`,
    '',
    '# One listener, TLS with client certificates of the stack CA only: controllers and brokers.',
    `listeners=${l}://:${KRAFT.controllerPort}`,
    `advertised.listeners=${l}://\${ADVERTISED_HOST}:${KRAFT.controllerPort}`,
    `controller.listener.names=${l}`,
    `listener.security.protocol.map=${l}:SSL${migrating ? `,${REPLICATION_LISTENER}:SSL` : ''}`,
    '# Controllers dialing controllers check the clusterset name on the peer certificate (Kafka,',
    '# unlike ZooKeeper\'s quorum, verifies only the side it dials, by the name it dialed).',
    'ssl.endpoint.identification.algorithm=https',
    ...listenerTls(l, 'TLS_DIR', PRINCIPAL_MAPPING_RULES.stack),
    '',
    '# The same ACL model as the brokers: ACLs live in the metadata log and every controller',
    '# authorises the requests forwarded to it.',
    ...kraftAuthorizer(),
    '',
    `# ${fleet.network.latencyMs} ms between regions: see kraftTiming() (packages/fleet/src/kraft-timing.ts)`,
    '# for how each timeout follows from the RTT.',
    `controller.quorum.fetch.timeout.ms=${t.quorumFetchTimeoutMs}`,
    `controller.quorum.election.timeout.ms=${t.quorumElectionTimeoutMs}`,
    `controller.quorum.election.backoff.max.ms=${t.quorumElectionBackoffMaxMs}`,
    `controller.quorum.request.timeout.ms=${t.quorumRequestTimeoutMs}`,
    '# The active controller fences a broker whose heartbeats stop this long.',
    `broker.session.timeout.ms=${t.brokerSessionTimeoutMs}`,
    '',
    ...(migrating ? migrationSection(fleet) : []),
  ].join('\n');
}

/**
 * ZooKeeper to KRaft migration, phases 1 to 3 (Kafka 3.9 documentation, "Provisioning the KRaft
 * controller quorum"): the migration enabled, the ZooKeeper client (over TLS, with the brokers'
 * certificate so that the znode ACLs the brokers wrote admit the controllers, and
 * zookeeper.set.acl as on the brokers), and the brokers' inter-broker listener, through which the
 * active controller sends its RPCs to ZooKeeper-mode brokers, with its client TLS (the
 * controller's own certificate: the brokers see User:kafka-controller, a super user from phase 2).
 */
function migrationSection(fleet: Fleet): string[] {
  return [
    '# ZooKeeper to KRaft migration (metadata.mode migration, phases 1 to 3). Finalizing (phase 4)',
    '# removes this block; after that there is no way back to ZooKeeper.',
    'zookeeper.metadata.migration.enable=true',
    ...zookeeperClient(fleet, 'ZK_TLS_DIR'),
    '# The brokers\' inter-broker listener: the active controller sends LeaderAndIsr, UpdateMetadata',
    '# and StopReplica to the brokers still in ZooKeeper mode through it.',
    `inter.broker.listener.name=${REPLICATION_LISTENER}`,
    ...listenerClientTls(REPLICATION_LISTENER, 'TLS_DIR'),
    '',
  ];
}

/** Kafka's migration logging (3.9 documentation, "Preparing for migration"): the migration components at TRACE while it runs. */
export const MIGRATION_LOGGERS = { log4j: 'log4j.logger.org.apache.kafka.metadata.migration=TRACE' } as const;

/**
 * start.sh for one region (packages/controllers/src/scripts/start.sh with the generated block):
 * node id and host from the pod ordinal, controller.properties rendered, storage formatted once
 * with the fleet's cluster id, exec the controller.
 */
export function controllerStartScript(fleet: Fleet, region: Region): string {
  const nodes = kraftControllers(fleet, region);
  const tables = podTables([
    ordinalCase('NODE_ID', new Map(nodes.map((n) => [n.ordinal, n.id])), 'controller id'),
    ordinalCase('ADVERTISED_HOST', new Map(nodes.map((n) => [n.ordinal, n.host])), 'controller host'),
  ]);
  const migrating = metadataLayout(fleet).controllers === 'migration';
  return podScript(startFile, 'packages/controllers/src/scripts/start.sh', region.name, [
    envDefaults([...CONTROLLER_ENV, ...(migrating ? CONTROLLER_MIGRATION_ENV : []), ...metricsEnv(fleet)]),
    log4jDefault(fleet),
    `CLUSTER_ID=${kraftClusterId(fleet)}`,
    tables,
    POD_FUNCTIONS,
    KRAFT_STORAGE_FUNCTIONS,
  ]);
}

export function controllerConfigData(fleet: Fleet, region: Region): Record<string, string> {
  const log = logConfig(fleet);
  const migrating = metadataLayout(fleet).controllers === 'migration';
  // The migration's TRACE logger is a log4j 1 line: migrations run on Kafka 3.9 (validateFleet).
  return {
    [CONTROLLER_CONFIG_KEYS.controllerProperties]: controllerProperties(fleet, region),
    [CONTROLLER_CONFIG_KEYS.start]: controllerStartScript(fleet, region),
    [log.key]: migrating ? `${log.text}${MIGRATION_LOGGERS.log4j}\n` : log.text,
    ...(fleet.monitoring.enabled ? { [METRICS_CONFIG_KEY]: jmxExporterConfig(KRAFT.name) } : {}),
  };
}
