import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { FLEET_FILE, FleetError, loadFleet } from '@stretched-kafka/fleet';
import { render } from './render';
import { writeTree } from './write';

const USAGE = 'usage: synth [--fleet fleet.yaml] [--out clusters]';

function main(): number {
  const started = performance.now();
  let args;
  try {
    args = parseArgs({ options: { fleet: { type: 'string', default: FLEET_FILE }, out: { type: 'string', default: 'clusters' }, help: { type: 'boolean' } } }).values;
  } catch (e) {
    console.error(`synth: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  try {
    const fleet = loadFleet(args.fleet!);
    const rendered = render(fleet);
    const result = writeTree(args.out!, new Map(rendered.files.map((f) => [f.path, f.content])));
    const ms = Math.round(performance.now() - started);
    console.log(
      `synth: ${fleet.regions.length} regions (${fleet.regions.map((r) => r.name).join(', ')}), ${rendered.objectCount} objects, ${rendered.files.length} files in ${args.out}/ ` +
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
