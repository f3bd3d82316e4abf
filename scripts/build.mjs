// Bundles the TypeScript entry points into dist/ with esbuild (about 0.2 s). Type checking is a
// separate step (`npm run typecheck`, part of `npm test`), so synth never waits for tsc.
import { build } from 'esbuild';

const entries = process.argv.slice(2);
const all = {
  synth: 'packages/synth/src/main.ts',
};
await Promise.all(
  Object.entries(all)
    .filter(([name]) => entries.length === 0 || entries.includes(name))
    .map(([name, entry]) =>
      build({
        entryPoints: [entry],
        outfile: `dist/${name}.js`,
        bundle: true,
        platform: 'node',
        target: 'node20',
        format: 'cjs',
        sourcemap: 'linked',
        logLevel: 'warning',
      }),
    ),
);
