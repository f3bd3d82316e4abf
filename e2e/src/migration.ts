import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import * as yaml from 'js-yaml';
import { TLS } from '@stretched-kafka/fleet';
import { Harness, NodeRun } from './harness';
import { quorumReplication, quorumTools, startControllers } from './kraft';
import { Producer, Summary, consume, lastJson, startProducer } from './load';
import { log } from './log';
import { assertAlive, configMapWith, startBrokers, startNode, startZookeeper } from './nodes';
import { running, sleep, waitFor } from './proc';
import { startSidecars } from './reload';
import { round } from './report';
import { topicAndAcls } from './topics';
import { K8sObject, Tree } from './tree';

// The ZooKeeper-to-KRaft migration under load (E2E_METADATA=migration): the cluster starts from
// the phase-0 tree (ZooKeeper mode); producers run from two regions for the whole migration; each
// phase is synthesized into the same folder, as a commit of clusters/ over the previous one (so
// synth's phase guard sees every step), and the harness rolls exactly the pods whose StatefulSet
// pod template changed, one region at a time, as GitOps and the StatefulSet controller would.
// After each phase it waits for the state Kafka reports; at the end ZooKeeper is stopped (pruned),
// the producers stop, and consumers in two regions and Kafka's Java consumer read every
// acknowledged record back. Topics, topic configs and ACLs must be what they were in ZooKeeper mode.

/** What each phase rolls (README, "ZooKeeper to KRaft, live"): the StatefulSets whose pod template changes. */
const EXPECTED_ROLLS: Record<number, string[]> = { 1: [], 2: ['kafka'], 3: ['kafka'], 4: ['kafka-controller'] };

interface PhaseFigure {
  phase: number;
  seconds: number;
  rolled: string[];
  /** What the phase waited for at its end, and how long after the phase began Kafka reported it. */
  reached: string;
}

