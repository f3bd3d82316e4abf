import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { buildSync } from 'esbuild';
import { HEADER } from '../packages/synth/src/render';

// `synth --diff` and `synth --check` as CI and reviewers run them: bundled, on a scratch clusters/.

const work = mkdtempSync(join(tmpdir(), 'synth-review-'));
const bundle = join(work, 'synth.js');
const out = join(work, 'clusters');

beforeAll(() => {
  buildSync({ entryPoints: ['packages/synth/src/main.ts'], outfile: bundle, bundle: true, platform: 'node', target: 'node20', format: 'cjs', external: ['lz4-napi'], loader: { '.sh': 'text' }, logLevel: 'error' });
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function synth(...args: string[]) {
  return spawnSync(process.execPath, [bundle, '--out', out, ...args], { encoding: 'utf8', cwd: work });
}

function snapshotDir(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else files[relative(dir, p)] = readFileSync(p, 'utf8');
    }
  };
  if (existsSync(dir)) walk(dir);
  return files;
}

describe('on an empty output folder', () => {
  test('--check fails with one line naming missing files and writes nothing', () => {
    const res = synth('--check');
    expect(res.status).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(/^\S+\/clusters\/ is stale: \d+ files differ from a fresh synth \(us-east4\/\S+\.yaml missing, .*, and \d+ more\)\. Run npm run synth and commit the result\.\n$/);
    expect(existsSync(out)).toBe(false);
  });

  test('--diff lists every file as added, exits 0 and writes nothing', () => {
    const res = synth('--diff');
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(/^us-east4: \d+ added, 0 changed, 0 deleted$/m);
    expect(res.stdout).toMatch(/^ {2}added {3}us-east4\/kustomization\.yaml \(\d+ lines\)$/m);
    expect(res.stdout.trimEnd().split('\n').pop()).toMatch(/^diff: a synth would change (\d+) files in \S+\/clusters\/ \(\1 added, 0 changed, 0 deleted, 0 unchanged\); nothing written$/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('after a synth', () => {
  beforeAll(() => {
    expect(synth().status).toBe(0);
  });

  test('--check passes and --diff has nothing to show', () => {
    const check = synth('--check');
    expect([check.status, check.stderr]).toEqual([0, '']);
    expect(check.stdout).toMatch(/^check: \S+\/clusters\/ matches a fresh synth \(\d+ files\)\n$/);
    const diff = synth('--diff');
    expect(diff.status).toBe(0);
    expect(diff.stdout).toMatch(/^diff: \S+\/clusters\/ is up to date \(\d+ files\); nothing written\n$/);
  });

  test('a stale, a missing and an extra generated file are reported; an unowned file is not; nothing is written', () => {
    const kustomization = join(out, 'us-east4', 'kustomization.yaml');
    writeFileSync(kustomization, readFileSync(kustomization, 'utf8').replace(/^kind: Kustomization$/m, 'kind: Kustomization\nnamespace: edited-by-hand'));
    const missing = readdirSync(join(out, 'us-west4')).find((f) => f !== 'kustomization.yaml' && statSync(join(out, 'us-west4', f)).isDirectory())!;
    const missingFile = readdirSync(join(out, 'us-west4', missing))[0];
    rmSync(join(out, 'us-west4', missing, missingFile));
    mkdirSync(join(out, 'us-central1', 'retired'), { recursive: true });
    writeFileSync(join(out, 'us-central1', 'retired', 'ConfigMap-old.yaml'), `${HEADER}\napiVersion: v1\nkind: ConfigMap\n`);
    writeFileSync(join(out, 'us-central1', 'notes.yaml'), 'hand: written\n');
    const before = snapshotDir(out);

    const check = synth('--check');
    expect(check.status).toBe(1);
    expect(check.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(check.stderr).toContain('clusters/ is stale: 3 files differ from a fresh synth (');
    expect(check.stderr).toContain('us-east4/kustomization.yaml changed');
    expect(check.stderr).toContain(`us-west4/${missing}/${missingFile} missing`);
    expect(check.stderr).toContain('us-central1/retired/ConfigMap-old.yaml no longer generated');
    expect(check.stderr).not.toContain('notes.yaml');

    const diff = synth('--diff');
    expect(diff.status).toBe(0);
    expect(diff.stdout).toContain('us-east4: 0 added, 1 changed, 0 deleted\n  changed us-east4/kustomization.yaml\n--- a/us-east4/kustomization.yaml\n+++ b/us-east4/kustomization.yaml\n@@ ');
    expect(diff.stdout).toMatch(/^ kind: Kustomization\n-namespace: edited-by-hand\n/m);
    expect(diff.stdout).toContain('us-central1: 0 added, 0 changed, 1 deleted\n  deleted us-central1/retired/ConfigMap-old.yaml\n');
    expect(diff.stdout).toMatch(new RegExp(`^us-west4: 1 added, 0 changed, 0 deleted\\n  added   us-west4/${missing}/${missingFile} \\(\\d+ lines\\)$`, 'm'));
    expect(diff.stdout).not.toContain('notes.yaml');
    expect(diff.stdout).toMatch(/diff: a synth would change 3 files in \S+\/clusters\/ \(1 added, 1 changed, 1 deleted, \d+ unchanged\); nothing written\n$/);

    expect(snapshotDir(out)).toEqual(before);
    // A synth then brings it back to fresh, leaving the unowned file.
    expect(synth().status).toBe(0);
    expect(synth('--check').status).toBe(0);
    expect(readFileSync(join(out, 'us-central1', 'notes.yaml'), 'utf8')).toBe('hand: written\n');
  });

  test.each([['--check'], ['--diff']])('bad fleet input with %s: one line on stderr, exit 2, output untouched', (flag) => {
    const before = snapshotDir(out);
    writeFileSync(join(work, 'bad.yaml'), 'kafka:\n  minInsyncReplicas: 3\n');
    const res = spawnSync(process.execPath, [bundle, '--fleet', 'bad.yaml', '--out', out, flag], { encoding: 'utf8', cwd: work });
    expect(res.status).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(/^bad\.yaml: kafka\.minInsyncReplicas = 3: /);
    expect(snapshotDir(out)).toEqual(before);
  });

  test('--diff with --check is a usage error', () => {
    const res = synth('--diff', '--check');
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/^synth: --diff and --check do not go together\nusage: synth /);
  });
});
