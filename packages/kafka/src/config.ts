import { CLIENT_TLS_MOUNT, CONTROLLER_LISTENER, Fleet, KAFKA, PRINCIPAL_MAPPING_RULES, Region, TLS_MOUNT, TRUSTSTORE_DIR, TRUST_BUNDLE, TRUST_MOUNT, controllerQuorumVoters, fleetKraftTiming, kafkaBrokers, kraftClusterId, metadataLayout } from '@stretched-kafka/fleet';
import { CONFIG_MOUNT, KRAFT_STORAGE_FUNCTIONS, POD_FUNCTIONS, METRICS_CONFIG_KEY, envDefaults, jmxExporterConfig, kraftAuthorizer, listenerClientTls, listenerTls, log4jDefault, logConfig, metricsEnv, ordinalCase, podScript, podTables, superUsers, zookeeperClient } from '@stretched-kafka/platform';
import { interBrokerProtocolVersion, kafkaTuning } from './tuning';
import startFile from './scripts/start.sh';
import startKraftFile from './scripts/start-kraft.sh';
import reloadTlsFile from './scripts/reload-tls.sh';

/** The PVC mount; the log directory is a subdirectory so the volume root (lost+found) is not mistaken for a partition. */
export const KAFKA_VOLUME_MOUNT = '/var/lib/kafka';

export { superUsers } from '@stretched-kafka/platform';

export const KAFKA_CONFIG_KEYS = { serverProperties: 'server.properties', start: 'start.sh', reloadTls: 'reload-tls.sh', log4j: 'log4j.properties' } as const;

/**
 * Listener names (upper case in listeners, lower case in `listener.name.<l>.` config prefixes).
 * REPLICATION is the stack's internal listener: brokers, the operators, AKHQ, the reload sidecar
 * and the break-glass admin, all with certificates of the internal CA. CLIENTS is for
 * applications, with certificates of the application-facing issuer.
 */
export const LISTENERS = { replication: 'REPLICATION', clients: 'CLIENTS' } as const;

/** Environment of start.sh: name and in-pod default. The real-Kafka harness sets these to run the same script. */
export const KAFKA_ENV = [
  ['KAFKA_HOME', '/opt/kafka'],
  ['TLS_DIR', TLS_MOUNT],
  ['CLIENT_TLS_DIR', CLIENT_TLS_MOUNT],
  ['TRUST_DIR', TRUST_MOUNT],
  ['TRUSTSTORE_DIR', TRUSTSTORE_DIR],
  ['CONFIG_DIR', CONFIG_MOUNT],
  ['DATA_DIR', `${KAFKA_VOLUME_MOUNT}/data`],
  ['RUN_DIR', '/tmp/kafka'],
] as const;

/** Environment of reload-tls.sh (the certificate reload sidecar). */
export const RELOAD_TLS_ENV = [
  ['KAFKA_HOME', '/opt/kafka'],
  ['TLS_DIR', TLS_MOUNT],
  ['CLIENT_TLS_DIR', CLIENT_TLS_MOUNT],
  ['TRUST_DIR', TRUST_MOUNT],
  ['TRUSTSTORE_DIR', TRUSTSTORE_DIR],
  ['RUN_DIR', '/tmp/tls-reload'],
  ['CERT_WATCH_SECONDS', '60'],
] as const;

/**
 * The truststore files each broker's start.sh (and reload-tls.sh on a change) builds from the
 * issuing CA's ca.crt and the trust bundle (TRUST_BUNDLE): the stack CA's for the internal listener,
 * ZooKeeper and the controller quorum, the application-facing issuer's for the client listener.
 */
export const STACK_TRUSTSTORE = `\${TRUSTSTORE_DIR}/${TRUST_BUNDLE.truststores.stack}`;
export const APPLICATION_TRUSTSTORE = `\${TRUSTSTORE_DIR}/${TRUST_BUNDLE.truststores.application}`;

/**
 * server.properties template for one region. `${BROKER_ID}`, `${ADVERTISED_HOST}`,
 * `${DATA_DIR}`, `${TLS_DIR}` and `${TRUSTSTORE_DIR}` are filled in by start.sh per pod.
 */