export async function migrationUnderLoad(h: Harness): Promise<void> {
  if (!h.s.fleetFile) throw new Error('E2E_METADATA=migration needs --fleet (e2e/fleet.migration.ci.yaml)');
  const gitops = join(h.s.work, 'gitops');
  const loadDir = join(h.s.work, 'load');
  mkdirSync(loadDir, { recursive: true });
  const phases: PhaseFigure[] = [];

  // Phase 0: the committed ZooKeeper-mode cluster.
  const t0 = Date.now();
  let tree = synthPhase(h, 0, undefined, gitops);
  checkCertificates(h, tree);
  h.tree = tree;
  await startZookeeper(h);
  await startBrokers(h);
  await topicAndAcls(h);
  const clusterId = readClusterId(h.brokers);
  const before = await snapshot(h);
  log(`migration: phase 0 (ZooKeeper mode) serving; cluster id ${clusterId} (from the brokers' meta.properties); ${before.topic.length} partitions, ${before.acls.length} ACL lines`);
  phases.push({ phase: 0, seconds: round((Date.now() - t0) / 1000), rolled: [], reached: 'ZooKeeper quorum, brokers answer, topic and ACLs created' });

  // Producers for the whole migration (stopped with SIGTERM at the end), from two regions.
  const stop = new AbortController();
  const producing = h.fleet.regions.map((r) => r.name).slice(0, 2);
  const producers: Producer[] = producing.map((region) => startProducer(h, region, loadDir, { name: 'migration', durationS: 3600, stop: stop.signal }));
  log(`migration: producers running in ${producing.join(' and ')} at ${h.s.rate} records/s each`);
  await sleep(15_000);

  for (const phase of [1, 2, 3, 4]) {
    const start = Date.now();
    const next = synthPhase(h, phase, clusterId, gitops);
    const rolled = changedTemplates(tree, next);
    const expected = EXPECTED_ROLLS[phase];
    h.report.check(`phase ${phase}: the tree changes the pod template of exactly ${expected.join(', ') || 'no existing StatefulSet'}`, isDeepStrictEqual(rolled, expected), `changed: ${rolled.join(', ') || 'none'}`);
    h.tree = next;
    let reached: string;
    if (phase === 1) reached = await phaseOne(h);
    else if (phase === 2) reached = await phaseTwo(h, start);
    else if (phase === 3) reached = await phaseThree(h, before);
    else reached = await phaseFour(h, start, tree);
    if (phase === 2 && h.s.fault === 'migration-no-roll') {
      // The deliberate breakage has made its point: the run ends here with phase 2's checks.
      stop.abort();
      await Promise.all(producers.map((p) => p.done));
      return log('fault: E2E_FAULT=migration-no-roll: stopping after phase 2');
    }
    tree = next;
    phases.push({ phase, seconds: round((Date.now() - start) / 1000), rolled, reached });
    log(`migration: phase ${phase} done in ${phases[phases.length - 1].seconds} s: ${reached}`);
  }

  // KRaft only from here: the load keeps going without ZooKeeper, then stops.
  await sleep(20_000);
  stop.abort();
  const results = await Promise.all(producers.map(async (p) => ({ ...p, res: await p.done })));
  const produced: Record<string, Summary | undefined> = {};
  for (const p of results) {
    const s = (produced[p.region] = lastJson(p.res.stdout) as Summary | undefined);
    h.report.check(`migration: producer in ${p.region} ran through every phase and exited 0 without a fatal error`, p.res.code === 0 && !!s && !s.fatal, `exit ${p.res.code}${s?.fatal ? `, fatal: ${s.fatal}` : ''}; log: ${p.logFile}`);
  }
  const summaries = producers.map((p) => p.summary).filter((x) => existsSync(x));
  const consumed = summaries.length === producers.length ? await consume(h, [producing[0], h.fleet.regions[2].name], loadDir, summaries, 'migration') : {};
  const acknowledged = Object.values(produced).reduce((n, p) => n + (p?.verify?.acknowledged ?? 0), 0);
  const javaRead = await h.tools.javaConsume(h.fleet.topic.name, acknowledged, `e2e-migration-java-${Date.now()}`).catch((e: Error) => e);
  h.report.check(`migration: Kafka's Java consumer read all ${acknowledged} acknowledged records`, typeof javaRead === 'number' && javaRead >= acknowledged, typeof javaRead === 'number' ? `read ${javaRead}` : javaRead.message);

  const verifies = Object.values(consumed).map((c) => c?.verify).filter((v): v is NonNullable<Summary['verify']> => !!v);
  const stalls = Object.values(produced).map((p) => p?.maxStallMs).filter((n): n is number => typeof n === 'number');
  const partitionStalls = Object.values(produced).map((p) => p?.maxPartitionStallMs).filter((n): n is number => typeof n === 'number');
  h.report.figures.migration = {
    phases,
    totalS: round(phases.reduce((n, p) => n + p.seconds, 0)),
    acknowledged,
    lost: verifies.length ? Math.max(...verifies.map((v) => v.missing)) : undefined,
    reordered: verifies.length ? Math.max(...verifies.map((v) => v.outOfOrder)) : undefined,
    longestStallS: stalls.length ? round(Math.max(...stalls) / 1000) : undefined,
    longestPartitionStallS: partitionStalls.length ? round(Math.max(...partitionStalls) / 1000) : undefined,
    retries: Object.values(produced).reduce((n, p) => n + (p?.retries ?? 0), 0),
    producingRegions: producing,
  };
}

/** Phase 1: the new controllers join next to ZooKeeper; the active one waits for the brokers. */
async function phaseOne(h: Harness): Promise<string> {
  // The controllers dial ZooKeeper with the brokers' certificate, mounted at ZK_TLS_DIR.
  for (const c of h.controllers) mountsSecret(h, c, TLS.kafka.secret);
  await startControllers(h, (c) => ({ ZK_TLS_DIR: h.pki.secretDir(c.node.region.name, TLS.kafka.secret) }));
  const [state, waiting] = await Promise.all([
    waitForLog(h.controllers, PRE_MIGRATION, 'ZkMigrationState PRE_MIGRATION in the metadata log', 120_000).catch((e: Error) => e),
    waitForLog(h.controllers, WAIT_FOR_BROKERS, 'the active controller\'s migration driver waiting for the ZooKeeper-mode brokers', 120_000).catch((e: Error) => e),
  ]);
  h.report.check('phase 1: the controllers recorded ZkMigrationState PRE_MIGRATION', !(state instanceof Error), state instanceof Error ? state.message : '');
  h.report.check('phase 1: the active controller\'s migration driver waits for the ZooKeeper-mode brokers', !(waiting instanceof Error), waiting instanceof Error ? waiting.message : '');
  return `quorum of ${h.controllers.length} controllers; ZkMigrationState PRE_MIGRATION, driver in WAIT_FOR_BROKERS`;
}

