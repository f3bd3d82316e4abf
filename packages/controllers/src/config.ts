import { CONTROLLER_LISTENER, Fleet, KRAFT, PRINCIPAL_MAPPING_RULES, Region, TLS_MOUNT, controllerQuorumVoters, fleetKraftTiming, kraftClusterId, kraftControllers } from '@stretched-kafka/fleet';
import { CONFIG_MOUNT, KRAFT_STORAGE_FUNCTIONS, LOG_CONFIG, POD_FUNCTIONS, envDefaults, kraftAuthorizer, listenerTls, ordinalCase, podScript, podTables } from '@stretched-kafka/platform';
import startFile from './scripts/start.sh';

/** The PVC mount; the metadata log lives in a subdirectory so the volume root (lost+found) stays out of its way. */
export const CONTROLLER_VOLUME_MOUNT = '/var/lib/kafka';

export const CONTROLLER_CONFIG_KEYS = { controllerProperties: 'controller.properties', start: 'start.sh', log4j2: LOG_CONFIG.kraft.key } as const;

/** Environment of start.sh: name and in-pod default. The real-Kafka harness sets these to run the same script. */
export const CONTROLLER_ENV = [
  ['KAFKA_HOME', '/opt/kafka'],
  ['TLS_DIR', TLS_MOUNT],
  ['CONFIG_DIR', CONFIG_MOUNT],
  ['DATA_DIR', `${CONTROLLER_VOLUME_MOUNT}/data`],
  ['RUN_DIR', '/tmp/kafka'],
] as const;

/**
 * controller.properties template, the same in every region but for the node id and host that
 * start.sh fills in per pod (`${NODE_ID}`, `${ADVERTISED_HOST}`, `${DATA_DIR}`, `${TLS_DIR}`).
 *
 * The quorum is static (controller.quorum.voters, every voter named by its clusterset host), like
 * zoo.cfg's server list: the voter set is fleet data, the same in every file, and changes by a
 * reviewed diff. A dynamic quorum (KIP-853) keeps its membership in the metadata log and changes
 * it by Admin API calls (add-controller / remove-controller) that a GitOps tree cannot express,
 * and its first format needs every voter's directory id. README explains what that trades.
 */
export function controllerProperties(fleet: Fleet, region: Region): string {
  const t = fleetKraftTiming(fleet);
  const l = CONTROLLER_LISTENER;
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
    `listener.security.protocol.map=${l}:SSL`,
    '# Controllers dialing controllers check the clusterset name on the peer certificate (Kafka,',
    '# unlike ZooKeeper\'s quorum, verifies only the side it dials, by the name it dialed).',
    'ssl.endpoint.identification.algorithm=https',
    ...listenerTls(l, 'TLS_DIR', PRINCIPAL_MAPPING_RULES.stack),
    '',
    '# The same ACL model as the brokers: ACLs live in the metadata log and every controller',
    '# authorises the requests forwarded to it.',
    ...kraftAuthorizer(fleet),
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
  ].join('\n');
}

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
  return podScript(startFile, 'packages/controllers/src/scripts/start.sh', region.name, [
    envDefaults(CONTROLLER_ENV),
    `CLUSTER_ID=${kraftClusterId(fleet)}`,
    tables,
    POD_FUNCTIONS,
    KRAFT_STORAGE_FUNCTIONS,
  ]);
}

export function controllerConfigData(fleet: Fleet, region: Region): Record<string, string> {
  return {
    [CONTROLLER_CONFIG_KEYS.controllerProperties]: controllerProperties(fleet, region),
    [CONTROLLER_CONFIG_KEYS.start]: controllerStartScript(fleet, region),
    [CONTROLLER_CONFIG_KEYS.log4j2]: LOG_CONFIG.kraft.text,
  };
}
