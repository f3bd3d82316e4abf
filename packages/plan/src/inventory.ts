import { Fleet, kafkaBrokers, Node } from '@stretched-kafka/fleet';
import { metadataQuorum } from './quorum';

export interface RegionInventory {
  readonly region: string;
  readonly clusterId: string;
  readonly brokers: readonly Node[];
  /** The region's members of the metadata quorum: ZooKeeper nodes or KRaft controllers. */
  readonly quorum: readonly Node[];
}

/** Brokers and metadata quorum members (ZooKeeper or KRaft controllers) of each region, with the ids and host names from naming.ts. */
export function inventory(fleet: Fleet): RegionInventory[] {
  return fleet.regions.map((r) => ({ region: r.name, clusterId: r.clusterId, brokers: kafkaBrokers(fleet, r), quorum: metadataQuorum(fleet).nodes(r) }));
}
