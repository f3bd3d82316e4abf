import { DEFAULT_FLEET, Fleet } from '@stretched-kafka/fleet';
import { everyRegionLoss, quorumSize, regionLoss } from '../src/loss';
import { topicPlacement } from '../src/placement';
import { fourRegionFleet } from './fleets';

describe('quorumSize', () => {
  it('is a strict majority of the ensemble', () => {
    expect([1, 3, 5, 9, 15].map(quorumSize)).toEqual([1, 2, 3, 5, 8]);
  });
});

describe('region loss on the default fleet', () => {
  const placement = topicPlacement(DEFAULT_FLEET);
  const losses = everyRegionLoss(DEFAULT_FLEET, placement);

  it('keeps 6 brokers, 6 of 9 ZooKeeper nodes (quorum 5) and 2 in-sync replicas per partition for every region', () => {
    expect(losses.map((l) => l.region)).toEqual(['us-east4', 'us-central1', 'us-west4']);
    for (const l of losses) {
      expect([l.brokersLeft, l.quorumLeft, l.quorumNeeded, l.quorumHeld]).toEqual([6, 6, 5, true]);
      expect([...l.isrLeft]).toEqual([[2, 72]]);
      expect([l.writable, l.readable, l.leadersToMove]).toEqual([72, 72, 24]);
      expect(l.verdict).toMatch(/^survives: all 72 partitions keep writes/);
    }
  });

  it('moves the lost leaders onto the surviving brokers without losing any', () => {
    const l = losses[0];
    expect([...l.leadersAfter.keys()]).toEqual([10, 11, 12, 20, 21, 22]);
    expect([...l.leadersAfter.values()].reduce((a, b) => a + b, 0)).toBe(72);
    for (const [, n] of l.leadersAfter) expect(n).toBeGreaterThan(8);
  });
});

describe('region loss on other fleets', () => {
  it('loses one replica only for the partitions that had one in the lost region (4 regions)', () => {
    const fleet = fourRegionFleet();
    const l = regionLoss(fleet, topicPlacement(fleet), 'us-south1');
    expect([...l.isrLeft].sort()).toEqual([[2, 54], [3, 18]]);
    expect([l.quorumLeft, l.quorumNeeded, l.writable, l.leadersToMove]).toEqual([6, 4, 72, 18]);
  });

  // The validator refuses both fleets below; the analysis still has to say what they would do.
  it('stops leader moves and writes when the region held the ZooKeeper majority', () => {
    const fleet: Fleet = { ...DEFAULT_FLEET, regions: DEFAULT_FLEET.regions.map((r, i) => ({ ...r, zookeeperReplicas: i === 0 ? 5 : 1 })) };
    const l = regionLoss(fleet, topicPlacement(fleet), 'us-east4');
    expect([l.quorumLeft, l.quorumNeeded, l.quorumHeld]).toEqual([2, 4, false]);
    expect([l.readable, l.writable, l.leadersToMove]).toEqual([48, 0, 24]);
    expect(l.verdict).toMatch(/^NOT SURVIVABLE: ZooKeeper keeps 2 of 7 \(quorum 4\)/);
  });

  it('reports rejected writes when min.insync.replicas equals the replication factor', () => {
    const fleet: Fleet = { ...DEFAULT_FLEET, kafka: { ...DEFAULT_FLEET.kafka, minInsyncReplicas: 3 } };
    const l = regionLoss(fleet, topicPlacement(fleet), 'us-west4');
    expect([l.writable, l.readable]).toEqual([0, 72]);
    expect(l.verdict).toMatch(/^DEGRADED: 72 of 72 partitions fall below min.insync.replicas=3/);
  });
});
