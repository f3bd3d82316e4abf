import { Fleet, kafkaBrokers, parseQuantity } from '@stretched-kafka/fleet';
import { PartitionPlacement } from './placement';
import { metadataQuorum } from './quorum';

// The field report's cost model, fed from the fleet. Units: disks are billed per GiB-month (the
// clouds' "GB" for persistent disks is 2^30 bytes; a 300Gi PVC is 300 billed GB), network per
// GB of 10^9 bytes as the report multiplies its 1.45 GB/s directly. A month is 30 x 24 hours.

const HOURS_PER_MONTH = 30 * 24;
const GIB = 2 ** 30;
const GB = 1e9;

/** Figures quoted by the field report, shown next to the fleet's for comparison only. */
export const FIELD_REPORT = { fixedUsdPerHour: 3.8, variableUsdPerHour: 104, totalUsdPerHour: 110, messagesPerSecond: 81_000, usdPerMessage: 3.77e-7 } as const;

export interface CostPlan {
  readonly instances: number;
  readonly instanceUsdPerHour: number;
  readonly storageGib: number;
  readonly kafkaStorageGib: number;
  /** Disks of the metadata quorum: ZooKeeper nodes or KRaft controllers. */
  readonly quorumStorageGib: number;
  readonly storageUsdPerHour: number;
  readonly fixedUsdPerHour: number;
  readonly throughputGbPerSecond: number;
  /** Follower copies per record that land in another region than the leader (placement average). */
  readonly crossRegionCopies: number;
  readonly variableUsdPerHour: number;
  readonly totalUsdPerHour: number;
  /** Records per second at the costed throughput: throughput / load.recordBytes. */
  readonly messagesPerSecond: number;
  readonly usdPerMessage: number;
  /**
   * Share of produced bytes that travel from a producer in one region to a leader in another
   * (producers spread as the fleet places them, leaders as the placement does). Not in the report.
   */
  readonly crossRegionProduceShare: number;
  readonly produceUsdPerHour: number;
  /** Share of consumers' partitions that have a replica in the consumer's own region (follower fetching keeps those local). */
  readonly localReadShare: number;
}

export function costPerMessageUsd(totalUsdPerHour: number, messagesPerSecond: number): number {
  return totalUsdPerHour / (messagesPerSecond * 3600);
}

/** Inter-region $/hour for `copies` cross-region transfers of the throughput. */
export function interRegionUsdPerHour(usdPerGb: number, throughputBytesPerSecond: number, copies: number): number {
  return usdPerGb * (throughputBytesPerSecond / GB) * copies * 3600;
}

export function costPlan(fleet: Fleet, placement: readonly PartitionPlacement[]): CostPlan {
  const c = fleet.cost;
  const instances = kafkaBrokers(fleet).length;
  const kafkaStorageGib = (instances * parseQuantity(fleet.kafka.storage.size)) / GIB;
  const q = metadataQuorum(fleet);
  const quorumStorageGib = (q.nodes().length * parseQuantity(q.storageSize)) / GIB;
  const storageGib = kafkaStorageGib + quorumStorageGib;
  const storageUsdPerHour = (storageGib * c.storageUsdPerGbMonth) / HOURS_PER_MONTH;
  const fixedUsdPerHour = instances * c.instanceUsdPerHour + storageUsdPerHour;

  const crossRegionCopies = placement.reduce((n, p) => n + p.racks.slice(1).filter((r) => r !== p.racks[0]).length, 0) / Math.max(placement.length, 1);
  const variableUsdPerHour = interRegionUsdPerHour(c.interRegionUsdPerGb, c.throughputBytesPerSecond, crossRegionCopies);
  const totalUsdPerHour = fixedUsdPerHour + variableUsdPerHour;
  const messagesPerSecond = c.throughputBytesPerSecond / fleet.load.recordBytes;

  const producers = fleet.regions.reduce((n, r) => n + r.producers, 0);
  const leaderShare = (region: string) => placement.filter((p) => p.racks[0] === region).length / Math.max(placement.length, 1);
  const crossRegionProduceShare = producers === 0 ? 0 : fleet.regions.reduce((s, r) => s + (r.producers / producers) * (1 - leaderShare(r.name)), 0);

  const consumers = fleet.regions.reduce((n, r) => n + r.consumers, 0);
  const localShare = (region: string) => placement.filter((p) => p.racks.includes(region)).length / Math.max(placement.length, 1);
  const localReadShare = consumers === 0 ? 1 : fleet.regions.reduce((s, r) => s + (r.consumers / consumers) * localShare(r.name), 0);

  return {
    instances,
    instanceUsdPerHour: c.instanceUsdPerHour,
    storageGib,
    kafkaStorageGib,
    quorumStorageGib,
    storageUsdPerHour,
    fixedUsdPerHour,
    throughputGbPerSecond: c.throughputBytesPerSecond / GB,
    crossRegionCopies,
    variableUsdPerHour,
    totalUsdPerHour,
    messagesPerSecond,
    usdPerMessage: costPerMessageUsd(totalUsdPerHour, messagesPerSecond),
    crossRegionProduceShare,
    produceUsdPerHour: interRegionUsdPerHour(c.interRegionUsdPerGb, c.throughputBytesPerSecond, crossRegionProduceShare),
    localReadShare,
  };
}

/**
 * This fleet's cost next to the field report's quoted figures. The report's model bills every
 * ZooKeeper disk as large as a broker's (its 18 disks x 300 GB), so the fixed cost is also given
 * with that assumption: with the default fleet's 20Gi ZooKeeper disks it is the whole difference.
 */
export interface FieldReportComparison {
  readonly report: { readonly fixed: number; readonly variable: number; readonly total: number };
  readonly fleet: { readonly fixed: number; readonly variable: number; readonly total: number };
  /** Disks the report's model bills: one per broker and ZooKeeper node, each of the brokers' size. */
  readonly reportDisks: number;
  readonly reportDiskGib: number;
  readonly reportStorageGib: number;
  /** Fixed and total cost of this fleet with the report's disks. */
  readonly fixedWithReportDisks: number;
  readonly totalWithReportDisks: number;
}

export function fieldReportComparison(fleet: Fleet, cost: CostPlan): FieldReportComparison {
  const reportDisks = kafkaBrokers(fleet).length + metadataQuorum(fleet).nodes().length;
  const reportDiskGib = parseQuantity(fleet.kafka.storage.size) / GIB;
  const reportStorageGib = reportDisks * reportDiskGib;
  const fixedWithReportDisks = cost.instances * cost.instanceUsdPerHour + (reportStorageGib * fleet.cost.storageUsdPerGbMonth) / HOURS_PER_MONTH;
  return {
    report: { fixed: FIELD_REPORT.fixedUsdPerHour, variable: FIELD_REPORT.variableUsdPerHour, total: FIELD_REPORT.totalUsdPerHour },
    fleet: { fixed: cost.fixedUsdPerHour, variable: cost.variableUsdPerHour, total: cost.totalUsdPerHour },
    reportDisks,
    reportDiskGib,
    reportStorageGib,
    fixedWithReportDisks,
    totalWithReportDisks: fixedWithReportDisks + cost.variableUsdPerHour,
  };
}
