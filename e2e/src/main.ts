import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  Fleet,
  KAFKA,
  Node,
  TLS,
  TrustDomain,
  ZOOKEEPER,
  bootstrapServers,
  clustersetServiceName,
  kafkaBrokers,
  loadConsumerGroup,
  loadFleet,
  localPodNames,
  localServiceNames,
  zookeeperNodes,
} from '@stretched-kafka/fleet';
import { KafkaTools, PartitionState, ToolsIdentity } from './kafka';
import { Host, Network, removeNetwork } from './net';
import { Ca, CertificateSpec } from './pki';
import { Service, run, running, sleep, startService, stopServices, waitFor } from './proc';
import { Tree } from './tree';
import { trustChecks } from './trust';
import { adminCertificate } from '@stretched-kafka/certificates';

// Real-Kafka harness: runs the GENERATED ZooKeeper and broker configuration (start.sh and the
// config templates from the synthesized ConfigMaps, certificates as the Certificate resources
// describe them) on Apache Kafka from Maven Central, one network namespace per pod, grouped by
// region; drives the load program from two regions, cuts a third region off mid-stream and
// checks that nothing acknowledged was lost or reordered.

const PREFIX = 'ske2e';
const started = Date.now();

function log(message: string): void {
  console.log(`[e2e ${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}`);
}

interface Settings {
  mode: 'ci' | 'full';
  fleetFile: string | undefined;
  clusters: string;
  work: string;
  kafkaLib: string;
  kafkaHomeSource: string;
  loadgen: string;
  /** Seconds the producers run. */
  produceS: number;
  /** Records per second per producing process (one per producing region). */
  rate: number;
  cutAtS: number;
  cutS: number;
  brokerHeap: string;
  zookeeperHeap: string;
  startTimeoutS: number;
  isrTimeoutS: number;
  /** `all` (default) or `trust`: everything up to and including the trust checks, no load and no cut. */
  stages: 'all' | 'trust';
}

function settings(): Settings {
  const { values } = parseArgs({
    options: {
      fleet: { type: 'string' },
      clusters: { type: 'string' },
      work: { type: 'string' },
      'kafka-lib': { type: 'string' },
      'kafka-home': { type: 'string', default: 'e2e/kafka-home' },
      loadgen: { type: 'string', default: 'packages/loadgen/dist/cli.js' },
    },
  });
  const env = process.env;
  const mode = (env.E2E_MODE ?? (env.CI === 'true' ? 'ci' : 'full')) as Settings['mode'];
  if (mode !== 'ci' && mode !== 'full') throw new Error(`E2E_MODE=${mode}: must be ci or full`);
  const num = (name: string, fallback: number) => {
    const v = env[name];
    if (v === undefined || v === '') return fallback;
    if (!/^\d+(\.\d+)?$/.test(v)) throw new Error(`${name}=${v}: must be a number`);
    return Number(v);
  };
  for (const k of ['clusters', 'work', 'kafka-lib'] as const) if (values[k] === undefined) throw new Error(`--${k} is required`);
  return {
    mode,
    fleetFile: values.fleet,
    clusters: resolve(values.clusters!),
    work: resolve(values.work!),
    kafkaLib: resolve(values['kafka-lib']!),
    kafkaHomeSource: resolve(values['kafka-home']!),
    loadgen: resolve(values.loadgen!),
    produceS: num('E2E_PRODUCE_S', mode === 'ci' ? 100 : 150),
    rate: num('E2E_RATE', mode === 'ci' ? 200 : 1000),
    cutAtS: num('E2E_CUT_AT_S', mode === 'ci' ? 20 : 40),
    // Longer than failover takes (ZooKeeper's quorum timeout, a new ZooKeeper leader if the old
    // one was in the cut region, then zookeeper.session.timeout.ms before the controller moves
    // partition leaders), so the producers' stall measures failover, not the cut.
    cutS: num('E2E_CUT_S', 45),
    brokerHeap: env.E2E_BROKER_HEAP ?? '-Xms256m -Xmx512m',
    zookeeperHeap: env.E2E_ZOOKEEPER_HEAP ?? '-Xms64m -Xmx256m',
    startTimeoutS: num('E2E_START_TIMEOUT_S', mode === 'ci' ? 180 : 420),
    isrTimeoutS: num('E2E_ISR_TIMEOUT_S', 180),
    stages: stages(env.E2E_STAGES),
  };
}

function stages(v: string | undefined): Settings['stages'] {
  if (v === undefined || v === '' || v === 'all') return 'all';
  if (v === 'trust') return 'trust';
  throw new Error(`E2E_STAGES=${v}: must be all or trust`);
}