/** Phase 2: brokers rolled with the migration settings; the active controller copies the metadata. */
async function phaseTwo(h: Harness, start: number): Promise<string> {
  if (h.s.fault === 'migration-no-roll') log('fault: E2E_FAULT=migration-no-roll: phase 2 is in the tree, but the brokers are not rolled');
  else await rollBrokers(h, 'zookeeper mode, migration settings');
  // Kafka's three signs of phase 2, watched together (each with its own limit).
  const [done, state, observers] = await Promise.all([
    waitForLog(h.controllers, MIGRATION_COMPLETED, 'the controllers to copy the metadata from ZooKeeper (Completed migration of metadata)', 180_000).catch((e: Error) => e),
    waitForLog(h.controllers, MIGRATION, 'ZkMigrationState MIGRATION in the metadata log', 180_000).catch((e: Error) => e),
    waitFor('every broker registered with the KRaft quorum (observers)', 180_000, 3000, async () => {
      const reps = await quorumReplication(quorumTools(h));
      return h.brokers.every((b) => reps.some((r) => r.id === b.node.id && r.status === 'Observer')) ? reps : undefined;
    }).catch((e: Error) => e),
  ]);
  h.report.check('phase 2: the active controller logged the metadata copied from ZooKeeper', !(done instanceof Error), done instanceof Error ? done.message : '');
  h.report.check('phase 2: the controllers recorded ZkMigrationState MIGRATION (every change written to ZooKeeper too)', !(state instanceof Error), state instanceof Error ? state.message : '');
  h.report.check(`phase 2: every broker (${h.brokers.map((b) => b.node.id).join(', ')}) is an observer of the KRaft quorum`, !(observers instanceof Error), observers instanceof Error ? observers.message : '');
  if (done instanceof Error) return 'no migration logged';
  const records = /(\d+) records were generated/.exec(done.line)?.[1];
  return `metadata copied from ZooKeeper +${round((done.at - start) / 1000)} s (${records ?? '?'} records); ZkMigrationState MIGRATION; brokers are quorum observers`;
}

/** Phase 3: brokers rolled into KRaft mode; topics, configs and ACLs as they were. */
async function phaseThree(h: Harness, before: Snapshot): Promise<string> {
  await rollBrokers(h, 'KRaft mode');
  for (const b of h.brokers) {
    const text = readFileSync(b.service!.logFile, 'utf8');
    const since = text.lastIndexOf(RESTART_MARK(b));
    h.report.check(`phase 3: broker ${b.node.id} runs in KRaft mode (BrokerServer) with its old log dirs, nothing formatted`, since >= 0 && /\[BrokerServer id=\d+\]/.test(text.slice(since)) && !/Formatting/.test(text.slice(since)), `log ${b.service!.logFile}`);
  }
  const after = await snapshot(h);
  h.report.check(`phase 3: topic ${h.fleet.topic.name} has the same partitions and replicas as in ZooKeeper mode`, isDeepStrictEqual(after.topic, before.topic), diff(before.topic, after.topic));
  h.report.check('phase 3: topic configuration as in ZooKeeper mode', isDeepStrictEqual(after.configs, before.configs), diff(before.configs, after.configs));
  h.report.check(`phase 3: the ${before.acls.length} ACL lines as in ZooKeeper mode`, before.acls.length > 0 && isDeepStrictEqual(after.acls, before.acls), diff(before.acls, after.acls));
  const racks = await h.tools.brokers();
  h.report.check('phase 3: every broker answers with its old id and its region as rack', h.brokers.every((b) => racks.get(b.node.id) === b.node.region.name), [...racks].map(([id, rack]) => `${id}:${rack}`).join(', '));
  return `every broker in KRaft mode; topic, configs and ${after.acls.length} ACL lines unchanged`;
}

