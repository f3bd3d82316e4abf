import type { Fleet } from './schema';

/** ZooKeeper's heartbeat unit and the limits expressed in it, derived from the worst inter-region RTT. */
export interface ZookeeperTiming {
  readonly tickTimeMs: number;
  /** Ticks a follower may take to connect to a new leader and sync its data. */
  readonly initLimit: number;
  /** Ticks a follower may fall behind the leader before it is dropped. */
  readonly syncLimit: number;
  /** Session timeouts a client may negotiate: ZooKeeper's own bounds, 2 and 20 ticks. */
  readonly minSessionTimeoutMs: number;
  readonly maxSessionTimeoutMs: number;
}

/** Linux never retransmits a lost TCP segment sooner than this (TCP_RTO_MIN). */
export const LINUX_MIN_RTO_MS = 200;
/** Allowance for a garbage-collection pause of the 2 GiB ZooKeeper heap on top of network loss. */
const GC_PAUSE_ALLOWANCE_MS = 1000;

/**
 * Timing for an ensemble whose members sit `latencyMs` apart.
 *
 * - tickTime: ZooKeeper's 2000 ms default as long as it is at least 20 round trips, so that a
 *   leader ping (sent every half tick) and its answer always fit well inside one tick.
 * - syncLimit: a follower must ride out three lost segments in a row. Linux waits RTT + 200 ms
 *   before the first retransmission and doubles the wait each time: (RTT + 200) x (1 + 2 + 4),
 *   1890 ms at 70 ms, plus a GC pause allowance. At least 2 ticks; more would only delay the
 *   detection of a lost leader, which stalls Kafka's controller (it needs ZooKeeper writes to move
 *   partition leadership away from a lost region).
 * - initLimit: connecting and syncing costs several TLS handshakes (3 round trips each) plus a
 *   snapshot transfer of Kafka's metadata (tens of MB) through a TCP window still opening across
 *   the WAN; 5 x syncLimit, at least ZooKeeper's customary 10 ticks, is ample at 70 ms.
 */
export function zookeeperTiming(latencyMs: number): ZookeeperTiming {
  const tickTimeMs = Math.max(2000, Math.ceil((latencyMs * 20) / 500) * 500);
  const lossBudgetMs = (latencyMs + LINUX_MIN_RTO_MS) * 7 + GC_PAUSE_ALLOWANCE_MS;
  const syncLimit = Math.max(2, Math.ceil(lossBudgetMs / tickTimeMs));
  const initLimit = Math.max(10, 5 * syncLimit);
  return { tickTimeMs, initLimit, syncLimit, minSessionTimeoutMs: 2 * tickTimeMs, maxSessionTimeoutMs: 20 * tickTimeMs };
}

export function fleetZookeeperTiming(fleet: Fleet): ZookeeperTiming {
  return zookeeperTiming(fleet.network.latencyMs);
}

/**
 * zookeeper.session.timeout.ms (and connection timeout) of ZooKeeper's clients, the brokers and
 * the migrating controllers; kafkaTuning() (packages/kafka/src/tuning.ts) explains the choice.
 */
export function zookeeperClientSessionMs(latencyMs: number): number {
  const zk = zookeeperTiming(latencyMs);
  return Math.min(zk.maxSessionTimeoutMs, Math.max(zk.minSessionTimeoutMs, 18_000, 4 * zk.syncLimit * zk.tickTimeMs));
}
