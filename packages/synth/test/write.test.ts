import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { buildSync } from 'esbuild';
import { HEADER } from '../src/render';
import { WriteError, writeTree } from '../src/write';

const gen = (body: string) => `${HEADER}\n${body}\n`;

/** Every file and folder below `dir`, with file contents: what "nothing was written" compares. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) {
        out[`${relative(dir, p)}/`] = '';
        walk(p);
      } else out[relative(dir, p)] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

/** An output root holding a generated tree (a.yaml, r/k/one.yaml, r/k/two.yaml, r/old.yaml) and a hand-written file. */
function existingTree(): string {
  const root = join(mkdtempSync(join(tmpdir(), 'write-')), 'clusters');
  writeTree(
    root,
    new Map([
      ['a.yaml', gen('a: 1')],
      ['r/k/one.yaml', gen('one: 1')],
      ['r/k/two.yaml', gen('two: 1')],
      ['r/old.yaml', gen('old: 1')],
    ]),
  );
  writeFileSync(join(root, 'NOTES.md'), 'hand-written\n');
  return root;
}

/** The next tree: a.yaml changed, r/k/one.yaml changed, a new file in a new folder, r/old.yaml gone. */
const next = () =>
  new Map([
    ['a.yaml', gen('a: 2')],
    ['r/k/one.yaml', gen('one: 2')],
    ['r/k/two.yaml', gen('two: 1')],
    ['r/new/deep/three.yaml', gen('three: 1')],
  ]);

function writeError(root: string, files: ReadonlyMap<string, string>): WriteError {
  try {
    writeTree(root, files);
  } catch (e) {
    if (e instanceof WriteError) return e;
    throw e;
  }
  throw new Error('expected a WriteError');
}

test('a normal write replaces, adds and deletes, and keeps hand-written files', () => {
  const root = existingTree();
  const res = writeTree(root, next());
  expect(res).toEqual({ written: ['r/new/deep/three.yaml', 'a.yaml', 'r/k/one.yaml'], unchanged: ['r/k/two.yaml'], deleted: ['r/old.yaml'] });
  expect(readFileSync(join(root, 'a.yaml'), 'utf8')).toBe(gen('a: 2'));
  expect(readFileSync(join(root, 'NOTES.md'), 'utf8')).toBe('hand-written\n');
  expect(Object.keys(tree(root)).filter((p) => p.endsWith('.tmp'))).toEqual([]);
});

test('a hand-written file at a generated path stops the write: it is neither replaced nor kept silently', () => {
  const root = existingTree();
  writeFileSync(join(root, 'r/k/one.yaml'), 'kind: Kustomization\n# mine\n');
  const before = tree(root);
  const e = writeError(root, next());
  expect(e.message).toBe(`${join(root, 'r/k/one.yaml')}: exists without the generated header, so synth did not write it and will not replace it; move it elsewhere; nothing was written`);
  expect(tree(root)).toEqual(before);
  // The same content as the generator's is no conflict: there is nothing to replace.
  writeFileSync(join(root, 'r/k/one.yaml'), gen('one: 2'));
  expect(writeTree(root, next()).unchanged).toContain('r/k/one.yaml');
});

describe('the file system refuses: one line naming the path and the reason, and nothing written', () => {
  test('a folder where a file must go', () => {
    const root = existingTree();
    rmSync(join(root, 'r/k/one.yaml'));
    mkdirSync(join(root, 'r/k/one.yaml'));
    const before = tree(root);
    const e = writeError(root, next());
    expect(e.message).toBe(`${join(root, 'r/k/one.yaml')}: is a folder, the generator needs to write a file there; nothing was written`);
    expect(tree(root)).toEqual(before);
  });

  test('a file where a folder must go', () => {
    const root = existingTree();
    writeFileSync(join(root, 'r/new'), 'in the way\n');
    const before = tree(root);
    const e = writeError(root, next());
    expect(e.message).toBe(`${join(root, 'r/new/deep/three.yaml')}: ${join(root, 'r/new')} is a file, the generator needs a folder there; nothing was written`);
    expect(e.message).not.toContain('\n');
    expect(tree(root)).toEqual(before);
  });

  test('the output root is a file', () => {
    const root = join(mkdtempSync(join(tmpdir(), 'write-')), 'clusters');
    writeFileSync(root, 'not a folder\n');
    expect(writeError(root, next()).message).toBe(`${root}: is a file, the generator needs a folder there; nothing was written`);
    expect(readFileSync(root, 'utf8')).toBe('not a folder\n');
  });

  test('a rename fails half way: the files already replaced are put back, new ones and folders removed', () => {
    const root = existingTree();
    const before = tree(root);
    // The module object itself (an `import * as` namespace would be a copy the writer never calls).
    const fs: typeof import('node:fs') = require('node:fs');
    const rename = fs.renameSync;
    let calls = 0;
    const spy = jest.spyOn(fs, 'renameSync').mockImplementation((from, to) => {
      if (++calls === 3) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC', path: String(from) });
      rename(from, to);
    });
    try {
      const e = writeError(root, next());
      expect(calls).toBe(3);
      expect(e.message).toMatch(new RegExp(`^${root}/.+\\.yaml: no space left on device; nothing was written$`));
    } finally {
      spy.mockRestore();
    }
    expect(tree(root)).toEqual(before);
  });
});

