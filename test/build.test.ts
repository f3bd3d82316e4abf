import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';

// scripts/build.mjs rebuilds a bundle only when an input it recorded changed. A stale bundle
// would make synth write yesterday's generator output, so both directions are checked.

const build = () => execFileSync(process.execPath, ['scripts/build.mjs', 'plan'], { encoding: 'utf8' });
const stamps = 'dist/plan.inputs.json';

test('an unchanged input set reuses the bundle; a changed input rebuilds it', () => {
  build();
  const first = statSync('dist/plan.js').mtimeMs;
  build();
  expect(statSync('dist/plan.js').mtimeMs).toBe(first);
  const recorded = JSON.parse(readFileSync(stamps, 'utf8')) as { inputs: Record<string, string> };
  const source = Object.keys(recorded.inputs).find((p) => p.endsWith('packages/plan/src/report.ts'))!;
  expect(source).toBeDefined();
  // What a changed file looks like to the check: another size or mtime than at the last build.
  recorded.inputs[source] = '0:0';
  writeFileSync(stamps, JSON.stringify(recorded));
  build();
  expect(statSync('dist/plan.js').mtimeMs).toBeGreaterThan(first);
  const rebuilt = JSON.parse(readFileSync(stamps, 'utf8')) as { inputs: Record<string, string> };
  expect(rebuilt.inputs[source]).not.toBe('0:0');
  expect(Object.keys(rebuilt.inputs)).toEqual(expect.arrayContaining(['scripts/build.mjs', 'package-lock.json']));
}, 30_000);
