import { fleetCommand, loadFleet } from '@stretched-kafka/fleet';
import { changeStepsAgainst } from './changes';
import { renderPlan } from './report';

process.exitCode = fleetCommand('plan', 'usage: plan [--fleet fleet.yaml] [--clusters clusters]', { clusters: { type: 'string', default: 'clusters' } }, (args) => {
  const fleet = loadFleet(args.fleet);
  process.stdout.write(renderPlan(fleet, changeStepsAgainst(fleet, String(args.clusters))));
  return 0;
});
