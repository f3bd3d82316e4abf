import { Fleet, kafkaBrokers } from '@stretched-kafka/fleet';

// Where Kafka puts the replicas of a new topic when every broker has a `broker.rack`. This is the
// ZooKeeper-mode topic creation path (AdminUtils.assignReplicasToBrokers, rack-aware branch),
// re-implemented so that a reviewer can see the placement before the topic exists. Kafka draws
// the start index and the first follower shift at random; the plan fixes both at 0, so the
// broker that leads a given partition may differ in the live cluster, but the counts per broker
// and per region are the same for every start index.

export interface BrokerRack {
  readonly id: number;
  readonly rack: string;
}

export interface PartitionPlacement {
  readonly partition: number;
  /** Broker ids; the first is the preferred leader. */
  readonly replicas: readonly number[];
  readonly racks: readonly string[];
}

/**
 * Brokers ordered so that consecutive entries sit in different racks: racks in string order,
 * brokers inside a rack by id, one broker from each rack in turn.
 */
export function rackAlternatedBrokers(brokers: readonly BrokerRack[]): number[] {
  const byRack = new Map<string, number[]>();
  for (const b of brokers) byRack.set(b.rack, [...(byRack.get(b.rack) ?? []), b.id]);
  // Kafka sorts rack names with Java's String order (UTF-16 code units), which is JS's default sort.
  const queues = [...byRack.keys()].sort().map((rack) => [...byRack.get(rack)!].sort((a, b) => a - b));
  const out: number[] = [];
  for (let round = 0; out.length < brokers.length; round++) {
    for (const q of queues) if (round < q.length) out.push(q[round]);
  }
  return out;
}

/** Index of the next follower candidate: the shift grows with the follower number and skips the first replica. */
function followerIndex(first: number, shift: number, attempt: number, size: number): number {
  return (first + 1 + ((shift + attempt) % (size - 1))) % size;
}

/**
 * Replica lists for `partitions` partitions with `replicationFactor` copies. Each follower is the
 * next candidate whose rack holds no replica yet (until every rack has one) and whose broker holds
 * none yet (until every broker has one).
 */
export function assignReplicasRackAware(brokers: readonly BrokerRack[], partitions: number, replicationFactor: number, startIndex = 0, replicaShift = 0): PartitionPlacement[] {
  if (partitions <= 0) throw new Error(`partitions = ${partitions}: must be above zero`);
  if (replicationFactor <= 0 || replicationFactor > brokers.length) {
    throw new Error(`replication factor ${replicationFactor}: must be 1..${brokers.length} (the broker count)`);
  }
  const rackOf = new Map(brokers.map((b) => [b.id, b.rack]));
  const rackCount = new Set(rackOf.values()).size;
  const order = rackAlternatedBrokers(brokers);
  const n = order.length;
  let shift = replicaShift;
  const out: PartitionPlacement[] = [];
  for (let p = 0; p < partitions; p++) {
    // After each full pass over the broker list the followers move one rack-round further, so
    // partition p and p + n do not get the same follower set.
    if (p > 0 && p % n === 0) shift += 1;
    const first = (p + startIndex) % n;
    const replicas = [order[first]];
    const racks = new Set([rackOf.get(order[first])!]);
    let attempt = 0;
    while (replicas.length < replicationFactor) {
      const candidate = order[followerIndex(first, shift * rackCount, attempt++, n)];
      const rack = rackOf.get(candidate)!;
      const rackFree = !racks.has(rack) || racks.size === rackCount;
      const brokerFree = !replicas.includes(candidate) || replicas.length === n;
      if (rackFree && brokerFree) {
        replicas.push(candidate);
        racks.add(rack);
      }
    }
    out.push({ partition: p, replicas, racks: replicas.map((id) => rackOf.get(id)!) });
  }
  return out;
}

/** The reference topic's placement on the fleet's brokers, racks = regions, start index and shift 0. */
export function topicPlacement(fleet: Fleet): PartitionPlacement[] {
  const brokers = kafkaBrokers(fleet).map((b) => ({ id: b.id, rack: b.region.name }));
  return assignReplicasRackAware(brokers, fleet.topic.partitions, fleet.kafka.replicationFactor);
}

export interface PlacementSummary {
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly leadersPerBroker: ReadonlyMap<number, number>;
  readonly replicasPerBroker: ReadonlyMap<number, number>;
  readonly leadersPerRegion: ReadonlyMap<string, number>;
  /** Partitions whose replicas are not in `replicationFactor` distinct regions. */
  readonly sharedRegionPartitions: readonly number[];
  /** True when the regions number exactly RF and every partition has one replica in each. */
  readonly oneReplicaPerRegion: boolean;
  readonly leadersBalanced: boolean;
  readonly replicasBalanced: boolean;
}

function count<K>(keys: readonly K[], all: readonly K[]): Map<K, number> {
  const m = new Map<K, number>(all.map((k) => [k, 0]));
  for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
  return m;
}

const even = (m: ReadonlyMap<unknown, number>): boolean => new Set(m.values()).size <= 1;

export function summarizePlacement(fleet: Fleet, placement: readonly PartitionPlacement[]): PlacementSummary {
  const ids = kafkaBrokers(fleet).map((b) => b.id);
  const regions = fleet.regions.map((r) => r.name);
  const rf = fleet.kafka.replicationFactor;
  const leadersPerBroker = count(placement.map((p) => p.replicas[0]), ids);
  const replicasPerBroker = count(placement.flatMap((p) => p.replicas), ids);
  const sharedRegionPartitions = placement.filter((p) => new Set(p.racks).size !== Math.min(rf, regions.length)).map((p) => p.partition);
  return {
    partitions: placement.length,
    replicationFactor: rf,
    leadersPerBroker,
    replicasPerBroker,
    leadersPerRegion: count(placement.map((p) => p.racks[0]), regions),
    sharedRegionPartitions,
    oneReplicaPerRegion: regions.length === rf && placement.every((p) => regions.every((r) => p.racks.filter((x) => x === r).length === 1)),
    leadersBalanced: even(leadersPerBroker),
    replicasBalanced: even(replicasPerBroker),
  };
}
