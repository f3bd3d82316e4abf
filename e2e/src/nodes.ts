import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TLS, ZOOKEEPER } from '@stretched-kafka/fleet';
import { Harness, NodeRun } from './harness';
import { log } from './log';
import { run, running, startService, waitFor } from './proc';
import { certTimingEnv, startSidecars } from './reload';
import { Tree } from './tree';

// The nodes stage: every ZooKeeper member and broker runs the generated start.sh from its
// ConfigMap, in its own namespace, until ZooKeeper has a quorum over TLS and every broker answers
// over mTLS with its region as rack.

/** An error that stops the run at once (a node exited, a producer wrote no summary). */
export class FatalError extends Error {}

/** The Kafka home the generated scripts call: e2e/kafka-home's bin/ and config/, the jars from Maven Central as libs/. */
export function prepareKafkaHome(h: Harness): void {
  mkdirSync(h.kafkaHome, { recursive: true });
  cpSync(join(h.s.kafkaHomeSource, 'bin'), join(h.kafkaHome, 'bin'), { recursive: true });
  cpSync(join(h.s.kafkaHomeSource, 'config'), join(h.kafkaHome, 'config'), { recursive: true });
  symlinkSync(h.s.kafkaLib, join(h.kafkaHome, 'libs'));
}

export async function startZookeeper(h: Harness): Promise<void> {
  for (const r of h.zookeepers) startNode(h, r, configMapWith(h.tree, r.node.region.name, 'zoo.cfg'), TLS.zookeeper.secret, h.s.zookeeperHeap, certTimingEnv(h.s));
  await waitFor(`a ZooKeeper quorum of ${h.zookeepers.length}`, h.s.startTimeoutS * 1000, 2000, async () => {
    assertAlive(h.zookeepers);
    const states = await Promise.all(h.zookeepers.map((r) => zookeeperState(h, r)));
    return states.every((s) => s === 'leader' || s === 'follower') ? states : undefined;
  });
  log(`zookeeper: quorum of ${h.zookeepers.length} formed over TLS`);
}

export async function startBrokers(h: Harness): Promise<void> {
  for (const r of h.brokers) {
    const clientTls = { CLIENT_TLS_DIR: h.pki.secretDir(r.node.region.name, TLS.kafkaClients.secret) };
    startNode(h, r, configMapWith(h.tree, r.node.region.name, 'server.properties'), TLS.kafka.secret, h.s.brokerHeap, clientTls);
    startSidecars(h, r);
  }
  // The harness's own checks run as the break-glass admin on the internal listener.
  h.tools = h.toolsAs(h.adminIdentity(), 'stack');
  const found = await waitFor(`all ${h.brokers.length} brokers to answer over mTLS`, h.s.startTimeoutS * 1000, 3000, async () => {
    assertAlive([...h.zookeepers, ...h.controllers, ...h.brokers]);
    const b = await h.tools.brokers();
    return b.size === h.brokers.length ? b : undefined;
  });
  for (const r of h.brokers) {
    const rack = found.get(r.node.id);
    if (rack !== r.node.region.name) throw new Error(`broker ${r.node.id} (${r.node.region.name}/${r.node.pod}) reports rack ${rack}; broker.rack must be its region`);
  }
  log(`kafka: ${found.size} brokers answer ApiVersions over mTLS as kafka-admin; racks = regions`);
}

/** The data of the ConfigMap in `region` that carries `key` (zoo.cfg, controller.properties or server.properties). */
export function configMapWith(tree: Tree, region: string, key: string): Record<string, string> {
  const found = tree.all('ConfigMap', region).filter((o) => typeof (o.object.data as Record<string, string> | undefined)?.[key] === 'string');
  if (found.length !== 1) throw new Error(`expected one ConfigMap with data key ${key} under ${tree.root}/${region}/, found ${found.length}`);
  const data = found[0].object.data as Record<string, string>;
  if (typeof data['start.sh'] !== 'string') throw new Error(`${found[0].file}: no start.sh data key`);
  return data;
}

