import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildSync } from 'esbuild';
import { DEFAULT_FLEET } from '@stretched-kafka/fleet';
import { render } from '../../synth/src/render';

// `npm run validate` as CI runs it: the bundled entry, its output lines and exit codes, against a
// GitOps tree on disk (written here from a fresh render, as `npm run synth` writes it).

const work = mkdtempSync(join(tmpdir(), 'validate-cli-'));
const bundle = join(work, 'validate.js');
const files = render(DEFAULT_FLEET).files;

beforeAll(() => {
  buildSync({ entryPoints: ['packages/validate/src/main.ts'], outfile: bundle, bundle: true, platform: 'node', target: 'node20', format: 'cjs', external: ['lz4-napi'], logLevel: 'error' });
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A fresh copy of the rendered tree in its own folder under the work folder. */
function tree(name: string): string {
  const root = join(work, name);
  for (const f of files) {
    mkdirSync(dirname(join(root, f.path)), { recursive: true });
    writeFileSync(join(root, f.path), f.content);
  }
  return name;
}

const run = (...args: string[]) => spawnSync(process.execPath, [bundle, ...args], { encoding: 'utf8', cwd: work });
const SUMMARY = /^validate: (\d+) objects in (\d+) files under (\S+)\/ \((.+)\); (a fresh render matches it|a fresh render differs in (\d+) files \(\d+ objects, checked too\)); against .*Kubernetes v1\.27\.\d+\) and \d+ CRDs: (no problems|(\d+) problems?) in \d+ ms$/;

test('a tree as synth writes it: every file read from disk, no problems, exit 0', () => {
  const res = run('--clusters', tree('fresh'));
  expect(res.stderr).toBe('');
  const lines = res.stdout.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  const m = SUMMARY.exec(lines[0]);
  expect(m).not.toBeNull();
  expect(Number(m![2])).toBe(files.length);
  expect(Number(m![1])).toBe(files.reduce((n, f) => n + Math.max(f.objects.length, 1), 0));
  expect(m![3]).toBe('fresh');
  expect(m![5]).toBe('a fresh render matches it');
  expect(m![7]).toBe('no problems');
  // The per-kind counts add up to the objects read.
  expect(m![4].split(', ').reduce((n, part) => n + Number(part.split(' ').pop()), 0)).toBe(Number(m![1]));
  expect(res.status).toBe(0);
});

test('a committed file broken by hand fails with its path, document and field, and exit 1', () => {
  const dir = tree('broken');
  const path = join(work, dir, 'us-east4/kafka/StatefulSet-kafka.yaml');
  const text = readFileSync(path, 'utf8');
  expect(text).toMatch(/^ {2}replicas: 3$/m);
  writeFileSync(path, text.replace(/^ {2}replicas: 3$/m, '  replicas: three'));
  const res = run('--clusters', dir);
  const lines = res.stdout.trimEnd().split('\n');
  // The rendered StatefulSet, which now differs from disk, is checked too and is fine: one problem.
  expect(lines).toEqual(['broken/us-east4/kafka/StatefulSet-kafka.yaml#1 StatefulSet/kafka .spec.replicas: must be integer', expect.stringMatching(SUMMARY)]);
  const m = SUMMARY.exec(lines[1])!;
  expect([m[6], m[8]]).toEqual(['1', '1']);
  expect(res.status).toBe(1);
});

test('hand-added files without the header are read too: every document, unknown kinds and bad YAML reported', () => {
  const dir = tree('hand');
  writeFileSync(
    join(work, dir, 'us-west4/extra.yaml'),
    [
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fine\ndata:\n  a: "1"',
      'apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: kafka\nspec: {}',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: typo\ndatta: {}',
    ].join('\n---\n'),
  );
  mkdirSync(join(work, dir, 'notes'));
  writeFileSync(join(work, dir, 'notes/broken.yml'), 'a: [\n');
  writeFileSync(join(work, dir, 'notes/README.md'), 'not YAML, not read\n');
  const res = run('--clusters', dir);
  const lines = res.stdout.trimEnd().split('\n');
  expect(lines.slice(0, -1)).toEqual([
    expect.stringMatching(/^hand\/notes\/broken\.yml \(YAML\) \.: cannot be parsed: .+ at line 2$/),
    'hand/us-west4/extra.yaml#2 PrometheusRule/kafka .: no schema for kind PrometheusRule in monitoring.coreos.com/v1; it cannot be checked (kubectl refuses a kind whose CRD is not installed): add its CRD to scripts/extract-schemas.mjs',
    'hand/us-west4/extra.yaml#3 ConfigMap/typo .datta: unknown field',
  ]);
  const m = SUMMARY.exec(lines[lines.length - 1])!;
  expect([Number(m[2]), m[5], m[8]]).toEqual([files.length + 2, 'a fresh render matches it', '3']);
  expect(res.status).toBe(1);
});

test('the render is checked where the tree lacks it: a file synth would write but nobody committed', () => {
  const dir = tree('stale');
  rmSync(join(work, dir, 'us-central1/kafka/StatefulSet-kafka.yaml'));
  const res = run('--clusters', dir);
  const m = SUMMARY.exec(res.stdout.trimEnd())!;
  expect([Number(m[2]), m[6], m[7]]).toEqual([files.length - 1, '1', 'no problems']);
  expect(res.status).toBe(0);
});

test('a missing clusters folder is a usage error, not "no problems"', () => {
  const res = run('--clusters', 'nowhere');
  expect(res.status).toBe(2);
  expect(res.stdout).toBe('');
  expect(res.stderr).toMatch(/^validate: --clusters nowhere: no such folder/);
});

test('bad fleet input: one line on stderr, exit 2', () => {
  writeFileSync(join(work, 'bad.yaml'), 'kafak: {}\n');
  const res = run('--fleet', 'bad.yaml', '--clusters', tree('any'));
  expect(res.status).toBe(2);
  expect(res.stdout).toBe('');
  expect(res.stderr).toMatch(/^bad\.yaml: kafak = \{\}: unknown key[^\n]*\n$/);
});

test('an unknown flag is a usage error', () => {
  const res = run('--frobnicate');
  expect(res.status).toBe(2);
  expect(res.stderr).toMatch(/^validate: Unknown option '--frobnicate'/);
});
