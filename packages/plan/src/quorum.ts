import { Fleet, Node, kraftControllers, metadataLayout, zookeeperNodes } from '@stretched-kafka/fleet';

/**
 * The metadata quorum of the fleet's mode, and how the plan names it: the ZooKeeper ensemble or
 * the KRaft controllers. Both follow the same majority rule: leader moves and ISR shrinks are
 * writes the quorum must commit.
 */
export interface MetadataQuorum {
  /** Subject of a sentence: "ZooKeeper keeps 2 of 7". */
  readonly name: string;
  /** Its members, plural: "ZooKeeper nodes". */
  readonly members: string;
  /** A region's members, plural, in running text: "ZooKeeper members". */
  readonly regionMembers: string;
  /** One member in running text: "ZooKeeper member". */
  readonly member: string;
  /** Table heading of a region's members and their ids. */
  readonly column: string;
  /** Role in the table of host names. */
  readonly role: string;
  /** What leader moves need: "a ZooKeeper quorum". */
  readonly quorum: string;
  /** Short label: cost rows and the loss table. */
  readonly short: string;
  readonly nodes: (region?: Fleet['regions'][number]) => Node[];
  readonly storageSize: string;
}

export function metadataQuorum(fleet: Fleet): MetadataQuorum {
  // A migration's KRaft controllers take over from ZooKeeper once the brokers register with them (phase 2).
  if (metadataLayout(fleet).brokers !== 'zookeeper') {
    return {
      name: 'the KRaft quorum',
      members: 'KRaft controllers',
      regionMembers: 'controllers',
      member: 'controller',
      column: 'KRaft controllers (node id)',
      role: 'controller',
      quorum: 'a majority of the KRaft controllers',
      short: 'Controllers',
      nodes: (region) => kraftControllers(fleet, region),
      storageSize: fleet.controllers.storage.size,
    };
  }
  return {
    name: 'ZooKeeper',
    members: 'ZooKeeper nodes',
    regionMembers: 'ZooKeeper members',
    member: 'ZooKeeper member',
    column: 'ZooKeeper (myid)',
    role: 'zookeeper',
    quorum: 'a ZooKeeper quorum',
    short: 'ZooKeeper',
    nodes: (region) => zookeeperNodes(fleet, region),
    storageSize: fleet.zookeeper.storage.size,
  };
}