/** The data of the ConfigMap in `region` that carries `key` (zoo.cfg or server.properties). */
function configMapWith(tree: Tree, region: string, key: string): Record<string, string> {
  const found = tree.all('ConfigMap', region).filter((o) => typeof (o.object.data as Record<string, string> | undefined)?.[key] === 'string');
  if (found.length !== 1) throw new Error(`expected one ConfigMap with data key ${key} under ${tree.root}/${region}/, found ${found.length}`);
  const data = found[0].object.data as Record<string, string>;
  if (typeof data['start.sh'] !== 'string') throw new Error(`${found[0].file}: no start.sh data key`);
  return data;
}

interface NodeRun {
  readonly node: Node;
  readonly host: Host;
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  service?: Service;
}

class Harness {
  readonly s = settings();
  readonly fleet: Fleet = loadFleet(this.s.fleetFile);
  readonly tree = new Tree(this.s.clusters);
  readonly net = new Network(PREFIX, this.fleet.regions.map((r) => r.name));
  readonly kafkaHome = join(this.s.work, 'kafka-home');
  readonly secrets = join(this.s.work, 'secrets');
  readonly zookeepers: NodeRun[] = [];
  readonly brokers: NodeRun[] = [];
  readonly clients = new Map<string, Host>();
  tools!: KafkaTools;
  readonly report: Record<string, unknown> = {};

  secretDir(region: string, secret: string): string {
    const dir = join(this.secrets, region, secret);
    if (!existsSync(join(dir, 'tls.crt'))) throw new Error(`no Certificate with secretName ${secret} under ${this.s.clusters}/${region}/`);
    return dir;
  }

  plan(): void {
    const f = this.fleet;
    for (const region of f.regions) {
      const zk = zookeeperNodes(f, region);
      const kafka = kafkaBrokers(f, region);
      for (const [i, n] of zk.entries()) {
        const local = [...localPodNames(f, ZOOKEEPER.headless, n.pod), ...(i === 0 ? localServiceNames(f, ZOOKEEPER.client) : [])];
        this.zookeepers.push(this.nodeRun(n, this.net.addHost(region.name, n.pod, [n.host], local)));
      }
      for (const [i, n] of kafka.entries()) {
        const local = [...localPodNames(f, KAFKA.headless, n.pod), ...(i === 0 ? [...localServiceNames(f, KAFKA.bootstrap), clustersetServiceName(f, KAFKA.bootstrap)] : [])];
        this.brokers.push(this.nodeRun(n, this.net.addHost(region.name, n.pod, [n.host], local)));
      }
      this.clients.set(region.name, this.net.addHost(region.name, 'client', []));
    }
    log(`plan: ${this.fleet.regions.length} regions, ${this.zookeepers.length} ZooKeeper, ${this.brokers.length} brokers, topic ${f.topic.name} x ${f.topic.partitions} (mode ${this.s.mode})`);
  }

  private nodeRun(node: Node, host: Host): NodeRun {
    const dir = join(this.s.work, 'nodes', node.region.name, node.pod);
    return { node, host, dir, env: {} };
  }

  /** One throwaway CA per issuer (kind/name), as distinct as the real ones: a Vault ClusterIssuer and the stack's CA Issuer. */
  readonly cas = new Map<string, Ca>();

  ca(ref: { kind?: string; name: string }): Ca {
    const key = `${ref.kind ?? 'Issuer'}/${ref.name}`;
    let ca = this.cas.get(key);
    if (!ca) this.cas.set(key, (ca = new Ca(join(this.s.work, 'ca', key.replace('/', '-')), key)));
    return ca;
  }

  issueCertificates(): void {
    const issuers = new Set(this.tree.all('Issuer').map((o) => `${o.object.metadata.namespace}/${o.object.metadata.name}`));
    let n = 0;
    for (const o of this.tree.all('Certificate')) {
      const spec = o.object.spec as CertificateSpec;
      if (!spec.issuerRef) throw new Error(`${o.file}: Certificate ${o.object.metadata.name} names no issuerRef`);
      // cert-manager signs with a namespaced Issuer only Certificates of its own namespace.
      if ((spec.issuerRef.kind ?? 'Issuer') === 'Issuer' && !issuers.has(`${o.object.metadata.namespace}/${spec.issuerRef.name}`)) {
        throw new Error(`${o.file}: issuerRef Issuer ${spec.issuerRef.name} is not an Issuer of namespace ${o.object.metadata.namespace} in the tree`);
      }
      this.ca(spec.issuerRef).issue(spec, join(this.secrets, o.region, spec.secretName));
      n++;
    }
    if (n === 0) throw new Error(`no Certificate resources under ${this.s.clusters}`);
    // The break-glass admin certificate an operator requests by hand for maintenance (npm run plan).
    const admin = adminCertificate(this.fleet).spec as unknown as CertificateSpec;
    this.ca(admin.issuerRef!).issue(admin, join(this.secrets, this.fleet.topic.managementRegion, admin.secretName));
    log(`pki: ${this.cas.size} throwaway CAs (${[...this.cas.keys()].join(', ')}) issued ${n} certificates as the Certificate resources describe them, plus the break-glass admin`);
  }