/** A folder holding only the JMX exporter agent jar from the Kafka classpath folder (made once per run). */
function jmxExporterHome(h: Harness): string {
  const dir = join(h.s.work, 'jmx-exporter');
  if (!existsSync(dir)) {
    const jar = readdirSync(h.s.kafkaLib).find((f) => /^jmx_prometheus_javaagent-.*\.jar$/.test(f));
    if (!jar) throw new Error(`${h.s.kafkaLib}: no jmx_prometheus_javaagent jar (pom.xml fetches it)`);
    mkdirSync(dir, { recursive: true });
    symlinkSync(join(h.s.kafkaLib, jar), join(dir, jar));
  }
  return dir;
}

/** Writes the ConfigMap's files as CONFIG_DIR and runs its start.sh in the node's namespace. */
export function startNode(h: Harness, r: NodeRun, data: Record<string, string>, secret: string, heap: string, extraEnv: NodeJS.ProcessEnv = {}): void {
  const configDir = join(r.dir, 'config');
  mkdirSync(configDir, { recursive: true });
  for (const [key, value] of Object.entries(data)) writeFileSync(join(configDir, key), value, { mode: key.endsWith('.sh') ? 0o755 : 0o644 });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    JAVA_HOME: process.env.JAVA_HOME,
    HOSTNAME: r.node.pod,
    KAFKA_HOME: h.kafkaHome,
    TLS_DIR: h.pki.secretDir(r.node.region.name, secret),
    // The trust bundle ConfigMap volume, and the truststores built from it on the pod's shared /tmp.
    TRUST_DIR: h.pki.trustDir(r.node.region.name),
    TRUSTSTORE_DIR: join(r.dir, 'tmp', 'truststores'),
    CONFIG_DIR: configDir,
    DATA_DIR: join(r.dir, 'data'),
    RUN_DIR: join(r.dir, 'run'),
    LOG_DIR: join(r.dir, 'logs'),
    KAFKA_HEAP_OPTS: heap,
    // The image's agent folder (/opt/prometheus-jmx-exporter in the pods): the jar pom.xml fetched.
    JMX_EXPORTER_HOME: jmxExporterHome(h),
    ...extraEnv,
  };
  Object.assign(r.env, env);
  relaunch(h, r);
}

/** Runs the node's start.sh (again, as the kubelet restarts a container that exited). */
export function relaunch(h: Harness, r: NodeRun): void {
  const logFile = join(h.s.work, 'logs', `${r.node.region.name}-${r.node.pod}.log`);
  r.service = startService(`${r.node.region.name}/${r.node.pod}`, h.net.exec(r.host, ['bash', join(r.env.CONFIG_DIR!, 'start.sh')]), r.env, logFile);
}

/** The member's role, asked over its TLS client port with the generated health script if there is one. */
async function zookeeperState(h: Harness, r: NodeRun): Promise<string | undefined> {
  const health = join(r.dir, 'config', 'health.sh');
  const args = existsSync(health)
    ? ['bash', health, 'ready']
    : ['bash', '-c', `echo srvr | openssl s_client -connect 127.0.0.1:${ZOOKEEPER.clientPort} -quiet -cert "$TLS_DIR/tls.crt" -key "$TLS_DIR/tls.key" -CAfile "$TLS_DIR/ca.crt" 2>/dev/null`];
  const res = await run(h.net.exec(r.host, args), { env: { ...process.env, ...r.env }, timeoutMs: 10_000, allowFail: true });
  const mode = /Mode: (\w+)/.exec(res.stdout)?.[1];
  if (mode) return mode;
  return res.code === 0 && existsSync(health) ? 'follower' : undefined;
}

export function assertAlive(nodes: readonly NodeRun[]): void {
  for (const r of nodes) {
    if (r.service && !running(r.service)) throw new FatalError(`${r.service.name} exited (code ${r.service.child.exitCode}); log: ${r.service.logFile}\n${tailErrors(r.service.logFile)}`);
  }
}

function tailErrors(file: string): string {
  try {
    const lines = readFileSync(file, 'utf8').split('\n');
    const errors = lines.filter((l) => /ERROR|FATAL|Exception|^start:/.test(l)).slice(-6);
    return (errors.length ? errors : lines.slice(-8)).join('\n');
  } catch {
    return '(no log)';
  }
}
