import { DEFAULT_FLEET } from '@stretched-kafka/fleet';
import { assignReplicasRackAware, rackAlternatedBrokers, summarizePlacement, topicPlacement } from '../src/placement';
import { fleetWith, fourRegionFleet } from './fleets';

describe('rackAlternatedBrokers', () => {
  // The two worked examples in Kafka's AdminUtils documentation.
  it('takes one broker per rack in turn, racks in name order', () => {
    const brokers = [0, 1, 2, 3, 4, 5, 6, 7, 8].map((id) => ({ id, rack: `rack${Math.floor(id / 3) + 1}` }));
    expect(rackAlternatedBrokers(brokers)).toEqual([0, 3, 6, 1, 4, 7, 2, 5, 8]);
  });

  it('keeps going with the racks that still have brokers', () => {
    const racks = ['rack1', 'rack3', 'rack3', 'rack2', 'rack2', 'rack1'];
    expect(rackAlternatedBrokers(racks.map((rack, id) => ({ id, rack })))).toEqual([0, 3, 1, 5, 4, 2]);
  });
});

describe('assignReplicasRackAware', () => {
  const racks = ['rack1', 'rack3', 'rack3', 'rack2', 'rack2', 'rack1'];
  const brokers = racks.map((rack, id) => ({ id, rack }));

  it('matches the assignment Kafka documents for start index 0', () => {
    const got = assignReplicasRackAware(brokers, 7, 3).map((p) => p.replicas);
    expect(got).toEqual([
      [0, 3, 1],
      [3, 1, 5],
      [1, 5, 4],
      [5, 4, 2],
      [4, 2, 0],
      [2, 0, 3],
      [0, 4, 2],
    ]);
  });

  it('rejects a replication factor above the broker count', () => {
    expect(() => assignReplicasRackAware(brokers, 6, 7)).toThrow('must be 1..6');
  });

  it('gives every broker the same leader and replica count whatever start index and shift Kafka draws', () => {
    const nine = [0, 1, 2, 10, 11, 12, 20, 21, 22].map((id) => ({ id, rack: `r${Math.floor(id / 10)}` }));
    for (let start = 0; start < 9; start++) {
      for (let shift = 0; shift < 9; shift++) {
        const placement = assignReplicasRackAware(nine, 72, 3, start, shift);
        const leaders = new Map<number, number>();
        const replicas = new Map<number, number>();
        for (const p of placement) {
          leaders.set(p.replicas[0], (leaders.get(p.replicas[0]) ?? 0) + 1);
          for (const id of p.replicas) replicas.set(id, (replicas.get(id) ?? 0) + 1);
        }
        expect(new Set(leaders.values())).toEqual(new Set([8]));
        expect(new Set(replicas.values())).toEqual(new Set([24]));
        expect(placement.every((p) => new Set(p.racks).size === 3)).toBe(true);
      }
    }
  });
});

describe('topic placement on fleets', () => {
  it('puts one replica in each region for all 72 partitions of the default fleet, 8 leaders and 24 replicas per broker', () => {
    const placement = topicPlacement(DEFAULT_FLEET);
    expect(placement).toHaveLength(72);
    for (const p of placement) expect([...p.racks].sort()).toEqual(['us-central1', 'us-east4', 'us-west4']);
    const s = summarizePlacement(DEFAULT_FLEET, placement);
    expect(s.oneReplicaPerRegion).toBe(true);
    expect(s.sharedRegionPartitions).toEqual([]);
    expect([...s.leadersPerBroker.values()]).toEqual(Array(9).fill(8));
    expect([...s.replicasPerBroker.values()]).toEqual(Array(9).fill(24));
    expect([...s.leadersPerRegion.values()]).toEqual([24, 24, 24]);
    expect(s.leadersBalanced && s.replicasBalanced).toBe(true);
  });

  it('keeps the three replicas in three of four regions with a 4-region fleet', () => {
    const fleet = fourRegionFleet();
    const placement = topicPlacement(fleet);
    expect(placement).toHaveLength(72);
    for (const p of placement) expect(new Set(p.racks).size).toBe(3);
    const s = summarizePlacement(fleet, placement);
    expect(s.oneReplicaPerRegion).toBe(false);
    expect(s.sharedRegionPartitions).toEqual([]);
    expect([...s.leadersPerBroker.values()]).toEqual(Array(12).fill(6));
    expect(s.replicasBalanced).toBe(true);
  });

  it('reports unbalanced leaders when regions differ in broker count', () => {
    const regions = DEFAULT_FLEET.regions.map((r, i) => ({ ...r, kafkaReplicas: i === 0 ? 4 : 3 }));
    const fleet = fleetWith({ regions, topic: { partitions: 70 }, kafka: { defaultPartitions: 10 } });
    const s = summarizePlacement(fleet, topicPlacement(fleet));
    expect(s.sharedRegionPartitions).toEqual([]);
    expect(s.replicasBalanced).toBe(false);
  });
});