/** Phase 4: controllers restarted out of migration mode; ZooKeeper pruned. */
async function phaseFour(h: Harness, start: number, previous: Tree): Promise<string> {
  const tools = quorumTools(h);
  for (const region of h.fleet.regions) {
    for (const c of h.controllers.filter((x) => x.node.region.name === region.name)) {
      await restartPod(h, c, previous, () => startNode(h, c, configMapWith(h.tree, region.name, 'controller.properties'), TLS.controller.secret, h.s.controllerHeap, { ZK_TLS_DIR: '' }));
      await waitFor(`controller ${c.node.id} back in the quorum`, h.s.startTimeoutS * 1000, 3000, async () => {
        assertAlive(h.controllers);
        const reps = await quorumReplication(tools);
        const me = reps.find((r) => r.id === c.node.id);
        return me && (me.status === 'Leader' || (me.status === 'Follower' && Date.now() - me.lastCaughtUpMs < 10_000)) ? true : undefined;
      });
      log(`migration: controller ${c.node.id} (${region.name}) restarted without the migration settings and caught up`);
    }
  }
  // The ZooKeeper objects left the tree: GitOps prunes the ensemble.
  h.report.check('phase 4: the tree holds no ZooKeeper StatefulSet', h.tree.all('StatefulSet').every((o) => !o.object.metadata.name.startsWith('zookeeper')), '');
  const zkStopped = Date.now();
  for (const z of h.zookeepers) if (z.service && running(z.service)) process.kill(-z.service.child.pid!, 'SIGTERM');
  await Promise.all(h.zookeepers.map((z) => z.service?.exited));
  h.report.check('phase 4: ZooKeeper stopped (every member exited)', h.zookeepers.every((z) => !z.service || !running(z.service)), '');
  log(`migration: ZooKeeper stopped (${h.zookeepers.length} members) +${round((zkStopped - start) / 1000)} s into phase 4`);
  // Without ZooKeeper, the KRaft cluster still takes metadata writes and serves every broker.
  const probe = `${h.fleet.topic.name}-after-migration`;
  const created = await h.tools.createTopic(probe, 3, h.fleet.kafka.replicationFactor, {}).then(() => h.tools.describe(probe)).catch((e: Error) => e);
  h.report.check('phase 4: a topic can be created with ZooKeeper gone (the quorum takes metadata writes)', Array.isArray(created) && created.length === 3 && created.every((p) => p.isr.length === h.fleet.kafka.replicationFactor), Array.isArray(created) ? `${created.length} partitions` : created.message);
  const finalized = await waitForLog(h.controllers, POST_MIGRATION, 'ZkMigrationState POST_MIGRATION in the metadata log', 60_000).catch((e: Error) => e);
  h.report.check('phase 4: the controllers recorded ZkMigrationState POST_MIGRATION (finalized)', !(finalized instanceof Error), finalized instanceof Error ? finalized.message : '');
  return `ZkMigrationState POST_MIGRATION; ZooKeeper stopped +${round((zkStopped - start) / 1000)} s; a topic created without it`;
}

// What Kafka 3.9's controllers log: the ZkMigrationState records as they replay them (the
// ZkMigrationState metric's values), and the migration driver's state and its one-off copy.
const PRE_MIGRATION = /Replayed a ZkMigrationStateRecord changing the migration state from NONE to PRE_MIGRATION/;
const MIGRATION = /Replayed a ZkMigrationStateRecord changing the migration state from PRE_MIGRATION to MIGRATION/;
const POST_MIGRATION = /Replayed a ZkMigrationStateRecord changing the migration state from MIGRATION to POST_MIGRATION/;
const WAIT_FOR_BROKERS = /KRaftMigrationDriver id=\d+\] \d+ transitioning from \w+ to WAIT_FOR_BROKERS state/;
const MIGRATION_COMPLETED = /Completed migration of metadata from ZooKeeper to KRaft/;

/** A line that a node logged since its current process started. */
async function waitForLog(nodes: readonly NodeRun[], pattern: RegExp, what: string, timeoutMs: number): Promise<{ pod: string; line: string; at: number }> {
  return waitFor(what, timeoutMs, 2000, async () => {
    assertAlive(nodes);
    for (const n of nodes) {
      const text = readFileSync(n.service!.logFile, 'utf8');
      const since = text.lastIndexOf(RESTART_MARK(n));
      const line = text.slice(Math.max(0, since)).split('\n').find((l) => pattern.test(l));
      if (line) return { pod: `${n.node.region.name}/${n.node.pod}`, line: line.replace(/^\S+ \S+ /, ''), at: Date.now() };
    }
    return undefined;
  });
}