export function serverProperties(fleet: Fleet, region: Region): string {
  const k = fleet.kafka;
  const t = kafkaTuning(fleet);
  const brokers = metadataLayout(fleet).brokers;
  const kraft = brokers === 'kraft';
  return [
    `# Rendered into $RUN_DIR/server.properties by start.sh for each broker of region ${region.name}.`,
    ...(kraft ? ['process.roles=broker', 'node.id=${BROKER_ID}'] : ['broker.id=${BROKER_ID}']),
    `broker.rack=${region.name}`,
    'log.dirs=${DATA_DIR}',
    // KRaft: the metadata version is the release's, set when the storage is formatted.
    ...(kraft ? [] : [`inter.broker.protocol.version=${interBrokerProtocolVersion(k.version)}`]),
    '',
    '# Both listeners TLS with client certificates. Peers in every cluster dial the clusterset name.',
    `listeners=${LISTENERS.replication}://:${KAFKA.replicationPort},${LISTENERS.clients}://:${KAFKA.clientPort}`,
    `advertised.listeners=${LISTENERS.replication}://\${ADVERTISED_HOST}:${KAFKA.replicationPort},${LISTENERS.clients}://\${ADVERTISED_HOST}:${KAFKA.clientPort}`,
    `listener.security.protocol.map=${LISTENERS.replication}:SSL,${LISTENERS.clients}:SSL${brokers !== 'zookeeper' ? `,${CONTROLLER_LISTENER}:SSL` : ''}`,
    `inter.broker.listener.name=${LISTENERS.replication}`,
    'ssl.client.auth=required',
    '# Brokers dialing brokers check the clusterset name on the peer certificate.',
    'ssl.endpoint.identification.algorithm=https',
    '# Two trust domains (README, trust model). REPLICATION, the internal listener, presents the',
    '# broker certificate of the stack CA and trusts only that CA: brokers, operators, AKHQ and the',
    '# break-glass admin, principal = the bare common name (User:kafka-broker).',
    ...listenerTls(LISTENERS.replication, 'TLS_DIR', PRINCIPAL_MAPPING_RULES.stack, STACK_TRUSTSTORE),
    '# CLIENTS presents a certificate of the application-facing issuer and trusts only that issuer;',
    '# principal = CN=<common name> (what Strimzi\'s User Operator writes ACLs for), so no application',
    '# certificate, whatever its subject, can be a super user or any other stack principal.',
    ...listenerTls(LISTENERS.clients, 'CLIENT_TLS_DIR', PRINCIPAL_MAPPING_RULES.application, APPLICATION_TRUSTSTORE),
    '# Renewed certificates are loaded by the reload-tls sidecar (reload-tls.sh), which re-sets the',
    '# listener keystore/truststore paths per broker through the Admin API.',
    '',
    ...(kraft ? kraftBrokerSection(fleet) : zookeeperSection(fleet, brokers === 'migration')),
    '# Consistency: every write acknowledged by min.insync.replicas regions; no unclean elections.',
    `default.replication.factor=${k.replicationFactor}`,
    `min.insync.replicas=${k.minInsyncReplicas}`,
    'unclean.leader.election.enable=false',
    `offsets.topic.replication.factor=${k.replicationFactor}`,
    `transaction.state.log.replication.factor=${k.replicationFactor}`,
    `transaction.state.log.min.isr=${k.minInsyncReplicas}`,
    'auto.create.topics.enable=false',
    `num.partitions=${k.defaultPartitions}`,
    '',
    '# Consumers with client.rack read from a replica in their own region.',
    'replica.selector.class=org.apache.kafka.common.replica.RackAwareReplicaSelector',
    `# ${fleet.network.latencyMs} ms between regions: see kafkaTuning() for the reasoning.`,
    `replica.lag.time.max.ms=${t.replicaLagTimeMaxMs}`,
    `replica.fetch.wait.max.ms=${t.replicaFetchWaitMaxMs}`,
    `num.replica.fetchers=${t.numReplicaFetchers}`,
    `replica.fetch.max.bytes=${t.replicaFetchMaxBytes}`,
    `replica.fetch.response.max.bytes=${t.replicaFetchResponseMaxBytes}`,
    '',
    `# Bandwidth x latency of the worst inter-region link (${fleet.network.bandwidthBytesPerSecond} B/s x ${fleet.network.latencyMs} ms).`,
    '# Only the follower fetcher, whose every connection crosses to another region, asks for it',
    '# explicitly. Kafka\'s server-side socket.*.buffer.bytes apply to every connection of every',
    '# listener (local clients too), so they stay at -1: the kernel autotunes each connection up to',
    '# the max field of net.ipv4.tcp_rmem / tcp_wmem as that connection\'s own bandwidth x RTT needs,',
    '# and a buffer is a cap that fills only with data in flight, so local connections stay small.',
    '# The kernel caps the explicit fetcher buffer at net.core.rmem_max (about 208 KiB on stock',
    '# Linux) and turns off receive autotuning for that socket, so on untuned nodes this value is',
    '# NOT in effect. Nodes need net.core.rmem_max, net.core.wmem_max and the max field of',
    `# net.ipv4.tcp_rmem / tcp_wmem >= ${t.socketBufferBytes} (\`npm run plan\` prints the sysctl file, a Node`,
    '# Tuning Operator profile and the memory bound).',
    'socket.send.buffer.bytes=-1',
    'socket.receive.buffer.bytes=-1',
    `replica.socket.receive.buffer.bytes=${t.socketBufferBytes}`,
    '',
  ].join('\n');
}

