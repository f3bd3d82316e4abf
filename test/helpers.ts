import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { App, Chart } from 'cdk8s';
import { DEFAULT_FLEET, Fleet, KRAFT_DEFAULT_FLEET, Region, validateFleet } from '@stretched-kafka/fleet';
import { formatProblem, validateObjects } from '@stretched-kafka/validate';

/** Test helpers every package's tests share; they live here so that no package's tests import another's. */

export const clone = (): Fleet => JSON.parse(JSON.stringify(DEFAULT_FLEET));

/** The built-in fleet in KRaft mode (what fleets/kraft.yaml is merged over), as a fresh copy. */
export const kraftClone = (): Fleet => JSON.parse(JSON.stringify(KRAFT_DEFAULT_FLEET));

/**
 * A kafka-storage.sh for sandboxes: `format --cluster-id ID --config FILE` writes the
 * meta.properties Kafka would (cluster and node id) into FILE's log.dirs and prints its arguments.
 */
export const FAKE_KAFKA_STORAGE = {
  'kafka-storage.sh': [
    '[[ "$1 $2 $4" == "format --cluster-id --config" ]] || { echo "unexpected: $*" >&2; exit 2; }',
    'dir=$(sed -n "s/^log\\.dirs=//p" "$5"); node=$(sed -n "s/^node\\.id=//p" "$5")',
    'mkdir -p "$dir" && printf "cluster.id=%s\\nnode.id=%s\\nversion=1\\n" "$3" "$node" > "$dir/meta.properties"',
    'echo "kafka-storage.sh $* heap=$KAFKA_HEAP_OPTS"',
  ].join('\n'),
};

/** What the real-Kafka harness runs: one ZooKeeper node and one broker per region. */
export function reducedFleet(): Fleet {
  const f = clone();
  for (const r of f.regions) {
    r.zookeeperReplicas = 1;
    r.kafkaReplicas = 1;
  }
  return validateFleet(f);
}

/** The reference fleet plus a fourth region without ZooKeeper, and another namespace and domain. */
export function fourRegionFleet(): Fleet {
  const f = clone();
  f.namespace = 'streaming';
  f.network.clusterDomain = 'corp.internal';
  f.kafka.defaultPartitions = 12;
  f.regions.push({ ...f.regions[0], name: 'eu-west1', clusterId: 'cluster4', idBlock: 3, podCidr: '10.140.0.0/14', serviceCidr: '172.28.0.0/16', zookeeperReplicas: 0 });
  return validateFleet(f);
}

export interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [k: string]: any;
}

export function synth(build: (chart: Chart, fleet: Fleet, region: Region) => void, fleet: Fleet, region: Region): Obj[] {
  const chart = new Chart(new App(), 'test', { disableResourceNameHashes: true });
  build(chart, fleet, region);
  return chart.toJson() as Obj[];
}

export const podSpecOf = (o: Obj): any => (o.kind === 'Deployment' || o.kind === 'Job' ? o.spec.template.spec : undefined);

/** The restricted Pod Security profile, field by field, for every container. */
export function expectHardened(o: Obj): void {
  const pod = podSpecOf(o);
  expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
  for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
    expect(c.securityContext).toMatchObject({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(c.resources.requests.cpu).toBeDefined();
    expect(c.resources.requests.memory).toBeDefined();
    expect(c.resources.limits.memory).toBeDefined();
    // a read-only root needs a writable /tmp
    expect(c.volumeMounts.some((m: any) => m.mountPath === '/tmp')).toBe(true);
  }
}

/** Strict validation (unknown fields rejected) against the committed schemas in schemas/, which come from the upstream CRDs. */
export function crdErrors(objects: readonly unknown[]): string[] {
  return validateObjects(objects).map(formatProblem);
}

export function find(objects: Obj[], kind: string, name: string): Obj {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind}/${name} in ${objects.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')}`);
  return o;
}

/** key=value lines of a properties file (comments and blanks skipped); duplicate keys are an error. */
export function properties(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const i = line.indexOf('=');
    const key = line.slice(0, i);
    if (m.has(key)) throw new Error(`duplicate key ${key}`);
    m.set(key, line.slice(i + 1));
  }
  return m;
}

/**
 * A scratch directory laid out like a pod: the ConfigMap keys in cfg/, TLS files in tls/, the
 * trust bundle in trust/, and a
 * KAFKA_HOME whose bin/ scripts record their arguments instead of starting Java, and a jmx/
 * folder holding an (empty) JMX exporter agent jar.
 */
const sandboxes: string[] = [];
afterAll(() => {
  for (const dir of sandboxes.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export function sandbox(configData: Record<string, string>, fakeBin: Record<string, string>): { dir: string; env: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), 'stretched-kafka-'));
  sandboxes.push(dir);
  for (const sub of ['cfg', 'tls', 'tls-clients', 'trust', 'home/bin', 'jmx']) mkdirSync(join(dir, sub), { recursive: true });
  // The image's JMX exporter agent, which start.sh finds by name (packages/platform/src/metrics.ts).
  writeFileSync(join(dir, 'jmx', 'jmx_prometheus_javaagent-0.0.0.jar'), '');
  for (const [k, v] of Object.entries(configData)) writeFileSync(join(dir, 'cfg', k), v);
  for (const tls of ['tls', 'tls-clients']) {
    writeFileSync(join(dir, tls, 'tls-combined.pem'), 'key+chain v1\n');
    writeFileSync(join(dir, tls, 'ca.crt'), '-----BEGIN CERTIFICATE-----\nca v1\n-----END CERTIFICATE-----\n');
  }
  // The trust bundle ConfigMap as generated by default: empty keys.
  for (const key of ['stack-ca.crt', 'application-ca.crt']) writeFileSync(join(dir, 'trust', key), '');
  for (const [name, body] of Object.entries(fakeBin)) {
    writeFileSync(join(dir, 'home/bin', name), `#!/usr/bin/env bash\n${body}\n`);
    chmodSync(join(dir, 'home/bin', name), 0o755);
  }
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    KAFKA_HOME: join(dir, 'home'),
    TLS_DIR: join(dir, 'tls'),
    CLIENT_TLS_DIR: join(dir, 'tls-clients'),
    TRUST_DIR: join(dir, 'trust'),
    TRUSTSTORE_DIR: join(dir, 'tmp', 'truststores'),
    CONFIG_DIR: join(dir, 'cfg'),
    DATA_DIR: join(dir, 'data'),
    RUN_DIR: join(dir, 'run'),
    JMX_EXPORTER_HOME: join(dir, 'jmx'),
  };
  return { dir, env };
}

export function bash(script: string, env: Record<string, string>, args: string[] = []) {
  return spawnSync('bash', [script, ...args], { env, encoding: 'utf8', timeout: 20_000 });
}

export function syntaxErrors(script: string): string {
  const r = spawnSync('bash', ['-n'], { input: script, encoding: 'utf8' });
  return r.status === 0 ? '' : r.stderr;
}
