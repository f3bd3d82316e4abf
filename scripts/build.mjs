// Bundles the TypeScript entry points into dist/ with esbuild (about 0.2 s). Type checking is a
// separate step (`npm run typecheck`, part of `npm test`), so synth never waits for tsc.
import { existsSync } from 'node:fs';
import { build } from 'esbuild';

const entries = process.argv.slice(2);
const all = {
  synth: ['packages/synth/src/main.ts', 'dist/synth.js'],
  validate: ['packages/validate/src/main.ts', 'dist/validate.js'],
  plan: ['packages/plan/src/main.ts', 'dist/plan.js'],
  loadgen: ['packages/loadgen/src/cli.ts', 'packages/loadgen/dist/cli.js'],
};
await Promise.all(
  Object.entries(all)
    .filter(([name]) => entries.length === 0 || entries.includes(name))
    .filter(([, [entry]]) => existsSync(entry))
    .map(([, [entry, outfile]]) =>
      build({
        entryPoints: [entry],
        outfile,
        bundle: true,
        platform: 'node',
        target: 'node20',
        format: 'cjs',
        sourcemap: 'linked',
        logLevel: 'warning',
        // lz4-napi loads a platform binary at run time; it stays an installed dependency.
        external: ['lz4-napi'],
      }),
    ),
);
