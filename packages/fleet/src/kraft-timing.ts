import type { Fleet } from './schema';
import { LINUX_MIN_RTO_MS } from './zookeeper-timing';

/** KRaft quorum and broker liveness timeouts, derived from the worst inter-region RTT. */
export interface KraftTiming {
  /** controller.quorum.fetch.timeout.ms: a voter that hears nothing from the leader this long starts an election. */
  readonly quorumFetchTimeoutMs: number;
  /** controller.quorum.election.timeout.ms: how long a candidate waits for votes (randomised up to twice this). */
  readonly quorumElectionTimeoutMs: number;
  /** controller.quorum.election.backoff.max.ms: the longest back-off after a failed election. */
  readonly quorumElectionBackoffMaxMs: number;
  /** controller.quorum.request.timeout.ms: one Vote, Fetch or BeginQuorumEpoch round across regions. */
  readonly quorumRequestTimeoutMs: number;
  /** broker.heartbeat.interval.ms: how often a broker tells the active controller it is alive. */
  readonly brokerHeartbeatIntervalMs: number;
  /** broker.session.timeout.ms: a broker without a heartbeat this long is fenced and loses its leaderships. */
  readonly brokerSessionTimeoutMs: number;
}

/** Allowance for a garbage-collection pause of a controller's or broker's heap on top of network loss. */
const GC_PAUSE_ALLOWANCE_MS = 1000;

const roundUp = (ms: number, step: number) => Math.ceil(ms / step) * step;

/**
 * Timing for a quorum whose voters, and the brokers, sit `latencyMs` apart. Kafka's defaults
 * (fetch 2 s, election 1 s, heartbeat 2 s, session 9 s) assume one data centre; each value here is
 * at least the default and grows with the RTT.
 *
 * - Loss budget, as for ZooKeeper's syncLimit (zookeeperTiming): a follower must ride out three
 *   lost segments in a row. Linux waits RTT + 200 ms before the first retransmission and doubles
 *   the wait each time: (RTT + 200) x 7, plus a GC pause allowance: 2890 ms at 70 ms.
 * - quorum fetch timeout: followers fetch from the leader continuously (a fetch returns at once
 *   or after at most half this timeout), so a live leader answers at least every RTT + fetch
 *   wait; the timeout must cover the loss budget, or a single bad second across the WAN starts a
 *   needless election (during which no metadata changes: no leader moves, no ISR shrink). It is
 *   also the time after which a lost active controller is replaced, so no more than that.
 * - election timeout: a candidate needs Vote answers from a majority, which lies across regions:
 *   one round trip, three more for a TLS handshake on a fresh connection, plus the requests'
 *   queueing. Ten round trips, at least Kafka's 1 s; the back-off after a split vote is the same
 *   (Kafka randomises both, so two candidates rarely collide twice).
 * - request timeout: one quorum request and its answer, through the loss budget.
 * - broker heartbeat: Kafka's 2 s default while it is at least 20 RTTs (a heartbeat crosses to
 *   the active controller, which may sit in another region).
 * - broker session: a broker must survive the loss budget plus two missed heartbeats, and an
 *   active-controller failover (fetch timeout + twice the election timeout + one heartbeat to find
 *   the new leader) without being fenced; Kafka's 9 s default covers both at 70 ms. It stays short
 *   on purpose: a cut region's brokers lose their partition leaderships only when their sessions
 *   expire, and acks=all writes to those partitions wait until then.
 */
export function kraftTiming(latencyMs: number): KraftTiming {
  const lossBudgetMs = (latencyMs + LINUX_MIN_RTO_MS) * 7 + GC_PAUSE_ALLOWANCE_MS;
  const quorumFetchTimeoutMs = Math.max(2000, roundUp(lossBudgetMs, 500));
  const quorumElectionTimeoutMs = Math.max(1000, roundUp(10 * latencyMs, 100));
  const brokerHeartbeatIntervalMs = Math.max(2000, roundUp(20 * latencyMs, 500));
  const failoverMs = quorumFetchTimeoutMs + 2 * quorumElectionTimeoutMs + brokerHeartbeatIntervalMs;
  const brokerSessionTimeoutMs = Math.max(9000, roundUp(Math.max(lossBudgetMs + 2 * brokerHeartbeatIntervalMs, failoverMs), 1000));
  return {
    quorumFetchTimeoutMs,
    quorumElectionTimeoutMs,
    quorumElectionBackoffMaxMs: quorumElectionTimeoutMs,
    quorumRequestTimeoutMs: Math.max(2000, roundUp(lossBudgetMs, 500)),
    brokerHeartbeatIntervalMs,
    brokerSessionTimeoutMs,
  };
}

export function fleetKraftTiming(fleet: Fleet): KraftTiming {
  return kraftTiming(fleet.network.latencyMs);
}
