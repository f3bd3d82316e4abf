import { fleetCommand, loadFleet } from '@stretched-kafka/fleet';
import { renderPlan } from './report';

process.exitCode = fleetCommand('plan', 'usage: plan [--fleet fleet.yaml]', {}, (args) => {
  process.stdout.write(renderPlan(loadFleet(args.fleet)));
  return 0;
});
