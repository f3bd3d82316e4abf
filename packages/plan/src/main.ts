import { parseArgs } from 'node:util';
import { FleetError, loadFleet } from '@stretched-kafka/fleet';
import { renderPlan } from './report';

const USAGE = 'usage: plan [--fleet fleet.yaml]';

function main(): number {
  let args;
  try {
    args = parseArgs({ options: { fleet: { type: 'string' }, help: { type: 'boolean' } } }).values;
  } catch (e) {
    console.error(`plan: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  try {
    process.stdout.write(renderPlan(loadFleet(args.fleet)));
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