/** The line the harness writes into a node's log before each start, so checks read only the current run. */
const RESTART_MARK = (n: NodeRun) => `e2e: start ${n.node.pod} #`;

/** Brokers one region at a time: each restarted with the new tree, then the region waits for a full ISR (the next region rolls only then). */
async function rollBrokers(h: Harness, mode: string): Promise<void> {
  for (const region of h.fleet.regions) {
    for (const b of h.brokers.filter((x) => x.node.region.name === region.name)) {
      const t = Date.now();
      await restartPod(h, b, h.tree, () => {
        startNode(h, b, configMapWith(h.tree, region.name, 'server.properties'), TLS.kafka.secret, h.s.brokerHeap, { CLIENT_TLS_DIR: h.pki.secretDir(region.name, TLS.kafkaClients.secret) });
        startSidecars(h, b);
      });
      await waitFor(`broker ${b.node.id} back, every partition with a full ISR`, h.s.isrTimeoutS * 1000, 3000, async () => {
        assertAlive(h.brokers);
        const found = await h.tools.brokers();
        if (!found.has(b.node.id)) return undefined;
        const parts = await h.tools.describe(h.fleet.topic.name);
        return parts.length === h.fleet.topic.partitions && parts.every((p) => p.isr.length === p.replicas.length) ? true : undefined;
      });
      log(`migration: broker ${b.node.id} (${region.name}) rolled into ${mode}; full ISR again after ${round((Date.now() - t) / 1000)} s`);
    }
  }
}

/**
 * Restarts a pod as the StatefulSet controller replaces it: SIGTERM to every container, the
 * grace period of the (old) pod template, SIGKILL for what is left, then `start` with the new tree.
 */
async function restartPod(h: Harness, r: NodeRun, oldTree: Tree, start: () => void): Promise<void> {
  const set = oldTree.all('StatefulSet', r.node.region.name).find((o) => r.node.pod === `${o.object.metadata.name}-${r.node.ordinal}`);
  const grace = ((set?.object.spec as { template?: { spec?: { terminationGracePeriodSeconds?: number } } })?.template?.spec?.terminationGracePeriodSeconds ?? 30) * 1000;
  const services = [r.service, ...r.sidecars].filter((s): s is NonNullable<typeof s> => !!s && running(s));
  for (const s of services) process.kill(-s.child.pid!, 'SIGTERM');
  await Promise.race([Promise.all(services.map((s) => s.exited)), sleep(grace)]);
  for (const s of services.filter(running)) process.kill(-s.child.pid!, 'SIGKILL');
  await Promise.all(services.map((s) => s.exited));
  r.sidecars.splice(0);
  markRestart(h, r);
  start();
}

function markRestart(h: Harness, r: NodeRun): void {
  const file = join(h.s.work, 'logs', `${r.node.region.name}-${r.node.pod}.log`);
  writeFileSync(file, `${RESTART_MARK(r)}${Date.now()}\n`, { flag: 'a' });
}

/**
 * The tree of `phase` synthesized into `out` over the previous phase's (synth refuses a skipped
 * phase or a way back Kafka does not allow against what is there). The fleet is the harness's
 * fleet file with `metadata` and the per-region counts of the phase.
 */
function synthPhase(h: Harness, phase: number, clusterId: string | undefined, out: string): Tree {
  const base = yaml.load(readFileSync(h.s.fleetFile!, 'utf8')) as { regions: Record<string, unknown>[]; metadata?: unknown };
  const fleet = {
    ...base,
    metadata: phase === 0 ? { mode: 'zookeeper' } : { mode: 'migration', phase, clusterId },
    regions: base.regions.map((r) => ({ ...r, controllerReplicas: phase === 0 ? 0 : r.controllerReplicas, zookeeperReplicas: phase === 4 ? 0 : r.zookeeperReplicas })),
  };
  const file = join(h.s.work, `fleet-phase-${phase}.yaml`);
  writeFileSync(file, JSON.stringify(fleet, null, 2));
  const r = spawnSync(process.execPath, [h.s.synth, '--fleet', file, '--out', out], { encoding: 'utf8', timeout: 120_000 });
  const res = { code: r.status, text: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() };
  h.report.check(`phase ${phase}: npm run synth wrote the phase's tree over the previous one`, res.code === 0, res.text);
  if (res.code !== 0) throw new Error(`synth of phase ${phase} failed: ${res.text}`);
  log(`migration: phase ${phase} synthesized: ${res.text.split('\n').filter((l) => /^synth: \d+ regions/.test(l)).join(' ')}`);
  return new Tree(out);
}