/**
 * ZooKeeper mode: the ACL authorizer with its ACLs in ZooKeeper, and the ensemble over TLS. In
 * phase 2 of a migration (`migrating`), the settings Kafka 3.9's procedure ("Enter Migration Mode
 * on the Brokers") adds: zookeeper.metadata.migration.enable, the controller quorum
 * (controller.quorum.voters, controller.listener.names, the CONTROLLER entry of
 * listener.security.protocol.map, set above) with the CONTROLLER listener's client TLS and the
 * quorum timeouts KRaft brokers use, and the controllers' principal among the super users: the
 * active controller sends LeaderAndIsr, UpdateMetadata and StopReplica to these brokers.
 */
function zookeeperSection(fleet: Fleet, migrating: boolean): string[] {
  return [
    'authorizer.class.name=kafka.security.authorizer.AclAuthorizer',
    'allow.everyone.if.no.acl.found=false',
    `super.users=${superUsers(migrating).join(';')}`,
    '',
    '# ZooKeeper over TLS with the broker certificate. All brokers share one subject, so the znode',
    '# ACLs that zookeeper.set.acl writes (x509 identity = that subject) admit every broker.',
    ...zookeeperClient(fleet, 'TLS_DIR', STACK_TRUSTSTORE),
    '',
    ...(migrating
      ? [
          '# ZooKeeper to KRaft migration, phase 2 (metadata.phase 2): in ZooKeeper mode still, registered',
          '# with the KRaft controllers; once every broker runs this, the active controller copies the',
          '# metadata from ZooKeeper and logs "Completed migration of metadata from Zookeeper to KRaft".',
          'zookeeper.metadata.migration.enable=true',
          ...kraftQuorumClient(fleet),
          '',
        ]
      : []),
  ];
}

/**
 * The controller quorum as its client sees it (a broker, in KRaft mode or migrating): static
 * voters named by their clusterset hosts, dialed with the broker's stack certificate (these
 * listener-prefixed settings are its client side; a broker opens no controller listener itself).
 */
function kraftQuorumClient(fleet: Fleet): string[] {
  const t = fleetKraftTiming(fleet);
  return [
    `controller.quorum.voters=${controllerQuorumVoters(fleet)}`,
    `controller.listener.names=${CONTROLLER_LISTENER}`,
    ...listenerClientTls(CONTROLLER_LISTENER, 'TLS_DIR', STACK_TRUSTSTORE),
    `# ${fleet.network.latencyMs} ms between regions: see kraftTiming() (packages/fleet/src/kraft-timing.ts).`,
    `controller.quorum.fetch.timeout.ms=${t.quorumFetchTimeoutMs}`,
    `controller.quorum.election.timeout.ms=${t.quorumElectionTimeoutMs}`,
    `controller.quorum.election.backoff.max.ms=${t.quorumElectionBackoffMaxMs}`,
    `controller.quorum.request.timeout.ms=${t.quorumRequestTimeoutMs}`,
    `broker.heartbeat.interval.ms=${t.brokerHeartbeatIntervalMs}`,
    `broker.session.timeout.ms=${t.brokerSessionTimeoutMs}`,
  ];
}

