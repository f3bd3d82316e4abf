import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildSync } from 'esbuild';
import { DEFAULT_FLEET } from '@stretched-kafka/fleet';
import { render } from '@stretched-kafka/synth';

// `npm run validate` as CI runs it: the bundled entry, its output lines and exit codes, against a
// GitOps tree on disk (written here from a fresh render, as `npm run synth` writes it).

const work = mkdtempSync(join(tmpdir(), 'validate-cli-'));
const bundle = join(work, 'validate.js');
const files = render(DEFAULT_FLEET).files;

beforeAll(() => {
  buildSync({ entryPoints: ['packages/validate/src/main.ts'], outfile: bundle, bundle: true, platform: 'node', target: 'node20', format: 'cjs', external: ['lz4-napi'], loader: { '.sh': 'text' }, logLevel: 'error' });
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

/** How many files the summary says it skipped as flux bootstrap's (0 when it says nothing). */
const skippedIn = (summary: string) => Number(/; (\d+) files? in flux\/\*\/flux-system\/ skipped/.exec(summary)?.[1] ?? 0);
const FIXTURE_CRD = join(__dirname, 'fixtures/crd-topicbackups.yaml');

const run = (...args: string[]) => spawnSync(process.execPath, [bundle, ...args], { encoding: 'utf8', cwd: work });
const SUMMARY = /^validate: (\d+) objects in (\d+) files under (\S+)\/ \((.+?)\); (?:\d+ files? in flux\/\*\/flux-system\/ skipped \(written by flux bootstrap\); )?(a fresh render matches it|a fresh render differs in (\d+) files \(\d+ objects, checked too\)); against .*Kubernetes v1\.27\.\d+\) and \d+ CRDs: (no problems|(\d+) problems?) in \d+ ms$/;

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
      'apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata:\n  name: kafka\nspec: {}',
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
    'hand/us-west4/extra.yaml#2 ServiceMonitor/kafka .: no schema for kind ServiceMonitor in monitoring.coreos.com/v1; it cannot be checked (kubectl refuses a kind whose CRD is not installed): add its CRD to scripts/extract-schemas.mjs',
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

describe('--clusters spelled any way names the same tree', () => {
  // join() normalises `./x` to `x`: keys cut at the length of the text given were wrong, so every
  // file "differed" from the render and every object was checked twice.
  test.each(['./DIR', 'DIR/', './DIR//', '/abs/DIR', '/abs/DIR/', '/abs/./DIR'])('--clusters %s: every file matches the render, read once', (form) => {
    const name = tree(`spelled${form.replace(/\W/g, '_')}`);
    const res = run('--clusters', form.replace('/abs/', `${work}/`).replace('DIR', name));
    const m = SUMMARY.exec(res.stdout.trimEnd());
    expect(m).not.toBeNull();
    expect([Number(m![2]), m![3], m![5], m![7]]).toEqual([files.length, form.startsWith('/abs/') ? join(work, name) : name, 'a fresh render matches it', 'no problems']);
    expect(res.status).toBe(0);
  });

  test('a problem under ./DIR is reported once, under DIR/..., and the render is not checked again', () => {
    const dir = tree('dotted');
    const path = join(work, dir, 'us-east4/kafka/StatefulSet-kafka.yaml');
    writeFileSync(path, readFileSync(path, 'utf8').replace(/^ {2}replicas: 3$/m, '  replicas: three'));
    const res = run('--clusters', `./${dir}/`);
    const lines = res.stdout.trimEnd().split('\n');
    expect(lines).toEqual(['dotted/us-east4/kafka/StatefulSet-kafka.yaml#1 StatefulSet/kafka .spec.replicas: must be integer', expect.stringMatching(SUMMARY)]);
    expect(SUMMARY.exec(lines[1])![6]).toBe('1');
    expect(res.status).toBe(1);
  });
});

describe('after flux bootstrap', () => {
  /** What `flux bootstrap git --path=clusters/flux/<region>` commits there (the CRDs: the fixture's, or upstream's). */
  function bootstrap(dir: string, region: string): void {
    const at = join(work, dir, 'flux', region, 'flux-system');
    mkdirSync(at, { recursive: true });
    writeFileSync(
      join(at, 'gotk-components.yaml'),
      `---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: flux-system\n${readFileSync(FIXTURE_CRD, 'utf8')}---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: source-controller\n  namespace: flux-system\nspec:\n  selector:\n    matchLabels:\n      app: source-controller\n  template:\n    metadata:\n      labels:\n        app: source-controller\n    spec:\n      containers:\n      - name: manager\n        image: ghcr.io/fluxcd/source-controller:v1.4.1\n`,
    );
    // An older bootstrap: API versions we have no schema for, so it would fail if it were read.
    writeFileSync(
      join(at, 'gotk-sync.yaml'),
      `apiVersion: source.toolkit.fluxcd.io/v1beta2\nkind: GitRepository\nmetadata:\n  name: flux-system\n  namespace: flux-system\nspec:\n  interval: 1m0s\n  ref:\n    branch: main\n  secretRef:\n    name: flux-system\n  url: ssh://git@git.example/fleet\n---\napiVersion: kustomize.toolkit.fluxcd.io/v1beta2\nkind: Kustomization\nmetadata:\n  name: flux-system\n  namespace: flux-system\nspec:\n  interval: 10m0s\n  path: ./clusters/flux/${region}\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n`,
    );
    writeFileSync(join(at, 'kustomization.yaml'), 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- gotk-components.yaml\n- gotk-sync.yaml\n');
  }

  test('the flux-system folders bootstrap commits are skipped and counted in the summary; the rest is checked as before', () => {
    const dir = tree('bootstrapped');
    const regions = DEFAULT_FLEET.regions.map((r) => r.name);
    for (const r of regions) bootstrap(dir, r);
    const res = run('--clusters', `./${dir}`);
    const lines = res.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const m = SUMMARY.exec(lines[0])!;
    expect([Number(m[2]), skippedIn(lines[0]), m[5], m[7]]).toEqual([files.length, 3 * regions.length, 'a fresh render matches it', 'no problems']);
    expect(lines[0]).toContain(`; ${3 * regions.length} files in flux/*/flux-system/ skipped (written by flux bootstrap); a fresh render matches it;`);
    expect(res.status).toBe(0);
  });

  test('only flux/<region>/flux-system/ is bootstrap\'s: a flux-system folder elsewhere is read like any hand-added file', () => {
    const dir = tree('elsewhere');
    bootstrap(dir, 'us-east4');
    mkdirSync(join(work, dir, 'us-east4/flux-system'));
    writeFileSync(join(work, dir, 'us-east4/flux-system/extra.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: typo\ndatta: {}\n');
    const res = run('--clusters', dir);
    const lines = res.stdout.trimEnd().split('\n');
    expect(lines.slice(0, -1)).toEqual(['elsewhere/us-east4/flux-system/extra.yaml#1 ConfigMap/typo .datta: unknown field']);
    expect([Number(SUMMARY.exec(lines[1])![2]), skippedIn(lines[1])]).toEqual([files.length + 1, 3]);
    expect(res.status).toBe(1);
  });

  test('synth never writes into flux/<region>/flux-system/, so skipping it hides nothing generated', () => {
    expect(files.filter((f) => /^flux\/[^/]+\/flux-system\//.test(f.path))).toEqual([]);
  });

  test('a CRD added by hand outside flux-system is checked: valid passes, a wrong field fails', () => {
    const dir = tree('crd');
    mkdirSync(join(work, dir, 'us-west4/crds'));
    const text = readFileSync(FIXTURE_CRD, 'utf8');
    writeFileSync(join(work, dir, 'us-west4/crds/topicbackups.yaml'), text);
    const ok = run('--clusters', dir);
    expect([SUMMARY.exec(ok.stdout.trimEnd())![7], ok.status]).toEqual(['no problems', 0]);
    expect(text).toMatch(/^ {24}maxLength: 249$/m);
    writeFileSync(join(work, dir, 'us-west4/crds/topicbackups.yaml'), text.replace(/^ {24}maxLength: 249$/m, '                        maxLenght: 249'));
    const bad = run('--clusters', dir);
    expect(bad.stdout.trimEnd().split('\n').slice(0, -1)).toEqual([
      'crd/us-west4/crds/topicbackups.yaml#1 CustomResourceDefinition/topicbackups.backup.stretched-kafka.example.io .spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.topics.items.properties.name.maxLenght: unknown field',
    ]);
    expect(bad.status).toBe(1);
  });
});
