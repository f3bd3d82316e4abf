import { Fleet, kafkaBrokers, Node, zookeeperNodes } from '@stretched-kafka/fleet';

export interface RegionInventory {
  readonly region: string;
  readonly clusterId: string;
  readonly brokers: readonly Node[];
  readonly zookeepers: readonly Node[];
}

/** Brokers and ZooKeeper nodes of each region, with the ids and host names from naming.ts. */
export function inventory(fleet: Fleet): RegionInventory[] {
  return fleet.regions.map((r) => ({ region: r.name, clusterId: r.clusterId, brokers: kafkaBrokers(fleet, r), zookeepers: zookeeperNodes(fleet, r) }));
}