  prepareKafkaHome(): void {
    mkdirSync(this.kafkaHome, { recursive: true });
    cpSync(join(this.s.kafkaHomeSource, 'bin'), join(this.kafkaHome, 'bin'), { recursive: true });
    cpSync(join(this.s.kafkaHomeSource, 'config'), join(this.kafkaHome, 'config'), { recursive: true });
    symlinkSync(this.s.kafkaLib, join(this.kafkaHome, 'libs'));
  }

  private startNode(r: NodeRun, data: Record<string, string>, secret: string, heap: string, extraEnv: NodeJS.ProcessEnv = {}): void {
    const configDir = join(r.dir, 'config');
    mkdirSync(configDir, { recursive: true });
    for (const [key, value] of Object.entries(data)) writeFileSync(join(configDir, key), value, { mode: key.endsWith('.sh') ? 0o755 : 0o644 });
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      JAVA_HOME: process.env.JAVA_HOME,
      HOSTNAME: r.node.pod,
      KAFKA_HOME: this.kafkaHome,
      TLS_DIR: this.secretDir(r.node.region.name, secret),
      CONFIG_DIR: configDir,
      DATA_DIR: join(r.dir, 'data'),
      RUN_DIR: join(r.dir, 'run'),
      LOG_DIR: join(r.dir, 'logs'),
      KAFKA_HEAP_OPTS: heap,
      ...extraEnv,
    };
    Object.assign(r.env, env);
    const logFile = join(this.s.work, 'logs', `${r.node.region.name}-${r.node.pod}.log`);
    r.service = startService(`${r.node.region.name}/${r.node.pod}`, this.net.exec(r.host, ['bash', join(configDir, 'start.sh')]), env, logFile);
  }

  async startZookeeper(): Promise<void> {
    for (const r of this.zookeepers) this.startNode(r, configMapWith(this.tree, r.node.region.name, 'zoo.cfg'), TLS.zookeeper.secret, this.s.zookeeperHeap);
    await waitFor(`a ZooKeeper quorum of ${this.zookeepers.length}`, this.s.startTimeoutS * 1000, 2000, async () => {
      this.assertAlive(this.zookeepers);
      const states = await Promise.all(this.zookeepers.map((r) => this.zookeeperState(r)));
      return states.every((s) => s === 'leader' || s === 'follower') ? states : undefined;
    });
    log(`zookeeper: quorum of ${this.zookeepers.length} formed over TLS`);
  }

  /** The member's role, asked over its TLS client port with the generated health script if there is one. */
  private async zookeeperState(r: NodeRun): Promise<string | undefined> {
    const health = join(r.dir, 'config', 'health.sh');
    const args = existsSync(health)
      ? ['bash', health, 'ready']
      : ['bash', '-c', `echo srvr | openssl s_client -connect 127.0.0.1:${ZOOKEEPER.clientPort} -quiet -cert "$TLS_DIR/tls.crt" -key "$TLS_DIR/tls.key" -CAfile "$TLS_DIR/ca.crt" 2>/dev/null`];
    const res = await run(this.net.exec(r.host, args), { env: { ...process.env, ...r.env }, timeoutMs: 10_000, allowFail: true });
    const mode = /Mode: (\w+)/.exec(res.stdout)?.[1];
    if (mode) return mode;
    return res.code === 0 && existsSync(health) ? 'follower' : undefined;
  }

  async startBrokers(): Promise<void> {
    for (const r of this.brokers) {
      const clientTls = { CLIENT_TLS_DIR: this.secretDir(r.node.region.name, TLS.kafkaClients.secret) };
      this.startNode(r, configMapWith(this.tree, r.node.region.name, 'server.properties'), TLS.kafka.secret, this.s.brokerHeap, clientTls);
    }
    const mgmt = this.fleet.topic.managementRegion;
    // The harness's own checks run as the break-glass admin on the internal listener.
    this.tools = this.toolsAs({ name: TLS.admin.commonName, tlsDir: this.secretDir(mgmt, TLS.admin.secret) }, 'stack');
    const found = await waitFor(`all ${this.brokers.length} brokers to answer over mTLS`, this.s.startTimeoutS * 1000, 3000, async () => {
      this.assertAlive([...this.zookeepers, ...this.brokers]);
      const b = await this.tools.brokers();
      return b.size === this.brokers.length ? b : undefined;
    });
    for (const r of this.brokers) {
      const rack = found.get(r.node.id);
      if (rack !== r.node.region.name) throw new Error(`broker ${r.node.id} (${r.node.region.name}/${r.node.pod}) reports rack ${rack}; broker.rack must be its region`);
    }
    log(`kafka: ${found.size} brokers answer ApiVersions over mTLS as kafka-admin; racks = regions`);
  }

  private assertAlive(nodes: readonly NodeRun[]): void {
    for (const r of nodes) {
      if (r.service && !running(r.service)) throw new FatalError(`${r.service.name} exited (code ${r.service.child.exitCode}); log: ${r.service.logFile}\n${tailErrors(r.service.logFile)}`);
    }
  }

  /** Creates the topic from the KafkaTopic resource and the ACLs from the KafkaUser resources, as the Strimzi operators would. */
  async topicAndAcls(): Promise<void> {
    const f = this.fleet;
    const mgmt = f.topic.managementRegion;
    const kt = this.tree.all('KafkaTopic').find((o) => ((o.object.spec as { topicName?: string }).topicName ?? o.object.metadata.name) === f.topic.name);
    const spec = (kt?.object.spec ?? {}) as { partitions?: number; replicas?: number; config?: Record<string, unknown> };
    const partitions = spec.partitions ?? f.topic.partitions;
    const replicas = spec.replicas ?? f.kafka.replicationFactor;
    const config = Object.fromEntries(Object.entries(spec.config ?? { 'min.insync.replicas': f.kafka.minInsyncReplicas }).map(([k, v]) => [k, String(v)]));
    await this.tools.createTopic(f.topic.name, partitions, replicas, config);
    log(`topic: ${f.topic.name} created (${partitions} partitions, replicas ${replicas}, ${Object.entries(config).map(([k, v]) => `${k}=${v}`).join(', ') || 'no overrides'}) from ${kt ? kt.file : 'the fleet (no KafkaTopic in the tree)'}`);

    // KafkaUsers are synced into the management region only (one User Operator reconciles them).
    const users = this.tree.all('KafkaUser', mgmt);
    const seen = new Set<string>();
    let count = 0;
    for (const u of users) {
      if (seen.has(u.object.metadata.name)) continue;
      seen.add(u.object.metadata.name);
      const spec = u.object.spec as { authentication?: { type?: string }; authorization?: { type?: string; acls?: { resource: { type: string; name?: string; patternType?: string }; operations?: string[]; operation?: string; host?: string }[] } };
      if (spec.authorization?.type !== 'simple') continue;
      // Strimzi's User Operator names a tls / tls-external user `User:CN=<KafkaUser name>` and a
      // user without authentication (a stack identity here) `User:<KafkaUser name>`.
      const principal = spec.authentication?.type ? `User:CN=${u.object.metadata.name}` : `User:${u.object.metadata.name}`;
      for (const acl of spec.authorization.acls ?? []) {
        await this.tools.addAcl(principal, acl.operations ?? (acl.operation ? [acl.operation] : []), acl.resource, acl.host ?? '*');
        count++;
      }
    }
    if (!seen.has(TLS.producer.commonName) || !seen.has(TLS.consumer.commonName)) {
      throw new Error(`the synthesized tree has no KafkaUser for ${TLS.producer.commonName} and ${TLS.consumer.commonName} (found: ${[...seen].join(', ') || 'none'})`);
    }
    log(`acls: ${count} ACL entries from ${seen.size} KafkaUser resources (${[...seen].join(', ')})`);
  }

  /** The trust-model checks (trust.ts): attacker certificates refused, stack identities working. */
  async trust(): Promise<void> {
    const f = this.fleet;
    const logsOf = (nodes: readonly NodeRun[]) => nodes.map((n) => n.service?.logFile).filter((x): x is string => !!x);
    await trustChecks({
      fleet: f,
      work: this.s.work,
      clientIp: this.clients.get(f.topic.managementRegion)!.ip,
      applicationCa: this.ca(f.pki.issuer),
      stackCa: this.ca({ kind: 'Issuer', name: f.pki.internal.issuerName }),
      secretDir: (region, secret) => this.secretDir(region, secret),
      toolsAs: (identity, trust) => this.toolsAs(identity, trust),
      brokerLogs: () => logsOf(this.brokers),
      zookeeperLogs: () => logsOf(this.zookeepers),
      check: (what, ok, detail) => this.check(what, ok, detail),
      log,
    });
  }

  /** Kafka's tools in the management region's client namespace as `identity`, on the listener of `trust`. */
  toolsAs(identity: ToolsIdentity, trust: TrustDomain): KafkaTools {
    const mgmt = this.fleet.topic.managementRegion;
    const region = this.fleet.regions.find((x) => x.name === mgmt)!;
    return new KafkaTools(this.net, this.clients.get(mgmt)!, this.kafkaHome, bootstrapServers(this.fleet, region, trust), identity, this.s.work);
  }

  async describe(): Promise<PartitionState[]> {
    const parts = await this.tools.describe(this.fleet.topic.name);
    if (parts.length !== this.fleet.topic.partitions) throw new Error(`describe returned ${parts.length} partitions, expected ${this.fleet.topic.partitions}`);
    return parts;
  }

  loadArgs(mode: 'produce' | 'consume', region: string, extra: string[]): string[] {
    const f = this.fleet;
    const r = f.regions.find((x) => x.name === region)!;
    const secret = mode === 'produce' ? TLS.producer.secret : TLS.consumer.secret;
    return this.net.exec(this.clients.get(region)!, [
      process.execPath, this.s.loadgen, mode,
      '--bootstrap', bootstrapServers(f, r),
      '--topic', f.topic.name,
      '--tls-dir', this.secretDir(region, secret),
      '--verify',
      ...extra,
    ]);
  }

  /** Producers in two regions, the last region cut off while they run. */
  async loadWithRegionCut(): Promise<void> {
    const f = this.fleet;
    const producing = f.regions.slice(0, 2).map((r) => r.name);
    const cut = f.regions[f.regions.length - 1].name;
    const loadDir = join(this.s.work, 'load');
    mkdirSync(loadDir, { recursive: true });
    const before = await this.describe();
    this.report.leadersInCutRegion = before.filter((p) => this.regionOfBroker(p.leader) === cut).length;

    const producers = producing.map((region) => {
      const r = f.regions.find((x) => x.name === region)!;
      const summary = join(loadDir, `produce-${region}.json`);
      const args = this.loadArgs('produce', region, [
        '--client-id', `e2e-${region}`,
        '--duration-s', String(this.s.produceS),
        '--rate', String(this.s.rate),
        '--producers', String(Math.max(1, Math.min(r.producers, this.s.mode === 'ci' ? 2 : r.producers))),
        '--record-bytes', String(f.load.recordBytes),
        '--batch-bytes', String(f.load.batchBytes),
        '--linger-ms', String(f.load.lingerMs),
        '--progress-interval-s', '5',
        '--summary-file', summary,
      ]);
      const logFile = join(this.s.work, 'logs', `produce-${region}.log`);
      return { region, summary, logFile, done: run(args, { timeoutMs: (this.s.produceS + 240) * 1000, allowFail: true }).then((res) => (writeFileSync(logFile, `${res.stderr}\n${res.stdout}`), res)) };
    });
    log(`load: producers running in ${producing.join(' and ')} for ${this.s.produceS} s at ${this.s.rate} records/s each; ${this.report.leadersInCutRegion} partition leaders sit in ${cut}`);

    await sleep(this.s.cutAtS * 1000);
    this.net.cut(cut);
    const cutAt = Date.now();
    log(`cut: ${cut} is off the network (uplink down at both ends) for ${this.s.cutS} s`);
    const duringCut = sleep((this.s.cutS * 1000) / 2).then(() => this.describe().catch(() => undefined));
    await sleep(this.s.cutS * 1000);
    this.net.restore(cut);
    const restoredAt = Date.now();
    log(`restore: ${cut} is back (cut lasted ${((restoredAt - cutAt) / 1000).toFixed(1)} s)`);
    this.report.failoverS = this.failoverSeconds(cut, cutAt, restoredAt);
    const controller = this.controllerAt(cutAt);
    if (controller !== undefined) this.report.controllerAtCut = { broker: controller, region: this.regionOfBroker(controller) };
    if (this.report.failoverS !== undefined) log(`failover: the controller moved ${cut}'s partition leaders ${this.report.failoverS} s after the cut`);
    const isrDuringCut = await duringCut;
    if (isrDuringCut) this.report.isrDuringCut = summarizeIsr(isrDuringCut);

    const isrFull = waitFor('every partition back to a full ISR', this.s.isrTimeoutS * 1000, 2000, async () => {
      const parts = await this.describe();
      return parts.every((p) => p.isr.length === p.replicas.length) ? Date.now() : undefined;
    });
    const results = await Promise.all(producers.map(async (p) => ({ ...p, res: await p.done })));
    const isrAt = await isrFull.catch((e: Error) => e);
    this.check(`every partition back to ${f.kafka.replicationFactor} in-sync replicas after the restore`, typeof isrAt === 'number', typeof isrAt === 'number' ? '' : isrAt.message);
    if (typeof isrAt === 'number') {
      this.report.isrRecoveryS = round((isrAt - restoredAt) / 1000);
      log(`isr: every partition has ${f.kafka.replicationFactor} in-sync replicas ${this.report.isrRecoveryS} s after the restore`);
    }

    const produced: Record<string, Summary | undefined> = {};
    for (const p of results) {
      produced[p.region] = lastJson(p.res.stdout) as Summary | undefined;
      this.check(`producer in ${p.region} exited 0 without a fatal error`, p.res.code === 0 && !produced[p.region]?.fatal, `exit ${p.res.code}${produced[p.region]?.fatal ? `, fatal: ${produced[p.region]?.fatal}` : ''}; log: ${p.logFile}`);
    }
    this.report.producers = produced;
    this.report.cutRegion = cut;
    this.report.producingRegions = producing;
    this.report.cutS = round((restoredAt - cutAt) / 1000);
    const summaries = producers.map((p) => p.summary).filter((f) => existsSync(f));
    if (summaries.length !== producers.length) throw new FatalError(`producers wrote ${summaries.length} of ${producers.length} summary files; logs in ${join(this.s.work, 'logs')}`);

    // Consumers: one in a producing region, then one in the cut region (rack = region, so it
    // fetches from the replicas that were cut off and had to catch up).
    const group = loadConsumerGroup(f);
    const consumed: Record<string, Summary | undefined> = {};
    for (const [i, region] of [producing[0], cut].entries()) {
      if (i > 0) await this.tools.resetGroupToEarliest(group, f.topic.name);
      const summary = join(loadDir, `consume-${region}.json`);
      const res = await run(
        this.loadArgs('consume', region, ['--client-id', `e2e-consumer-${region}`, '--group', group, '--rack', region, '--idle-timeout-s', '20', '--progress-interval-s', '10', '--summary-file', summary, '--expect-file', ...summaries]),
        { timeoutMs: 300_000, allowFail: true },
      );
      const logFile = join(this.s.work, 'logs', `consume-${region}.log`);
      writeFileSync(logFile, `${res.stderr}\n${res.stdout}`);
      const c = (consumed[region] = lastJson(res.stdout) as Summary | undefined);
      const v = c?.verify;
      this.check(`consumer in ${region} (rack ${region}) read every acknowledged record in order`, res.code === 0 && !!v && v.ok === true && v.expected > 0, v ? `expected ${v.expected}, missing ${v.missing}, out of order ${v.outOfOrder}, duplicated ${v.duplicated}; exit ${res.code}` : `exit ${res.code}, no summary; log: ${logFile}`);
      log(`consume: ${region}: ${v ? `${v.expected} acknowledged, ${v.missing} missing, ${v.outOfOrder} out of order, ${v.duplicated} duplicated` : 'no verification summary'}`);
    }
    this.report.consumers = consumed;

    // The records were compressed by the load program's own LZ4 codec; Kafka's Java consumer
    // must read every one of them too (the brokers' Java stack only validated the batches).
    const acknowledged = Object.values(produced).reduce((n, p) => n + (p?.verify?.acknowledged ?? 0), 0);
    const javaRead = await this.tools.javaConsume(f.topic.name, acknowledged, `e2e-java-${Date.now()}`).catch((e: Error) => e);
    this.check(`Kafka's Java consumer read all ${acknowledged} acknowledged records`, typeof javaRead === 'number' && javaRead >= acknowledged, typeof javaRead === 'number' ? `read ${javaRead}` : javaRead.message);
    if (typeof javaRead === 'number') log(`java consumer: kafka-consumer-perf-test read ${javaRead} records`);
    const verifies = Object.values(consumed).map((c) => c?.verify).filter((v): v is NonNullable<Summary['verify']> => !!v);
    this.report.lostRecords = verifies.length ? Math.max(...verifies.map((v) => v.missing)) : undefined;
    this.report.reorderedRecords = verifies.length ? Math.max(...verifies.map((v) => v.outOfOrder)) : undefined;
    const stalls = Object.values(produced).map((p) => p?.maxStallMs).filter((n): n is number => typeof n === 'number');
    this.report.rtoS = stalls.length ? round(Math.max(...stalls) / 1000) : undefined;
    // Partitions led by the cut broker wait for kafkajs to give up on it (request timeout) and
    // find the new leader: shown apart, it is the client's share of the outage.
    const partitionStalls = Object.values(produced).map((p) => p?.maxPartitionStallMs).filter((n): n is number => typeof n === 'number');
    this.report.partitionStallS = partitionStalls.length ? round(Math.max(...partitionStalls) / 1000) : undefined;
  }

  readonly checks: { what: string; ok: boolean; detail: string }[] = [];

  check(what: string, ok: boolean, detail: string): void {
    this.checks.push({ what, ok, detail });
  }

  /**
   * Seconds from the cut until Kafka moved the cut region's partition leaders: the controller
   * declared those brokers dead or, when the controller itself was cut off, a broker elsewhere
   * was elected controller (its start-up elects new leaders for every partition without a live
   * one). Kafka's side of the recovery, apart from how fast clients follow.
   */
  private failoverSeconds(region: string, cutAt: number, restoredAt: number): number | undefined {
    const ids = new Set(this.brokers.filter((b) => b.node.region.name === region).map((b) => String(b.node.id)));
    const during = (at: number) => at >= cutAt && at <= restoredAt;
    const moves = [
      ...this.controllerLog(/Newly added brokers: [^,]*, deleted brokers: ([\d,]+),/).filter((e) => e.match[1].split(',').some((id) => ids.has(id))),
      ...this.controllerLog(ELECTED).filter((e) => !ids.has(String(e.controller))),
    ].filter((e) => during(e.at));
    return moves.length ? round((Math.min(...moves.map((e) => e.at)) - cutAt) / 1000) : undefined;
  }

  /**
   * The broker that was Kafka's controller at `at`: the last one the logs show elected before it.
   * A cut controller slows recovery: leaders ask the controller to shrink an ISR (AlterPartition),
   * so acks=all writes wait until a broker elsewhere takes over after the ZooKeeper session timeout.
   */
  private controllerAt(at: number): number | undefined {
    const before = this.controllerLog(ELECTED).filter((e) => e.at <= at);
    return before.length ? before.reduce((a, b) => (b.at > a.at ? b : a)).controller : undefined;
  }

  /** Every `[Controller id=N] <message>` INFO line of every broker's log matching `message`, with its time. */
  private controllerLog(message: RegExp): Array<{ at: number; controller: number; match: RegExpMatchArray }> {
    const line = /^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)[,.](\d{3}) INFO \[Controller id=(\d+)\] (.*)$/gm;
    const out: Array<{ at: number; controller: number; match: RegExpMatchArray }> = [];
    for (const b of this.brokers) {
      let text = '';
      try {
        text = readFileSync(b.service?.logFile ?? '', 'utf8');
      } catch {
        continue;
      }
      for (const m of text.matchAll(line)) {
        const match = message.exec(m[5]);
        if (match) out.push({ at: new Date(`${m[1]}T${m[2]}.${m[3]}`).getTime(), controller: Number(m[4]), match });
      }
    }
    return out;
  }

  private regionOfBroker(id: number): string | undefined {
    return this.brokers.find((b) => b.node.id === id)?.node.region.name;
  }

  async stop(): Promise<void> {
    await stopServices(15_000);
  }
}

