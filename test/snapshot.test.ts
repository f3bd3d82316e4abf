import { DEFAULT_FLEET } from '@stretched-kafka/fleet';
import { render } from '../packages/synth/src/render';

// One snapshot per region of the default fleet: every file the region gets, by path. A net that
// shows any change in review; the invariant tests say which changes are wrong.
const rendered = render(DEFAULT_FLEET);

describe.each(DEFAULT_FLEET.regions.map((r) => r.name))('region %s', (region) => {
  test('every generated file', () => {
    const files = Object.fromEntries(rendered.files.filter((f) => f.region === region).map((f) => [f.path, f.content]));
    expect(Object.keys(files).length).toBeGreaterThan(30);
    expect(files).toMatchSnapshot();
  });
});

test('fleet-wide GitOps folders', () => {
  const files = Object.fromEntries(rendered.files.filter((f) => !f.region).map((f) => [f.path, f.content]));
  expect(Object.keys(files).some((p) => p.startsWith('argocd/'))).toBe(true);
  expect(Object.keys(files).some((p) => p.startsWith('flux/'))).toBe(true);
  expect(files).toMatchSnapshot();
});
