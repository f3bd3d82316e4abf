import { Fleet, socketBufferBytes, zookeeperTiming } from '@stretched-kafka/fleet';

/** Broker settings that follow from the distance between regions. */
export interface KafkaTuning {
  readonly socketBufferBytes: number;
  readonly replicaFetchWaitMaxMs: number;
  readonly replicaLagTimeMaxMs: number;
  readonly numReplicaFetchers: number;
  readonly replicaFetchMaxBytes: number;
  readonly replicaFetchResponseMaxBytes: number;
  readonly zookeeperSessionTimeoutMs: number;
  readonly zookeeperConnectionTimeoutMs: number;
}

const MiB = 1024 * 1024;
/** Kafka's default: how long a follower's fetch waits at the leader for new data. */
const FETCH_WAIT_MS = 500;

/**
 * - replica.lag.time.max.ms: a follower leaves the ISR after this long without catching up, and
 *   until it does, acks=all writes to its partitions wait. A cut-off region therefore stalls
 *   producers for up to ~1.5x this value (the ISR check runs every half period). One healthy
 *   fetch round across regions takes fetch wait + RTT (570 ms at 70 ms); 16 rounds of slack keep
 *   a live follower in the ISR through bursts, and 10 s (Kafka's pre-2.5 default) is the floor.
 *   Kafka's current 30 s default would stall writes for up to 45 s when a region is lost.
 * - Fetch sizes: one fetcher carries at most one response per round trip, so the response cap,
 *   not the socket buffer, bounds a fetcher at 16 MiB / RTT (~240 MB/s at 70 ms); four fetchers
 *   per source broker keep the link busy without one hot partition (4 MiB cap) crowding the rest.
 * - ZooKeeper session: the brokers' sessions must survive a ZooKeeper leader change (the loss
 *   is noticed after syncLimit ticks, then an election and a sync across regions), yet stay short
 *   because the controller moves leadership off a lost broker only when its session expires.
 *   Kafka's 18 s default, at least 4x the ensemble's leader-loss detection, inside ZooKeeper's
 *   negotiable range [2, 20] ticks.
 */
export function kafkaTuning(fleet: Fleet): KafkaTuning {
  const rtt = fleet.network.latencyMs;
  const zk = zookeeperTiming(rtt);
  const session = Math.min(zk.maxSessionTimeoutMs, Math.max(zk.minSessionTimeoutMs, 18_000, 4 * zk.syncLimit * zk.tickTimeMs));
  return {
    socketBufferBytes: socketBufferBytes(fleet),
    replicaFetchWaitMaxMs: FETCH_WAIT_MS,
    replicaLagTimeMaxMs: Math.max(10_000, Math.ceil((16 * (FETCH_WAIT_MS + rtt)) / 1000) * 1000),
    numReplicaFetchers: 4,
    replicaFetchMaxBytes: 4 * MiB,
    replicaFetchResponseMaxBytes: 16 * MiB,
    zookeeperSessionTimeoutMs: session,
    zookeeperConnectionTimeoutMs: session,
  };
}

/** `inter.broker.protocol.version`: major.minor of the Kafka version in the image. */
export function interBrokerProtocolVersion(version: string): string {
  const m = /^(\d+)\.(\d+)\.\d+$/.exec(version);
  if (!m) throw new Error(`kafka.version = ${JSON.stringify(version)}: must be major.minor.patch such as 3.9.0`);
  return `${m[1]}.${m[2]}`;
}
