// Fleet changes users make, as fleet.yaml overrides over the fleet the committed tree comes from
// (fleet.yaml at the repository root, if any, over the built-in defaults). Each is synthesized
// into its own folder with the generator's own synth (dist/synth.js).
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { Fleet, Region } from '@stretched-kafka/fleet';
import { run } from './proc';
import { Obj } from './tree';

export interface Change {
  readonly id: string;
  readonly what: string;
  /** the override's fields (merged over the user's fleet.yaml); lists replace, as in fleet.yaml */
  readonly override: Obj;
  /** the region this change adds (its tree goes to a control plane of its own) */
  readonly addsRegion?: string;
}

/** Keeps kafka.defaultPartitions and topic.partitions multiples of the broker count, as synth requires. */
function partitionsFor(f: Fleet, regions: readonly Region[]): Obj {
  const brokers = regions.reduce((a, r) => a + r.kafkaReplicas, 0);
  const out: Obj = {};
  if (f.kafka.defaultPartitions % brokers !== 0) out.kafka = { defaultPartitions: brokers };
  if (f.topic.partitions % brokers !== 0) out.topic = { partitions: Math.ceil(f.topic.partitions / brokers) * brokers };
  return out;
}

function merge(a: Obj, b: Obj): Obj {
  const out: Obj = { ...a };
  for (const [k, v] of Object.entries(b)) {
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && a[k] && typeof a[k] === 'object' && !Array.isArray(a[k]) ? merge(a[k], v) : v;
  }
  return out;
}

/** A CIDR block of the given prefix length not overlapping any of `taken` (simple scan of 10.0.0.0/8 or 172.16.0.0/12). */
function freeCidr(taken: readonly string[], base: string, prefix: number): string {
  const toInt = (ip: string): number => ip.split('.').reduce((a, o) => a * 256 + Number(o), 0);
  const ranges = taken.map((c) => {
    const [ip, len] = c.split('/');
    const start = toInt(ip);
    return [start, start + 2 ** (32 - Number(len)) - 1];
  });
  const [bip, blen] = base.split('/');
  const size = 2 ** (32 - prefix);
  for (let s = toInt(bip); s < toInt(bip) + 2 ** (32 - Number(blen)); s += size) {
    if (ranges.every(([a, b]) => s + size - 1 < a || s > b)) return `${[24, 16, 8, 0].map((sh) => (s >>> sh) & 255).join('.')}/${prefix}`;
  }
  throw new Error(`no free /${prefix} in ${base}`);
}

export function fleetChanges(f: Fleet): Change[] {
  const changes: Change[] = [];
  const more = f.regions.map((r) => ({ ...r, kafkaReplicas: r.kafkaReplicas + 1 }));
  changes.push({ id: 'add-broker', what: 'one more broker per region (regions[].kafkaReplicas + 1)', override: merge({ regions: more }, partitionsFor(f, more)) });

  const taken = f.regions.flatMap((r) => [r.podCidr, r.serviceCidr]);
  const zk = f.regions.reduce((a, r) => a + r.zookeeperReplicas, 0);
  const last = f.regions[f.regions.length - 1];
  const added: Region = {
    ...last,
    name: 'us-south1',
    clusterId: `cluster${f.regions.length + 1}`,
    idBlock: Math.max(...f.regions.map((r) => r.idBlock)) + 1,
    podCidr: freeCidr(taken, '10.0.0.0/8', Number(last.podCidr.split('/')[1])),
    serviceCidr: freeCidr(taken, '172.16.0.0/12', Number(last.serviceCidr.split('/')[1])),
    // the ensemble stays odd and no region holds a majority
    zookeeperReplicas: zk % 2 === 1 ? 2 : 1,
    kubeApiServer: `https://api.cluster${f.regions.length + 1}.example.com:6443`,
  };
  const withRegion = [...f.regions, added];
  changes.push({ id: 'add-region', what: `a region ${added.name} (${added.clusterId}, ${added.zookeeperReplicas} ZooKeeper, ${added.kafkaReplicas} brokers)`, override: merge({ regions: withRegion }, partitionsFor(f, withRegion)), addsRegion: added.name });

  const [maj, min, patch] = f.kafka.version.split('.').map(Number);
  const other = `${maj}.${min}.${patch > 0 ? patch - 1 : patch + 1}`;
  const image = f.kafka.image.replace(/-kafka-\d+\.\d+\.\d+/, `-kafka-${other}`);
  changes.push({ id: 'kafka-version', what: `kafka.version ${f.kafka.version} -> ${other} (image ${image})`, override: { kafka: { version: other, image } } });

  const m = /^(\d+)(\w+)$/.exec(f.kafka.storage.size);
  const bigger = m ? `${Math.round(Number(m[1]) * 1.5)}${m[2]}` : '500Gi';
  changes.push({ id: 'storage-size', what: `kafka.storage.size ${f.kafka.storage.size} -> ${bigger}`, override: { kafka: { storage: { size: bigger } } } });

  changes.push({ id: 'load-run', what: `load.run ${f.load.run} -> ${f.load.run + 1}`, override: { load: { run: f.load.run + 1 } } });
  changes.push({ id: 'topic-rename', what: `topic.name ${f.topic.name} -> ${f.topic.name}-v2`, override: { topic: { name: `${f.topic.name}-v2` } } });
  const target = f.regions.find((r) => r.name !== f.topic.managementRegion)!.name;
  changes.push({ id: 'management-region', what: `topic.managementRegion ${f.topic.managementRegion} -> ${target}`, override: { topic: { managementRegion: target } } });
  return changes;
}

