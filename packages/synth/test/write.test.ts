import { cpSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
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
    buildSync({ entryPoints: [join(__dirname, '../src/main.ts')], outfile: bundle, bundle: true, platform: 'node', target: 'node20', format: 'cjs', external: ['lz4-napi'], loader: { '.sh': 'text' }, logLevel: 'error' });
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

/** Like tree(), but a link is recorded as its target and never followed. */
function linkTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      const st = lstatSync(p);
      if (st.isSymbolicLink()) out[relative(dir, p)] = `-> ${readlinkSync(p)}`;
      else if (st.isDirectory()) {
        out[`${relative(dir, p)}/`] = '';
        walk(p);
      } else out[relative(dir, p)] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

describe('links below the output root are never followed: one line, nothing written anywhere', () => {
  const LINK = 'is a symbolic link; synth never writes through a link (it could lead out of the output tree): replace it with a real folder or file, or remove it; nothing was written';
  const setup = () => {
    const root = existingTree();
    const outside = mkdtempSync(join(tmpdir(), 'outside-'));
    return { root, outside };
  };

  test('a layer folder that is a link to a folder outside', () => {
    const { root, outside } = setup();
    rmSync(join(root, 'r/k'), { recursive: true });
    symlinkSync(outside, join(root, 'r/k'));
    const before = linkTree(root);
    expect(writeError(root, next()).message).toBe(`${join(root, 'r/k')}: ${LINK}`);
    expect(readdirSync(outside)).toEqual([]);
    expect(linkTree(root)).toEqual(before);
  });

  test('a link where a generated file goes', () => {
    const { root, outside } = setup();
    writeFileSync(join(outside, 'secret'), 'keep\n');
    rmSync(join(root, 'a.yaml'));
    symlinkSync(join(outside, 'secret'), join(root, 'a.yaml'));
    expect(writeError(root, next()).message).toBe(`${join(root, 'a.yaml')}: ${LINK}`);
    expect(readFileSync(join(outside, 'secret'), 'utf8')).toBe('keep\n');
  });

  test('the output root itself is a link', () => {
    const { root, outside } = setup();
    const link = join(mkdtempSync(join(tmpdir(), 'linkroot-')), 'clusters');
    cpSync(root, outside, { recursive: true });
    symlinkSync(outside, link);
    const before = linkTree(outside);
    expect(writeError(link, next()).message).toBe(`${link}: ${LINK}`);
    expect(linkTree(outside)).toEqual(before);
  });

  test('a pipe where a generated file goes is refused, not read (which would block)', () => {
    const root = existingTree();
    rmSync(join(root, 'r/k/two.yaml'));
    expect(spawnSync('mkfifo', [join(root, 'r/k/two.yaml')]).status).toBe(0);
    expect(writeError(root, next()).message).toBe(`${join(root, 'r/k/two.yaml')}: is a device, socket or pipe, not a file synth can replace; remove it; nothing was written`);
  });

  test('links elsewhere in the tree that synth does not write through are left alone', () => {
    const { root, outside } = setup();
    symlinkSync(outside, join(root, 'my-notes'));
    expect(writeTree(root, next()).written).toContain('a.yaml');
    expect(readdirSync(outside)).toEqual([]);
  });
});

describe('synth command, hostile files and trees: one line on stderr, no stack trace, output untouched', () => {
  const work = mkdtempSync(join(tmpdir(), 'synth-hostile-'));
  const bundle = join(work, 'synth.js');
  const pristine = join(work, 'pristine');
  const run = (args: string[], cwd = work) => spawnSync(process.execPath, [bundle, ...args], { encoding: 'utf8', cwd, timeout: 20_000 });

  beforeAll(() => {
    buildSync({ entryPoints: [join(__dirname, '../src/main.ts')], outfile: bundle, bundle: true, platform: 'node', target: 'node20', format: 'cjs', external: ['lz4-napi'], loader: { '.sh': 'text' }, logLevel: 'error' });
    expect(run(['--out', pristine]).status).toBe(0);
  });

  const expectOneLine = (res: ReturnType<typeof run>, status: number, expected: RegExp) => {
    expect(res.status).toBe(status);
    expect(res.stdout).toBe('');
    expect(res.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(res.stderr).not.toMatch(/^\s+at /m);
    expect(res.stderr.trimEnd()).toMatch(expected);
  };

  test('a symlinked layer folder pointing outside: exit 1, the outside folder stays empty, clusters/ untouched', () => {
    const dir = mkdtempSync(join(work, 'layer-'));
    const out = join(dir, 'clusters');
    const outside = join(dir, 'outside');
    cpSync(pristine, out, { recursive: true });
    mkdirSync(outside);
    rmSync(join(out, 'us-east4/kafka'), { recursive: true });
    symlinkSync(outside, join(out, 'us-east4/kafka'));
    // A fleet that changes the brokers' files, so that a writer following the link would write there.
    writeFileSync(join(dir, 'fleet.yaml'), 'kafka:\n  heapMb: 4096\n');
    const before = linkTree(out);
    expectOneLine(run(['--fleet', 'fleet.yaml', '--out', 'clusters'], dir), 1, /^clusters\/us-east4\/kafka: is a symbolic link; synth never writes through a link/);
    expect(readdirSync(outside)).toEqual([]);
    expect(linkTree(out)).toEqual(before);
  });

  const bomb = ['l0: &l0 [x, x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 9 }, (_, i) => `l${i + 1}: &l${i + 1} [${Array(10).fill(`*l${i}`).join(', ')}]`), 'regions: *l9', ''].join('\n');
  const files: [string, () => string, RegExp][] = [
    ['a folder as the fleet file', () => (mkdirSync(join(work, 'folder.yaml'), { recursive: true }), 'folder.yaml'), /^folder\.yaml: --fleet = "folder\.yaml": is not a regular file/],
    ['a device as the fleet file', () => '/dev/zero', /^\/dev\/zero: --fleet = "\/dev\/zero": is not a regular file/],
    ['an alias bomb', () => (writeFileSync(join(work, 'bomb.yaml'), bomb), 'bomb.yaml'), /^bomb\.yaml: \(file\) = "bomb\.yaml": must hold at most 20000 values once YAML aliases are expanded/],
    ['a file above 1 MiB', () => (writeFileSync(join(work, 'big.yaml'), `#${' '.repeat(2 ** 20)}\n`), 'big.yaml'), /^big\.yaml: --fleet = "big\.yaml": is 1048578 bytes; a fleet file may have at most 1048576/],
    ['nesting that overflows the YAML parser', () => (writeFileSync(join(work, 'deep.yaml'), `a: ${'['.repeat(100_000)}\n`), 'deep.yaml'), /^deep\.yaml: \(file\) = "deep\.yaml": must be valid YAML/],
  ];
  test.each(files)('%s: exit 2', (_name, make, expected) => {
    const out = join(mkdtempSync(join(work, 'out-')), 'clusters');
    cpSync(pristine, out, { recursive: true });
    const before = linkTree(out);
    const started = Date.now();
    expectOneLine(run(['--fleet', make(), '--out', out]), 2, expected);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(linkTree(out)).toEqual(before);
  });

  test('a BOM and CRLF line ends synthesize', () => {
    writeFileSync(join(work, 'crlf.yaml'), '\ufeffkafka:\r\n  heapMb: 4096\r\n');
    expect(run(['--fleet', 'crlf.yaml', '--out', join(work, 'crlf-out')]).status).toBe(0);
  });
});
