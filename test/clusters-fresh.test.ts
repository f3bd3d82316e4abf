import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FLEET_FILE, loadFleet } from '@stretched-kafka/fleet';
import { render } from '../packages/synth/src/render';
import { plan } from '../packages/synth/src/write';
import { staleMessage } from '../packages/synth/src/review';

// The committed clusters/ must be exactly what `npm run synth` writes from the committed fleet:
// reviewers read that tree, Argo CD and Flux apply it. Same comparison as `synth --check`.
test('clusters/ equals a fresh synth (run npm run synth and commit the result when this fails)', () => {
  const repo = join(__dirname, '..');
  const fleetFile = join(repo, FLEET_FILE);
  const rendered = render(loadFleet(existsSync(fleetFile) ? fleetFile : undefined));
  const p = plan(join(repo, 'clusters'), new Map(rendered.files.map((f) => [f.path, f.content])));
  // On failure jest prints the same line as `npm run check:clusters`: what is stale and what to do.
  expect(staleMessage('clusters', p)).toBeUndefined();
});