export interface Recreate {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  /** the region whose tree holds the object (first path segment after the gitops path) */
  readonly region: string;
  readonly fields: string;
  readonly procedure: string;
}

export interface Synth {
  readonly ok: boolean;
  /** synth's own refusal (its one line) when !ok */
  readonly message: string;
  /** the refusal is the immutable-change guard (not a validation error) */
  readonly guard: boolean;
  readonly root: string;
  /** with allowRecreate: what synth says must be recreated, and how */
  readonly recreate: Recreate[];
}

/**
 * Synthesizes the user's fleet (+ override) into <dir>/<gitops path> with dist/synth.js. With
 * `onto`, that tree is copied there first: synth then compares against it as against the
 * committed tree (its guard refuses changes the API server cannot make in place).
 */
export async function synth(repo: string, dir: string, override: Obj | undefined, clustersPath: string, opts: { onto?: string; allowRecreate?: boolean } = {}): Promise<Synth> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  if (opts.onto) cpSync(join(opts.onto, clustersPath), join(dir, clustersPath), { recursive: true });
  const user = join(repo, 'fleet.yaml');
  const args = [join(repo, 'dist/synth.js'), '--out', join(dir, clustersPath)];
  if (override) {
    const base = existsSync(user) ? ((yaml.load(readFileSync(user, 'utf8')) as Obj | null) ?? {}) : {};
    const file = join(dir, 'fleet.yaml');
    writeFileSync(file, yaml.dump(merge(base, override), { lineWidth: -1 }));
    args.push('--fleet', file);
  } else if (existsSync(user)) args.push('--fleet', user);
  if (opts.allowRecreate) args.push('--allow-recreate');
  const r = await run('node', args, { cwd: repo, timeoutMs: 60_000 });
  const lines = r.stderr.split('\n').filter((l) => l.trim() && !l.startsWith('synth: note:'));
  const recreate: Recreate[] = [];
  for (const l of lines) {
    const m = /^synth: --allow-recreate: (\S+) (?:(\S+)\/)?(\S+) \((\S+)\): (.*?); before its sync: (.*)$/.exec(l);
    if (!m) continue;
    const rel = m[4].startsWith(`${clustersPath}/`) ? m[4].slice(clustersPath.length + 1) : m[4];
    recreate.push({ kind: m[1], namespace: m[2] ?? '', name: m[3], region: rel.split('/')[0], fields: m[5], procedure: m[6] });
  }
  const message = (r.code === 0 ? '' : lines.filter((l) => !l.startsWith('synth: --allow-recreate:')).join(' ') || r.stdout.trim()).trim();
  return { ok: r.code === 0, message, guard: r.code !== 0 && /cannot change in place/.test(message), root: dir, recreate };
}
