import { Fleet, socketBufferBytes, zookeeperClientSessionMs } from '@stretched-kafka/fleet';

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
  const session = zookeeperClientSessionMs(rtt);
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

/** Timeouts of the load program's Kafka clients (kafkajs), in ms. */
export interface ClientTimeouts {
  /** The produce request's timeout field: how long the leader may wait for acks=all. */
  readonly ackTimeoutMs: number;
  /** How long the client waits for any answer before it closes the connection and retries elsewhere. */
  readonly requestTimeoutMs: number;
  /** TCP and TLS handshake with one broker. */
  readonly connectionTimeoutMs: number;
}

const ceilToSecond = (ms: number): number => Math.ceil(ms / 1000) * 1000;

/**
 * The clients' timeouts follow from the brokers' tuning, so that a lost broker costs little more
 * than Kafka's own failover, while a live broker is never given up on too early:
 * - ack timeout: a partition whose leader lives but one of whose followers was cut off makes
 *   acks=all wait until the leader drops that follower from the ISR: up to 1.5 x
 *   replica.lag.time.max.ms (the leader checks every half period), then the ISR change is
 *   written to ZooKeeper or the controller across regions and the high watermark moves with the
 *   next follower fetch: two more fetch rounds (fetch wait + RTT each). That wait is legitimate,
 *   so the broker is given that long before it answers REQUEST_TIMED_OUT (which is retried).
 * - request timeout: the ack timeout, plus the request and its answer crossing the network
 *   (2 RTT) and one second for a busy client or broker. A broker that stays silent longer is
 *   gone or cut off: the patched kafkajs then closes the connection, refreshes metadata from a
 *   broker it heard from recently and sends to the partition's leader as it stands now (Java's
 *   request.timeout.ms does the same; its docs ask for a value above replica.lag.time.max.ms).
 *   Kafka moves the leaders of a lost broker after the ZooKeeper session expires (18 s), a few
 *   seconds after this fires, so the retries that follow find the new leader.
 * - connection timeout: a TCP and TLS handshake (3 round trips) after one lost SYN (Linux
 *   retransmits it after 1 s), with 2 s slack for a loaded node. Each retry against a cut-off
 *   broker costs this much, so it stays short: kafkajs' 1 s default is too short for TLS across
 *   regions on a busy node, the program's old 10 s let a stall grow by 10 s per retry.
 */
export function clientTimeouts(fleet: Fleet): ClientTimeouts {
  const rtt = fleet.network.latencyMs;
  const t = kafkaTuning(fleet);
  const ackTimeoutMs = ceilToSecond(1.5 * t.replicaLagTimeMaxMs + 2 * (t.replicaFetchWaitMaxMs + rtt));
  return {
    ackTimeoutMs,
    requestTimeoutMs: ceilToSecond(ackTimeoutMs + 2 * rtt + 1000),
    connectionTimeoutMs: ceilToSecond(1000 + 3 * rtt + 2000),
  };
}

/** `inter.broker.protocol.version`: major.minor of the Kafka version in the image. */
export function interBrokerProtocolVersion(version: string): string {
  const m = /^(\d+)\.(\d+)\.\d+$/.exec(version);
  if (!m) throw new Error(`kafka.version = ${JSON.stringify(version)}: must be major.minor.patch such as 3.9.0`);
  return `${m[1]}.${m[2]}`;
}