/** The message a broker logs when it becomes Kafka's controller. */
const ELECTED = /^\d+ successfully elected as the controller/;

class FatalError extends Error {}

/** The fields of the load program's JSON summary line the harness reads. */
interface Summary {
  records: number;
  maxStallMs: number;
  maxPartitionStallMs?: number;
  errors: number;
  retries: number;
  fatal?: string;
  verify?: { expected: number; missing: number; outOfOrder: number; duplicated: number; ok?: boolean; acknowledged?: number };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

function summarizeIsr(parts: readonly PartitionState[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of parts) out[`isr${p.isr.length}`] = (out[`isr${p.isr.length}`] ?? 0) + 1;
  return out;
}

function lastJson(stdout: string): unknown {
  const lines = stdout.trim().split('\n').reverse();
  for (const l of lines) {
    try {
      return JSON.parse(l);
    } catch {
      // Not the summary line.
    }
  }
  return undefined;
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

async function main(): Promise<number> {
  const command = process.argv[2];
  if (command === 'cleanup') {
    removeNetwork(PREFIX);
    return 0;
  }
  if (command === 'kafka-version') {
    const { values } = parseArgs({ args: process.argv.slice(3), options: { fleet: { type: 'string' } } });
    console.log(loadFleet(values.fleet).kafka.version);
    return 0;
  }
  process.argv.splice(2, command === 'run' ? 1 : 0);
  const h = new Harness();
  let stopping = false;
  const onSignal = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    void h.stop().then(() => {
      removeNetwork(PREFIX);
      process.exit(130);
    });
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  try {
    removeNetwork(PREFIX);
    h.plan();
    mkdirSync(join(h.s.work, 'logs'), { recursive: true });
    h.net.create();
    log(`network: ${h.fleet.regions.length} region hubs on 198.18.0.0/16, one namespace per node, hosts files with the clusterset names`);
    h.issueCertificates();
    h.prepareKafkaHome();
    await h.startZookeeper();
    await h.startBrokers();
    await h.topicAndAcls();
    await h.trust();
    // E2E_STAGES=trust stops after the trust checks (the negative proof in e2e/trust-negative.sh).
    if (h.s.stages !== 'trust') await h.loadWithRegionCut();
    h.report.wallS = round((Date.now() - started) / 1000);
    return printReport(h) ? 0 : 1;
  } catch (e) {
    console.error(`e2e: FAILED: ${(e as Error).message}`);
    console.error(`e2e: logs in ${join(h.s.work, 'logs')}`);
    return 1;
  } finally {
    if (!stopping) {
      await h.stop();
      removeNetwork(PREFIX);
      log('cleanup: processes stopped, namespaces and links removed');
    }
  }
}

/** Prints the figures and every check; true when all checks passed. */
function printReport(h: Harness): boolean {
  const r = h.report;
  const passed = h.checks.every((c) => c.ok);
  const fig = (v: unknown, unit = '') => (v === undefined ? 'n/a' : `${v}${unit}`);
  console.log('');
  if (h.s.stages === 'all') printCutFigures(r, fig);
  console.log(`e2e:   wall time                  ${fig(r.wallS, ' s')}`);
  for (const c of h.checks) console.log(`e2e: ${c.ok ? 'PASS' : 'FAIL'} ${c.what}${c.detail && !c.ok ? ` (${c.detail})` : ''}`);
  const out = { e2e: passed ? 'passed' : 'failed', mode: h.s.mode, stages: h.s.stages, ...r, checks: h.checks };
  writeFileSync(join(h.s.work, 'report.json'), `${JSON.stringify(out, null, 2)}\n`);
  console.log(`e2e: ${passed ? 'PASSED' : 'FAILED'}; report ${join(h.s.work, 'report.json')}, logs ${join(h.s.work, 'logs')}`);
  return passed;
}

function printCutFigures(r: Record<string, unknown>, fig: (v: unknown, unit?: string) => string): void {
  console.log(`e2e: region cut of ${r.cutRegion} for ${fig(r.cutS, ' s')} while producing from ${(r.producingRegions as string[]).join(' and ')}`);
  console.log(`e2e:   lost records (RPO)         ${fig(r.lostRecords)}`);
  console.log(`e2e:   reordered records          ${fig(r.reorderedRecords)}`);
  console.log(`e2e:   longest produce stall (RTO) ${fig(r.rtoS, ' s')} (no record acknowledged anywhere)`);
  console.log(`e2e:   longest partition stall    ${fig(r.partitionStallS, ' s')} (one partition waiting for its batch)`);
  console.log(`e2e:   Kafka failover after cut   ${fig(r.failoverS, ' s')} (controller declared the cut brokers dead or took over from one)`);
  const controller = r.controllerAtCut as { broker: number; region?: string } | undefined;
  const where = controller ? `broker ${controller.broker} in ${controller.region}${controller.region === r.cutRegion ? ', cut off: ISR shrinks waited for a new one' : ''}` : undefined;
  console.log(`e2e:   Kafka controller at the cut ${fig(where)}`);
  console.log(`e2e:   ISR recovery after restore ${fig(r.isrRecoveryS, ' s')}`);
}

void main().then((code) => {
  process.exitCode = code;
});

