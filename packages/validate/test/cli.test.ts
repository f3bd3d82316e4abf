import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';

// `npm run validate` as CI runs it: the bundled entry, its output lines and exit codes.

const work = mkdtempSync(join(tmpdir(), 'validate-cli-'));
const bundle = join(work, 'validate.js');

beforeAll(() => {
  buildSync({ entryPoints: ['packages/validate/src/main.ts'], outfile: bundle, bundle: true, platform: 'node', target: 'node20', format: 'cjs', external: ['lz4-napi'], logLevel: 'error' });
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const run = (...args: string[]) => spawnSync(process.execPath, [bundle, ...args], { encoding: 'utf8', cwd: work });

test('one line per problem, then a summary by kind; the exit code says whether there were problems', () => {
  const res = run();
  const lines = res.stdout.trimEnd().split('\n');
  const summary = lines.pop()!;
  const m = /^validate: (\d+) objects in \d+ files \((.+)\) against .*Kubernetes v1\.27\.\d+\) and \d+ CRDs: (no problems|(\d+) problems?) in \d+ ms$/.exec(summary);
  expect(m).not.toBeNull();
  const problems = m![4] ? Number(m![4]) : 0;
  expect(lines).toHaveLength(problems);
  for (const l of lines) expect(l).toMatch(/^\S+\.yaml \S+\/\S+ \.\S*: .+$/);
  expect(res.status).toBe(problems ? 1 : 0);
  // The per-kind counts add up to the objects checked.
  const counted = m![2].split(', ').reduce((n, part) => n + Number(part.split(' ').pop()), 0);
  expect(counted).toBe(Number(m![1]));
  expect(m![2]).toMatch(/(^|, )Namespace \d+/);
});

test('bad fleet input: one line on stderr, exit 2', () => {
  writeFileSync(join(work, 'bad.yaml'), 'kafak: {}\n');
  const res = run('--fleet', 'bad.yaml');
  expect(res.status).toBe(2);
  expect(res.stdout).toBe('');
  expect(res.stderr).toMatch(/^bad\.yaml: kafak = \{\}: unknown key[^\n]*\n$/);
});

test('an unknown flag is a usage error', () => {
  const res = run('--frobnicate');
  expect(res.status).toBe(2);
  expect(res.stderr).toMatch(/^validate: Unknown option '--frobnicate'/);
});
