import { KRAFT_DEFAULT_FLEET, kraftControllers, mergeOverride, validateFleet } from '@stretched-kafka/fleet';
import { renderPlan } from '../src/report';
import { everyRegionLoss, regionLoss } from '../src/loss';
import { topicPlacement } from '../src/placement';
import { costPlan } from '../src/cost';
import { inventory } from '../src/inventory';

// The plan in KRaft mode: controller placement and quorum survival per region loss.

const fleet = validateFleet(JSON.parse(JSON.stringify(KRAFT_DEFAULT_FLEET)));
const text = renderPlan(fleet);

describe('renderPlan in KRaft mode', () => {
  it('places the controllers per region with their node ids and hosts', () => {
    expect(text).toMatch(/^# Plan for `stretched-kafka`: 3 regions, 9 brokers, 9 KRaft controllers$/m);
    expect(text).toContain('| Region | Cluster id | Brokers (id) | KRaft controllers (node id) |');
    expect(text).toContain('| us-east4 | cluster1 | kafka-0 (0), kafka-1 (1), kafka-2 (2) | kafka-controller-0 (9), kafka-controller-1 (8), kafka-controller-2 (7) |');
    for (const c of kraftControllers(fleet)) expect(text).toContain(`| ${c.id} | controller | \`${c.host}\` |`);
    expect(text).not.toMatch(/ZooKeeper (nodes|members|quorum|left)/);
    expect(inventory(fleet).map((r) => r.quorum.length)).toEqual([3, 3, 3]);
  });

  it('keeps the quorum through the loss of any one region: 6 of 9 voters, majority 5', () => {
    for (const l of everyRegionLoss(fleet, topicPlacement(fleet))) {
      expect([l.quorumLeft, l.quorumTotal, l.quorumNeeded, l.quorumHeld, l.writable]).toEqual([6, 9, 5, true, 72]);
    }
    expect(text).toContain('leader moves and ISR shrinks need a majority of the KRaft controllers.');
    expect(text).toContain('| Region lost | Brokers left | Controllers left / quorum |');
    expect(text.match(/^- \*\*[a-z0-9-]+\*\* lost: survives/gm)).toHaveLength(3);
  });

  it('names the lost quorum when a region held the majority (a layout validation refuses)', () => {
    const skewed = mergeOverride(fleet, { regions: fleet.regions.map((r, i) => ({ ...r, controllerReplicas: [3, 1, 1][i] })) }) as typeof fleet;
    const l = regionLoss(skewed, topicPlacement(skewed), 'us-east4');
    expect([l.quorumLeft, l.quorumNeeded, l.quorumHeld]).toEqual([2, 3, false]);
    expect(l.verdict).toMatch(/^NOT SURVIVABLE: the KRaft quorum keeps 2 of 5 \(quorum 3\); no leader can move/);
    expect(() => validateFleet(skewed)).toThrow('no region may hold 3 of 5 controllers');
  });

  it('bills the controllers\' disks, not ZooKeeper\'s', () => {
    const c = costPlan(fleet, topicPlacement(fleet));
    expect([c.kafkaStorageGib, c.quorumStorageGib]).toEqual([2700, 180]);
    expect(text).toContain('GiB Kafka + 180 GiB Controllers)');
  });

  it('matches the snapshot', () => {
    expect(text).toMatchSnapshot();
  });
});
