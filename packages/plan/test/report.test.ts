import { DEFAULT_FLEET } from '@stretched-kafka/fleet';
import { renderPlan } from '../src/report';
import { fourRegionFleet } from './fleets';

describe('renderPlan', () => {
  const text = renderPlan(DEFAULT_FLEET);

  it('states the checks and figures a reviewer looks for', () => {
    expect(text).toContain('- OK: every partition has exactly one replica in each of the 3 regions.');
    expect(text).toContain('- Leaders balanced: 0:8 1:8 2:8 10:8 11:8 12:8 20:8 21:8 22:8');
    expect(text).toContain('= **245,000,000 bytes**');
    expect(text).toContain('**$108.06**');
    expect(text.match(/^- \*\*[a-z0-9-]+\*\* lost: survives/gm)).toHaveLength(3);
    expect(text.match(/^\| \d+ \| \d+, \d+, \d+ \| /gm)).toHaveLength(72);
  });

  it('says so when a partition cannot be in every region', () => {
    const four = renderPlan(fourRegionFleet());
    expect(four).toContain('- OK: every partition has its 3 replicas in 3 different regions (4 regions');
    expect(four).toContain('for 75.0% of partitions');
  });

  it('matches the snapshot', () => {
    expect(text).toMatchSnapshot();
  });
});
