import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { buildSync } from 'esbuild';

// The synth command as users run it: a bundled script, exit codes, stderr, what lands on disk.

const work = mkdtempSync(join(tmpdir(), 'synth-cli-'));
const bundle = join(work, 'synth.js');

beforeAll(() => {
  buildSync({ entryPoints: ['packages/synth/src/main.ts'], outfile: bundle, bundle: true, platform: 'node', target: 'node20', format: 'cjs', external: ['lz4-napi'], loader: { '.sh': 'text' }, logLevel: 'error' });
});

function synth(args: string[]) {
  return spawnSync(process.execPath, [bundle, ...args], { encoding: 'utf8', cwd: work });
}

function snapshotDir(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

describe('synth command', () => {
  const out = join(work, 'clusters');

  test('writes three region folders, keeps files it does not own, and a second run changes nothing', () => {
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'NOTES.md'), 'hand-written\n');
    mkdirSync(join(out, 'us-east4'), { recursive: true });
    writeFileSync(join(out, 'us-east4', 'extra.yaml'), 'kind: ConfigMap\n');
    const first = synth(['--out', out]);
    expect(first.status).toBe(0);
    expect(first.stderr).toMatch(/^synth: note: still placeholders \(set them in fleet\.yaml before syncing\): regions\[0\]\.kubeApiServer, /);
    expect(first.stdout).toMatch(/^synth: 3 regions \(us-east4, us-central1, us-west4\), \d+ objects, \d+ files in .*clusters\//);
    for (const r of ['us-east4', 'us-central1', 'us-west4']) expect(existsSync(join(out, r, 'kustomization.yaml'))).toBe(true);
    expect(readFileSync(join(out, 'NOTES.md'), 'utf8')).toBe('hand-written\n');
    expect(readFileSync(join(out, 'us-east4', 'extra.yaml'), 'utf8')).toBe('kind: ConfigMap\n');
    const before = snapshotDir(out);
    const second = synth(['--out', out]);
    expect(second.status).toBe(0);
    expect(second.stdout).toMatch(/\(0 written, 0 deleted, \d+ unchanged\)/);
    expect(snapshotDir(out)).toEqual(before);
  });

  test('a region dropped from the fleet has its generated files deleted, unowned files kept', () => {
    const fleet = join(work, 'moved.yaml');
    // us-west4 is replaced by eu-west1: at least replicationFactor regions remain.
    writeFileSync(fleet, 'regions:\n' + ['us-east4', 'us-central1', 'eu-west1'].map((r, i) => `  - {name: ${r}, clusterId: c${i}, idBlock: ${i}, podCidr: 10.${i}.0.0/16, serviceCidr: 172.${16 + i}.0.0/16, zookeeperReplicas: 1, kafkaReplicas: 1, producers: 1, consumers: 1, kubeApiServer: "https://c${i}:6443"}`).join('\n') + '\nkafka: {defaultPartitions: 3}\ntopic: {partitions: 6}\n# New Job templates under the old names would be refused (immutable): a new load run.\nload: {run: 2}\n');
    const res = synth(['--fleet', fleet, '--out', out]);
    // The API servers are real here; the rest of the built-in placeholders are still named.
    expect(res.stderr).toBe('synth: note: still placeholders (set them in fleet.yaml before syncing): submariner.brokerApiServer, gitops.repoUrl, load.image, akhq.domain, monitoring.runbookUrl\n');
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(/\d+ deleted/);
    expect(existsSync(join(out, 'us-west4'))).toBe(false);
    expect(existsSync(join(out, 'eu-west1', 'kustomization.yaml'))).toBe(true);
    expect(readFileSync(join(out, 'us-east4', 'extra.yaml'), 'utf8')).toBe('kind: ConfigMap\n');
    expect(readFileSync(join(out, 'NOTES.md'), 'utf8')).toBe('hand-written\n');
  });

  const bad: [string, string, RegExp][] = [
    ['min ISR >= RF', 'kafka:\n  minInsyncReplicas: 3\n', /^bad\.yaml: kafka\.minInsyncReplicas = 3: must be below kafka\.replicationFactor \(3\)/],
    ['unparseable file', 'kafka: [\n', /^bad\.yaml: \(file\) = "bad\.yaml": must be valid YAML/],
    ['unknown key', 'kafak: {}\n', /^bad\.yaml: kafak = \{\}: unknown key/],
    ['overlapping CIDRs', 'regions:\n  - {name: a, clusterId: a, idBlock: 0, podCidr: 10.0.0.0/8, serviceCidr: 172.16.0.0/16, zookeeperReplicas: 1, kafkaReplicas: 1, producers: 0, consumers: 0, kubeApiServer: "https://a:6443"}\n  - {name: b, clusterId: b, idBlock: 1, podCidr: 10.1.0.0/16, serviceCidr: 172.17.0.0/16, zookeeperReplicas: 1, kafkaReplicas: 1, producers: 0, consumers: 0, kubeApiServer: "https://b:6443"}\n  - {name: c, clusterId: c, idBlock: 2, podCidr: 10.200.0.0/16, serviceCidr: 172.18.0.0/16, zookeeperReplicas: 1, kafkaReplicas: 1, producers: 0, consumers: 0, kubeApiServer: "https://c:6443"}\nkafka: {defaultPartitions: 3}\ntopic: {partitions: 6, managementRegion: a}\nsubmariner: {brokerRegion: a}\n', /^bad\.yaml: regions\[1\]\.podCidr = "10\.1\.0\.0\/16": overlaps regions\[0\]\.podCidr \(10\.0\.0\.0\/8\)/],
  ];
  test.each(bad)('bad input (%s): one line on stderr, exit 2, output untouched', (_name, text, expected) => {
    const before = snapshotDir(out);
    writeFileSync(join(work, 'bad.yaml'), text);
    const res = synth(['--fleet', 'bad.yaml', '--out', out]);
    expect(res.status).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(expected);
    expect(snapshotDir(out)).toEqual(before);
  });

  test('a change the API server refuses in place stops synth with one line and writes nothing; --allow-recreate writes it', () => {
    const dir = join(work, 'immutable');
    expect(synth(['--out', dir]).status).toBe(0);
    const before = snapshotDir(dir);
    const fleet = join(work, 'storage.yaml');
    writeFileSync(fleet, 'kafka:\n  storage:\n    size: 500Gi\n');
    const refused = synth(['--fleet', fleet, '--out', dir]);
    expect(refused.status).toBe(2);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toContain('StatefulSet kafka/kafka in us-central1/kafka/StatefulSet-kafka.yaml: spec.volumeClaimTemplates cannot change in place');
    expect(refused.stderr).toContain('delete statefulset kafka --cascade=orphan');
    expect(snapshotDir(dir)).toEqual(before);
    const allowed = synth(['--fleet', fleet, '--out', dir, '--allow-recreate']);
    expect(allowed.status).toBe(0);
    expect(allowed.stderr.match(/^synth: --allow-recreate: StatefulSet kafka\/kafka/gm)).toHaveLength(3);
    expect(readFileSync(join(dir, 'us-east4', 'kafka', 'StatefulSet-kafka.yaml'), 'utf8')).toContain('storage: 500Gi');
  });

  test('an explicit --fleet file that does not exist is an error, not the defaults', () => {
    const res = synth(['--fleet', 'flet.yaml', '--out', out]);
    expect(res.status).toBe(2);
    expect(res.stderr).toBe('flet.yaml: --fleet = "flet.yaml": no such file (leave the flag out to use fleet.yaml or the built-in defaults)\n');
  });

  test('an unknown flag is a usage error', () => {
    const res = synth(['--frobnicate']);
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/Unknown option '--frobnicate'/);
  });

  test('npm run synth prints its summary (smoke of the bundled path)', () => {
    expect(execFileSync(process.execPath, [bundle, '--help'], { encoding: 'utf8' })).toMatch(/usage: synth/);
  });
});
