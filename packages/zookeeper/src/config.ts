import { Fleet, Region, TLS_MOUNT, TRUSTSTORE_DIR, TRUST_BUNDLE, TRUST_MOUNT, ZOOKEEPER, fleetZookeeperTiming, zookeeperNodes } from '@stretched-kafka/fleet';
import { CONFIG_MOUNT, LOG4J_PROPERTIES, METRICS_CONFIG_KEY, POD_FUNCTIONS, envDefaults, jmxExporterConfig, metricsEnv, ordinalCase, podScript, podTables } from '@stretched-kafka/platform';
import startFile from './scripts/start.sh';
import healthFile from './scripts/health.sh';

/** The PVC mount; ZooKeeper writes into a subdirectory so the volume root (lost+found) stays out of its way. */
export const ZOOKEEPER_VOLUME_MOUNT = '/var/lib/zookeeper';

/** ConfigMap keys. start.sh reads the others from CONFIG_DIR. */
export const ZOOKEEPER_CONFIG_KEYS = { zooCfg: 'zoo.cfg', start: 'start.sh', health: 'health.sh', log4j: 'log4j.properties' } as const;

/** Environment of start.sh: name and in-pod default. The real-Kafka harness sets these to run the same script. */
export const ZOOKEEPER_ENV = [
  ['KAFKA_HOME', '/opt/kafka'],
  ['TLS_DIR', TLS_MOUNT],
  ['TRUST_DIR', TRUST_MOUNT],
  ['TRUSTSTORE_DIR', TRUSTSTORE_DIR],
  ['CONFIG_DIR', CONFIG_MOUNT],
  ['DATA_DIR', `${ZOOKEEPER_VOLUME_MOUNT}/data`],
  ['RUN_DIR', '/tmp/zookeeper'],
  ['CERT_WATCH_SECONDS', '60'],
  ['CERT_RESTART_STAGGER_SECONDS', '120'],
] as const;

/** Four-letter words the probes use (over TLS, see health.sh); everything else stays off. */
export const FOUR_LETTER_WORDS = ['ruok', 'srvr'] as const;

/**
 * zoo.cfg template, identical in every region: the server list names every member by its
 * clusterset name. `${DATA_DIR}`, `${TLS_DIR}` and `${TRUSTSTORE_DIR}` (the truststore built from
 * ca.crt and the trust bundle) are filled in by start.sh.
 */
export function zooCfg(fleet: Fleet): string {
  const t = fleetZookeeperTiming(fleet);
  const tls = (prefix: string) => [
    `${prefix}keyStore.location=\${TLS_DIR}/tls-combined.pem`,
    `${prefix}keyStore.type=PEM`,
    `${prefix}trustStore.location=\${TRUSTSTORE_DIR}/${TRUST_BUNDLE.truststores.stack}`,
    `${prefix}trustStore.type=PEM`,
    `${prefix}clientAuth=need`,
  ];
  return [
    '# Rendered into $RUN_DIR/zoo.cfg by start.sh. The same file in every region.',
    'dataDir=${DATA_DIR}',
    '',
    `# ${fleet.network.latencyMs} ms between regions: tickTime, syncLimit and initLimit come from`,
    '# zookeeperTiming() (packages/fleet/src/zookeeper-timing.ts), which explains the arithmetic.',
    `tickTime=${t.tickTimeMs}`,
    `initLimit=${t.initLimit}`,
    `syncLimit=${t.syncLimit}`,
    `minSessionTimeout=${t.minSessionTimeoutMs}`,
    `maxSessionTimeout=${t.maxSessionTimeoutMs}`,
    'autopurge.snapRetainCount=5',
    'autopurge.purgeInterval=1',
    'standaloneEnabled=false',
    'reconfigEnabled=false',
    '# The admin server (Jetty on 8080) would be a second, unauthenticated, endpoint.',
    'admin.enableServer=false',
    `4lw.commands.whitelist=${FOUR_LETTER_WORDS.join(',')}`,
    '',
    '# Clients (the brokers) over TLS only: no plain clientPort.',
    `secureClientPort=${ZOOKEEPER.clientPort}`,
    'serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory',
    '# Maps the client certificate subject to an x509 identity, which the brokers\' znode ACLs name',
    '# (zookeeper.set.acl=true). Every broker presents the same subject.',
    'authProvider.x509=org.apache.zookeeper.server.auth.X509AuthenticationProvider',
    ...tls('ssl.'),
    '# The server cert for the client port is reloaded when the file changes only from ZooKeeper',
    '# 3.8.5/3.9.0 (ZOOKEEPER-3806); Kafka 3.9 ships 3.8.4, where start.sh restarts the member',
    '# after a renewal instead (staggered across the ensemble).',
    'client.certReload=true',
    '',
    'sslQuorum=true',
    ...tls('ssl.quorum.'),
    'sslQuorumReloadCertFiles=true',
    '# Hostname verification off for the quorum: a member checks the certificate of a peer that',
    '# dialed it against the peer\'s IP and its reverse DNS. Across Submariner that is a pod IP of',
    '# another cluster, never the clusterset name on the certificate, so verification would reject',
    '# every remote peer. Trust rests on the private CA (only this deployment\'s certificates) and',
    '# on mutual TLS; the NetworkPolicy admits the quorum ports only from the fleet\'s pod CIDRs.',
    '# (On the client port ZooKeeper never checks client host names, and the brokers, as clients,',
    '# do verify ZooKeeper\'s clusterset name: zookeeper.ssl.endpoint.identification.algorithm.)',
    'ssl.quorum.hostnameVerification=false',
    '',
    '# Listen on every address: a member\'s own clusterset name resolves to its pod IP only once',
    '# Lighthouse has published it.',
    'quorumListenOnAllIPs=true',
    ...zookeeperNodes(fleet).map((n) => `server.${n.id}=${n.host}:${ZOOKEEPER.quorumPort}:${ZOOKEEPER.electionPort}`),
    '',
  ].join('\n');
}

