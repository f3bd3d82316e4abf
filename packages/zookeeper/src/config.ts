import { Fleet, Region, TLS_MOUNT, ZOOKEEPER, fleetZookeeperTiming, zookeeperNodes } from '@stretched-kafka/fleet';
import { CONFIG_MOUNT, LOG4J_PROPERTIES, envDefaults, ordinalCase, ordinalFromHostname, renderTemplate } from '@stretched-kafka/platform';

/** The PVC mount; ZooKeeper writes into a subdirectory so the volume root (lost+found) stays out of its way. */
export const ZOOKEEPER_VOLUME_MOUNT = '/var/lib/zookeeper';

/** ConfigMap keys. start.sh reads the others from CONFIG_DIR. */
export const ZOOKEEPER_CONFIG_KEYS = { zooCfg: 'zoo.cfg', start: 'start.sh', health: 'health.sh', log4j: 'log4j.properties' } as const;

/** Environment of start.sh: name and in-pod default. The real-Kafka harness sets these to run the same script. */
export const ZOOKEEPER_ENV = [
  ['KAFKA_HOME', '/opt/kafka'],
  ['TLS_DIR', TLS_MOUNT],
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
 * clusterset name. `${DATA_DIR}` and `${TLS_DIR}` are filled in by start.sh.
 */
export function zooCfg(fleet: Fleet): string {
  const t = fleetZookeeperTiming(fleet);
  const tls = (prefix: string) => [
    `${prefix}keyStore.location=\${TLS_DIR}/tls-combined.pem`,
    `${prefix}keyStore.type=PEM`,
    `${prefix}trustStore.location=\${TLS_DIR}/ca.crt`,
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
 * start.sh for one region: computes myid from the pod ordinal (table baked from naming.ts),
 * renders zoo.cfg, starts the certificate watcher and execs ZooKeeper.
 */
export function zookeeperStartScript(fleet: Fleet, region: Region): string {
  const nodes = zookeeperNodes(fleet, region);
  const all = zookeeperNodes(fleet);
  const ids = new Map(nodes.map((n) => [n.ordinal, n.id]));
  // Restart order after a certificate renewal: the member's place in the ensemble list, so no
  // two members of the whole ensemble restart in the same stagger slot.
  const slots = new Map(nodes.map((n) => [n.ordinal, all.findIndex((m) => m.id === n.id)]));
  return `#!/usr/bin/env bash
# Generated by stretched-kafka for region ${region.name}. Starts one ZooKeeper member of the
# stretched ensemble. Runs unchanged outside Kubernetes when the variables below are set.
set -euo pipefail

HOSTNAME="\${HOSTNAME:?HOSTNAME must be the pod name, such as ${ZOOKEEPER.name}-0}"
${envDefaults(ZOOKEEPER_ENV)}
# Kafka's launch scripts: logs to stdout (log4j.properties) and no GC log file (-loggc is left out).
export LOG_DIR="\${LOG_DIR:-$RUN_DIR/logs}"
export KAFKA_LOG4J_OPTS="\${KAFKA_LOG4J_OPTS:--Dlog4j.configuration=file:$CONFIG_DIR/${ZOOKEEPER_CONFIG_KEYS.log4j}}"
export EXTRA_ARGS="\${EXTRA_ARGS:--name zookeeper}"

${ordinalFromHostname(ZOOKEEPER.name)}
${ordinalCase('myid', ids, 'ZooKeeper id')}
${ordinalCase('restart_slot', slots, 'restart slot')}

mkdir -p "$DATA_DIR" "$RUN_DIR" "$LOG_DIR"
# A different myid on an existing volume means the region was renumbered (idBlock changed):
# joining under a new id with old data would corrupt the ensemble.
if [[ -f "$DATA_DIR/myid" && "$(cat "$DATA_DIR/myid")" != "$myid" ]]; then
  echo "start: $DATA_DIR/myid holds $(cat "$DATA_DIR/myid"), this pod is ZooKeeper $myid; refusing to start" >&2
  exit 1
fi
echo "$myid" > "$DATA_DIR/myid"

${renderTemplate(`$CONFIG_DIR/${ZOOKEEPER_CONFIG_KEYS.zooCfg}`, '$RUN_DIR/zoo.cfg', ['DATA_DIR', 'TLS_DIR'])}

# ZooKeeper 3.8.4 reloads renewed quorum certificates itself but keeps serving the client port
# with the certificate it started with. When the mounted files change, the member restarts
# (the container restarts in place), each member in its own slot so the quorum never loses two.
cert_fingerprint() { cat "$TLS_DIR/tls-combined.pem" "$TLS_DIR/ca.crt" 2>/dev/null | sha256sum || true; }
watch_certificates() {
  local pid=$1 seen
  seen=$(cert_fingerprint)
  while kill -0 "$pid" 2>/dev/null; do
    sleep "$CERT_WATCH_SECONDS"
    if [[ "$(cert_fingerprint)" != "$seen" ]]; then
      echo "start: certificate files changed; restarting ZooKeeper $myid in $((restart_slot * CERT_RESTART_STAGGER_SECONDS)) s" >&2
      sleep $((restart_slot * CERT_RESTART_STAGGER_SECONDS))
      kill -TERM "$pid" 2>/dev/null || true
      return 0
    fi
  done
}
if (( CERT_WATCH_SECONDS > 0 )); then
  # $$ stays the PID of ZooKeeper after the exec below.
  watch_certificates "$$" &
fi

exec "$KAFKA_HOME/bin/zookeeper-server-start.sh" "$RUN_DIR/zoo.cfg"
`;
}

/**
 * Probe script: `health.sh ready` asks `srvr` and wants a quorum role (the member serves),
 * `health.sh live` asks `ruok`. Both over the TLS client port with the pod's own certificate,
 * since there is no plain port; openssl ships in Strimzi's image.
 */
export function zookeeperHealthScript(): string {
  return `#!/usr/bin/env bash
# Generated by stretched-kafka. Readiness/liveness over the TLS-only client port.
set -euo pipefail
TLS_DIR="\${TLS_DIR:-${TLS_MOUNT}}"
ask() {
  echo "$1" | openssl s_client -connect 127.0.0.1:${ZOOKEEPER.clientPort} -quiet \\
    -cert "$TLS_DIR/tls.crt" -key "$TLS_DIR/tls.key" -CAfile "$TLS_DIR/ca.crt" 2>/dev/null
}
case "\${1:-}" in
  ready) ask srvr | grep -Eq '^Mode: (leader|follower|observer)' ;;
  live) [[ "$(ask ruok)" == imok ]] ;;
  *) echo "usage: health.sh ready|live" >&2; exit 2 ;;
esac
`;
}

/** The region's ConfigMap data. */
export function zookeeperConfigData(fleet: Fleet, region: Region): Record<string, string> {
  return {
    [ZOOKEEPER_CONFIG_KEYS.zooCfg]: zooCfg(fleet),
    [ZOOKEEPER_CONFIG_KEYS.start]: zookeeperStartScript(fleet, region),
    [ZOOKEEPER_CONFIG_KEYS.health]: zookeeperHealthScript(),
    [ZOOKEEPER_CONFIG_KEYS.log4j]: LOG4J_PROPERTIES,
  };
}