describe('synth command, bad fleet values: one line on stderr, exit 2, output untouched', () => {
  const work = mkdtempSync(join(tmpdir(), 'synth-bad-'));
  const bundle = join(work, 'synth.js');
  const out = join(work, 'clusters');

  beforeAll(() => {
    buildSync({ entryPoints: [join(__dirname, '../src/main.ts')], outfile: bundle, bundle: true, platform: 'node', target: 'node20', format: 'cjs', external: ['lz4-napi'], logLevel: 'error' });
    mkdirSync(join(out, 'us-east4'), { recursive: true });
    writeFileSync(join(out, 'us-east4', 'kustomization.yaml'), gen('resources: []'));
    writeFileSync(join(out, 'NOTES.md'), 'hand-written\n');
  });

  const regions = (podCidr1: string) =>
    'regions:\n' +
    ['a', 'b', 'c']
      .map((r, i) => `  - {name: ${r}, clusterId: ${r}, idBlock: ${i}, podCidr: ${i === 1 ? podCidr1 : `10.${i}.0.0/16`}, serviceCidr: 172.${16 + i}.0.0/16, zookeeperReplicas: 1, kafkaReplicas: 1, producers: 0, consumers: 0, kubeApiServer: "https://${r}:6443"}`)
      .join('\n') +
    '\nkafka: {defaultPartitions: 3}\ntopic: {partitions: 6, managementRegion: a}\nsubmariner: {brokerRegion: a}\n';

  const cases: [string, string, RegExp][] = [
    ['socket buffers above a Java int', 'network:\n  latencyMs: 700\n', /^bad\.yaml: network\.latencyMs = 700: .* Java ints \(at most 2147483647\), so at most 613 ms at this bandwidth$/],
    ['a 58-character namespace', `namespace: ${'k'.repeat(58)}\n`, /^bad\.yaml: namespace = "k{58}": must be at most 57 characters: the KafkaUsers live in "k{58}-users"/],
    ['a CIDR with host bits set', regions('10.1.5.0/16'), /^bad\.yaml: regions\[1\]\.podCidr = "10\.1\.5\.0\/16": is not in canonical form \(host bits set or leading zeros\): write 10\.1\.0\.0\/16$/],
    ['gitops.path going up', 'gitops:\n  path: ../x\n', /^bad\.yaml: gitops\.path = "\.\.\/x": must be a relative folder inside the repository/],
    ['gitops.path absolute', 'gitops:\n  path: /srv/clusters\n', /^bad\.yaml: gitops\.path = "\/srv\/clusters": must be a relative folder inside the repository/],
    ['an unknown platform', 'platform: eks\n', /^bad\.yaml: platform = "eks": must be one of "openshift", "kubernetes"$/],
    ['a Route on plain Kubernetes', 'platform: kubernetes\n', /^bad\.yaml: akhq\.exposure = "route": needs platform "openshift"/],
    ['an empty ingress selector', 'akhq:\n  ingressNamespaceSelector: ""\n', /^bad\.yaml: akhq\.ingressNamespaceSelector = "": must be a label selector/],
  ];
  test.each(cases)('%s', (_name, text, expected) => {
    const before = tree(out);
    writeFileSync(join(work, 'bad.yaml'), text);
    const res = spawnSync(process.execPath, [bundle, '--fleet', 'bad.yaml', '--out', out], { encoding: 'utf8', cwd: work });
    expect(res.status).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(res.stderr.trimEnd()).toMatch(expected);
    expect(tree(out)).toEqual(before);
  });
});