/**
 * start.sh for one region (packages/zookeeper/src/scripts/start.sh with the generated block):
 * myid from the pod ordinal (table baked from naming.ts), zoo.cfg rendered, the certificate
 * watcher started, exec ZooKeeper.
 */
export function zookeeperStartScript(fleet: Fleet, region: Region): string {
  const nodes = zookeeperNodes(fleet, region);
  const all = zookeeperNodes(fleet);
  const ids = new Map(nodes.map((n) => [n.ordinal, n.id]));
  // Restart order after a certificate renewal: the member's place in the ensemble list, so no
  // two members of the whole ensemble restart in the same stagger slot.
  const slots = new Map(nodes.map((n) => [n.ordinal, all.findIndex((m) => m.id === n.id)]));
  const tables = podTables([ordinalCase('myid', ids, 'ZooKeeper id'), ordinalCase('restart_slot', slots, 'restart slot')]);
  return podScript(startFile, 'packages/zookeeper/src/scripts/start.sh', region.name, [envDefaults([...ZOOKEEPER_ENV, ...metricsEnv(fleet)]), tables, POD_FUNCTIONS]);
}

/**
 * Probe script (packages/zookeeper/src/scripts/health.sh with the generated block):
 * `health.sh ready` asks `srvr` and wants a quorum role, `health.sh live` asks `ruok`, both over
 * the TLS client port with the pod's own certificate, since there is no plain port.
 */
export function zookeeperHealthScript(): string {
  return podScript(healthFile, 'packages/zookeeper/src/scripts/health.sh', undefined, [envDefaults([['TLS_DIR', TLS_MOUNT]]), `CLIENT_PORT=${ZOOKEEPER.clientPort}`]);
}

/** The region's ConfigMap data. */
export function zookeeperConfigData(fleet: Fleet, region: Region): Record<string, string> {
  return {
    [ZOOKEEPER_CONFIG_KEYS.zooCfg]: zooCfg(fleet),
    [ZOOKEEPER_CONFIG_KEYS.start]: zookeeperStartScript(fleet, region),
    [ZOOKEEPER_CONFIG_KEYS.health]: zookeeperHealthScript(),
    [ZOOKEEPER_CONFIG_KEYS.log4j]: LOG4J_PROPERTIES,
    ...(fleet.monitoring.enabled ? { [METRICS_CONFIG_KEY]: jmxExporterConfig('zookeeper') } : {}),
  };
}