/** The StatefulSets (by name, any region) whose pod template differs between two trees (new ones excluded). */
function changedTemplates(a: Tree, b: Tree): string[] {
  const names = new Set<string>();
  for (const o of b.all('StatefulSet')) {
    const old = a.find('StatefulSet', o.object.metadata.name, o.region);
    if (old && !isDeepStrictEqual(template(old.object), template(o.object))) names.add(o.object.metadata.name);
  }
  return [...names].sort();
}

function template(o: K8sObject): unknown {
  return (o.spec as { template?: unknown }).template;
}

/** The certificates were issued from the phase-1 tree: the phase-0 tree's must be the same objects. */
function checkCertificates(h: Harness, phase0: Tree): void {
  const differ = phase0.all('Certificate').filter((c) => !isDeepStrictEqual(h.tree.find('Certificate', c.object.metadata.name, c.region)?.object.spec, c.object.spec));
  h.report.check('phase 0: every Certificate of the ZooKeeper-mode tree is the one issued (from the migration tree)', differ.length === 0, differ.map((c) => `${c.region}/${c.object.metadata.name}`).join(', '));
}

function mountsSecret(h: Harness, c: NodeRun, secret: string): void {
  const set = h.tree.all('StatefulSet', c.node.region.name).find((o) => c.node.pod === `${o.object.metadata.name}-${c.node.ordinal}`);
  const volumes = ((set?.object.spec as { template?: { spec?: { volumes?: { secret?: { secretName?: string } }[] } } })?.template?.spec?.volumes ?? []);
  if (!volumes.some((v) => v.secret?.secretName === secret)) throw new Error(`controller ${c.node.pod} in ${c.node.region.name}: its StatefulSet mounts no Secret ${secret}, which the harness would pass as ZK_TLS_DIR`);
}

/** The cluster id every broker's meta.properties holds (one id, or the run stops). */
function readClusterId(brokers: readonly NodeRun[]): string {
  const ids = new Set<string>();
  for (const b of brokers) {
    const meta = findFile(join(b.dir, 'data'), 'meta.properties');
    const id = meta && /^cluster\.id=(.+)$/m.exec(readFileSync(meta, 'utf8'))?.[1];
    if (!id) throw new Error(`broker ${b.node.id}: no cluster.id in a meta.properties under ${join(b.dir, 'data')}`);
    ids.add(id.trim());
  }
  if (ids.size !== 1) throw new Error(`the brokers' meta.properties hold ${ids.size} cluster ids: ${[...ids].join(', ')}`);
  return [...ids][0];
}

function findFile(dir: string, name: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (e === name) return p;
    if (statSync(p).isDirectory()) {
      const found = findFile(p, name);
      if (found) return found;
    }
  }
  return undefined;
}

interface Snapshot {
  topic: string[];
  configs: string[];
  acls: string[];
}

/** The topic's partitions and replicas, its configuration overrides and every ACL, as the admin tools print them (sorted lines). */
async function snapshot(h: Harness): Promise<Snapshot> {
  const t = h.tools;
  const topic = (await t.describe(h.fleet.topic.name)).map((p) => `${p.partition}: ${p.replicas.join(',')}`);
  const cfg = await t.tool('kafka-configs.sh', ['--bootstrap-server', t.bootstrap, '--command-config', t.clientConfig, '--describe', '--entity-type', 'topics', '--entity-name', h.fleet.topic.name]);
  const configs = [...cfg.stdout.matchAll(/^\s+([a-z0-9.]+=\S*) sensitive=/gm)].map((m) => m[1]).sort();
  const acls = (await t.listAcls()).split('\n').map((l) => l.trim()).filter((l) => l.length > 0).sort();
  return { topic, configs, acls };
}

function diff(a: readonly string[], b: readonly string[]): string {
  const gone = a.filter((x) => !b.includes(x));
  const added = b.filter((x) => !a.includes(x));
  return `missing: ${gone.slice(0, 5).join(' | ') || 'none'}; new: ${added.slice(0, 5).join(' | ') || 'none'}`;
}
