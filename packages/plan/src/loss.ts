import { Fleet, kafkaBrokers } from '@stretched-kafka/fleet';
import { PartitionPlacement } from './placement';
import { metadataQuorum } from './quorum';

// What a region outage leaves, assuming every replica was in sync before it (the steady state
// the consistency settings aim for) and unclean leader election off. In ZooKeeper mode a leader
// change and an ISR shrink are both writes to ZooKeeper by the controller, in KRaft mode records
// the controller quorum commits; either way without a quorum nothing can move: partitions keep
// the leader and ISR they had.

export interface RegionLoss {
  readonly region: string;
  readonly brokersLeft: number;
  readonly brokersTotal: number;
  /** Members of the metadata quorum (ZooKeeper nodes or KRaft controllers) left, and in all. */
  readonly quorumLeft: number;
  readonly quorumTotal: number;
  /** How the plan names the quorum ("ZooKeeper", "the KRaft quorum"). */
  readonly quorumName: string;
  /** Majority of the whole ensemble, lost members included. */
  readonly quorumNeeded: number;
  readonly quorumHeld: boolean;
  readonly minInsyncReplicas: number;
  /** Partitions by the number of in-sync replicas left: ISR size -> partitions. */
  readonly isrLeft: ReadonlyMap<number, number>;
  /** Partitions that still accept acks=all writes. */
  readonly writable: number;
  /** Partitions that still serve reads. */
  readonly readable: number;
  /** Partitions whose leader was in the lost region. */
  readonly leadersToMove: number;
  /** Leaders per surviving broker once the moved leaders settle on the first surviving replica. */
  readonly leadersAfter: ReadonlyMap<number, number>;
  readonly partitions: number;
  readonly verdict: string;
}

export function quorumSize(ensemble: number): number {
  return Math.floor(ensemble / 2) + 1;
}

export function regionLoss(fleet: Fleet, placement: readonly PartitionPlacement[], lost: string): RegionLoss {
  const brokers = kafkaBrokers(fleet);
  const q = metadataQuorum(fleet);
  const zk = q.nodes();
  const survivors = brokers.filter((b) => b.region.name !== lost).map((b) => b.id);
  const quorumLeft = zk.filter((n) => n.region.name !== lost).length;
  const quorumNeeded = quorumSize(zk.length);
  const quorumHeld = quorumLeft >= quorumNeeded;
  const minIsr = fleet.kafka.minInsyncReplicas;
  const rf = fleet.kafka.replicationFactor;

  const isrLeft = new Map<number, number>();
  const leadersAfter = new Map<number, number>(survivors.map((id) => [id, 0]));
  let writable = 0;
  let readable = 0;
  let leadersToMove = 0;
  for (const p of placement) {
    const left = p.replicas.filter((_, i) => p.racks[i] !== lost);
    isrLeft.set(left.length, (isrLeft.get(left.length) ?? 0) + 1);
    const leaderLost = p.racks[0] === lost;
    if (leaderLost) leadersToMove++;
    // The controller elects the first live replica of the assignment that is in the ISR.
    const leader = quorumHeld ? left[0] : leaderLost ? undefined : p.replicas[0];
    if (leader !== undefined) leadersAfter.set(leader, (leadersAfter.get(leader) ?? 0) + 1);
    if (leader === undefined) continue;
    readable++;
    // Without a quorum the ISR cannot shrink, so acks=all waits for the lost replica forever.
    if (quorumHeld ? left.length >= minIsr : left.length === rf) writable++;
  }
  const base = { region: lost, brokersLeft: survivors.length, brokersTotal: brokers.length, quorumLeft, quorumTotal: zk.length, quorumName: q.name, quorumNeeded, quorumHeld, minInsyncReplicas: minIsr, isrLeft, writable, readable, leadersToMove, leadersAfter, partitions: placement.length };
  return { ...base, verdict: verdictOf(base) };
}

function verdictOf(l: Omit<RegionLoss, 'verdict'>): string {
  const n = l.partitions;
  if (!l.quorumHeld) {
    return `NOT SURVIVABLE: ${l.quorumName} keeps ${l.quorumLeft} of ${l.quorumTotal} (quorum ${l.quorumNeeded}); no leader can move, ${n - l.writable} of ${n} partitions stop taking writes and ${n - l.readable} stop serving reads`;
  }
  if (l.writable === n) {
    return `survives: all ${n} partitions keep writes (acks=all, min.insync.replicas=${l.minInsyncReplicas}) and reads; ${l.leadersToMove} leaders move to the other regions`;
  }
  return `DEGRADED: ${n - l.writable} of ${n} partitions fall below min.insync.replicas=${l.minInsyncReplicas} and reject acks=all writes; ${n - l.readable} partitions are offline`;
}

export function everyRegionLoss(fleet: Fleet, placement: readonly PartitionPlacement[]): RegionLoss[] {
  return fleet.regions.map((r) => regionLoss(fleet, placement, r.name));
}