/**
 * KRaft mode (and phases 3 and 4 of a migration, where Kafka's procedure switches the brokers to
 * process.roles=broker, node.id, no ZooKeeper settings, no inter.broker.protocol.version and the
 * StandardAuthorizer): the quorum the broker registers with and fetches metadata from, over mTLS
 * (the controllers verify the clusterset name they are dialed by, the broker theirs), and the
 * KRaft authorizer with the same super users and ACL model.
 */
function kraftBrokerSection(fleet: Fleet): string[] {
  return [
    ...kraftAuthorizer(),
    '',
    '# The controller quorum: static voters named by their clusterset hosts. The broker dials them',
    '# with its stack certificate; these listener-prefixed settings are its client side (a broker',
    '# opens no controller listener itself).',
    ...kraftQuorumClient(fleet),
    '',
  ];
}

/** pod_tables for one region, baked from naming.ts: the broker id and the clusterset host each pod ordinal advertises. */
function brokerTables(fleet: Fleet, region: Region): string {
  const brokers = kafkaBrokers(fleet, region);
  return podTables([
    ordinalCase('BROKER_ID', new Map(brokers.map((b) => [b.ordinal, b.id])), 'broker id'),
    ordinalCase('ADVERTISED_HOST', new Map(brokers.map((b) => [b.ordinal, b.host])), 'broker host'),
  ]);
}

/**
 * start.sh for one region (packages/kafka/src/scripts/start.sh with the generated block):
 * broker.id and advertised host from the pod ordinal, server.properties rendered, exec the broker.
 * In KRaft mode start-kraft.sh, which also formats the storage once with the cluster id.
 */
export function kafkaStartScript(fleet: Fleet, region: Region): string {
  if (metadataLayout(fleet).brokers === 'kraft') {
    return podScript(startKraftFile, 'packages/kafka/src/scripts/start-kraft.sh', region.name, [
      envDefaults([...KAFKA_ENV, ...metricsEnv(fleet)]),
      log4jDefault(fleet),
      `CLUSTER_ID=${kraftClusterId(fleet)}`,
      brokerTables(fleet, region),
      POD_FUNCTIONS,
      KRAFT_STORAGE_FUNCTIONS,
    ]);
  }
  return podScript(startFile, 'packages/kafka/src/scripts/start.sh', region.name, [envDefaults([...KAFKA_ENV, ...metricsEnv(fleet)]), brokerTables(fleet, region), POD_FUNCTIONS]);
}

/**
 * reload-tls.sh (packages/kafka/src/scripts/reload-tls.sh with the generated block), run by the
 * broker pod's sidecar: brokers keep the certificate they started with, and the sidecar has the
 * broker reload its listeners' stores when cert-manager renews the mounted files (the script
 * explains how).
 */
export function reloadTlsScript(fleet: Fleet, region: Region): string {
  return podScript(reloadTlsFile, 'packages/kafka/src/scripts/reload-tls.sh', region.name, [
    envDefaults(RELOAD_TLS_ENV),
    `REPLICATION_PORT=${KAFKA.replicationPort}`,
    brokerTables(fleet, region),
    POD_FUNCTIONS,
  ]);
}

export function kafkaConfigData(fleet: Fleet, region: Region): Record<string, string> {
  return {
    [KAFKA_CONFIG_KEYS.serverProperties]: serverProperties(fleet, region),
    [KAFKA_CONFIG_KEYS.start]: kafkaStartScript(fleet, region),
    [KAFKA_CONFIG_KEYS.reloadTls]: reloadTlsScript(fleet, region),
    [logConfig(fleet).key]: logConfig(fleet).text,
    ...(fleet.monitoring.enabled ? { [METRICS_CONFIG_KEY]: jmxExporterConfig('kafka') } : {}),
  };
}
