import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { FleetError, loadFleet } from '@stretched-kafka/fleet';
import { render } from './render';
import { formatDiff, staleMessage } from './review';
import { plan, writeTree } from './write';

const USAGE = 'usage: synth [--fleet fleet.yaml] [--out clusters] [--diff | --check]';

function main(): number {
  const started = performance.now();
  let args;
  try {
    args = parseArgs({
      options: {
        fleet: { type: 'string' },
        out: { type: 'string', default: process.env.CDK8S_OUTDIR ?? 'clusters' },
        diff: { type: 'boolean' },
        check: { type: 'boolean' },
        help: { type: 'boolean' },
      },
    }).values;
    if (args.diff && args.check) throw new Error('--diff and --check do not go together');
  } catch (e) {
    console.error(`synth: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  try {
    const fleet = loadFleet(args.fleet);
    const rendered = render(fleet);
    const files = new Map(rendered.files.map((f) => [f.path, f.content]));
    const out = args.out!.replace(/(.)\/+$/, '$1');
    if (args.diff) {
      // A review aid, not a gate: it always succeeds; --check is the gate.
      console.log(formatDiff(out, files, plan(out, files)));
      return 0;
    }
    if (args.check) {
      const stale = staleMessage(out, plan(out, files));
      if (stale) {
        console.error(stale);
        return 1;
      }
      console.log(`check: ${out}/ matches a fresh synth (${files.size} files)`);
      return 0;
    }
    const result = writeTree(out, files);
    const ms = Math.round(performance.now() - started);
    console.log(
      `synth: ${fleet.regions.length} regions (${fleet.regions.map((r) => r.name).join(', ')}), ${rendered.objectCount} objects, ${rendered.files.length} files in ${out}/ ` +
        `(${result.written.length} written, ${result.deleted.length} deleted, ${result.unchanged.length} unchanged) in ${ms} ms`,
    );
    return 0;
  } catch (e) {
    if (e instanceof FleetError) {
      console.error(e.message);
      return 2;
    }
    throw e;
  }
}

process.exitCode = main();
