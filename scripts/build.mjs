// Bundles the TypeScript entry points into dist/ with esbuild. Type checking is a separate step
// (`npm run typecheck`, part of `npm test`), so synth never waits for tsc.
//
// A bundle is rebuilt only when one of its inputs changed: esbuild's metafile lists every file it
// read (sources, imports/, node_modules), and dist/<name>.inputs.json keeps their sizes and mtimes
// with the build options. When all still match, esbuild is not even loaded (~0.4 s saved per run).
//
//   node scripts/build.mjs [name...]            build (or reuse) the named bundles, all without names
//   node scripts/build.mjs --run name [args...] build or reuse one bundle, then run it in this process
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

const ALL = {
  synth: ['packages/synth/src/main.ts', 'dist/synth.js'],
  validate: ['packages/validate/src/main.ts', 'dist/validate.js'],
  plan: ['packages/plan/src/main.ts', 'dist/plan.js'],
  loadgen: ['packages/loadgen/src/cli.ts', 'packages/loadgen/dist/cli.js'],
  rules: ['packages/monitoring/src/rules-main.ts', 'dist/rules.js'],
};

const OPTIONS = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'linked',
  logLevel: 'warning',
  // lz4-napi and @node-rs/crc32 load a platform binary at run time; they stay installed dependencies.
  external: ['lz4-napi', '@node-rs/crc32'],
  // Script bodies (.sh) are imported as text.
  loader: { '.sh': 'text' },
};

const stampOf = (path) => {
  const s = statSync(path);
  return `${s.size}:${s.mtimeMs}`;
};

function stampFile(outfile) {
  return outfile.replace(/\.js$/, '.inputs.json');
}

/** True when the bundle exists and no input recorded at its last build changed since. */
function fresh(entry, outfile) {
  const file = stampFile(outfile);
  if (!existsSync(outfile) || !existsSync(file)) return false;
  try {
    const recorded = JSON.parse(readFileSync(file, 'utf8'));
    if (recorded.entry !== entry || recorded.options !== JSON.stringify(OPTIONS) || recorded.node !== process.version) return false;
    return Object.entries(recorded.inputs).every(([path, stamp]) => existsSync(path) && stampOf(path) === stamp);
  } catch {
    return false;
  }
}

async function bundle(name) {
  const [entry, outfile] = ALL[name];
  if (!existsSync(entry) || fresh(entry, outfile)) return;
  const { build } = await import('esbuild');
  const result = await build({ ...OPTIONS, entryPoints: [entry], outfile, metafile: true });
  const inputs = Object.fromEntries(Object.keys(result.metafile.inputs).map((p) => [p, stampOf(p)]));
  // The build script itself and the lock file are inputs too: new options or new dependency versions.
  for (const p of ['scripts/build.mjs', 'package-lock.json']) if (existsSync(p)) inputs[p] = stampOf(p);
  writeFileSync(stampFile(outfile), JSON.stringify({ entry, options: JSON.stringify(OPTIONS), node: process.version, inputs }));
}

const argv = process.argv.slice(2);
if (argv[0] === '--run') {
  const name = argv[1];
  if (!ALL[name]) throw new Error(`build: --run ${name}: not one of ${Object.keys(ALL).join(', ')}`);
  await bundle(name);
  const outfile = resolve(ALL[name][1]);
  process.argv = [process.argv[0], outfile, ...argv.slice(2)];
  createRequire(import.meta.url)(outfile);
} else {
  const unknown = argv.filter((n) => !ALL[n]);
  if (unknown.length) throw new Error(`build: ${unknown.join(', ')}: not one of ${Object.keys(ALL).join(', ')}`);
  await Promise.all((argv.length ? argv : Object.keys(ALL)).map(bundle));
}
