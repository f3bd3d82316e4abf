import { readFileSync } from 'node:fs';
import { AssignerProtocol, type Kafka, type PartitionAssigner } from 'kafkajs';
import { PROGRAM, type ConsumeConfig } from './args';
import { describeError, EXIT_KAFKA, EXIT_USAGE, FatalError } from './errors';
import { retryOptions } from './kafka';
import { abortable, Aborted, DISCONNECT_TIMEOUT_MS, settlesWithin, stderrSay, waitUntilReady, type RunIo } from './lifecycle';
import type { RunStats } from './stats';
import { ConsumerVerifier, StreamSets, type VerifyReport } from './verify';

export interface ConsumeResult {
  readonly verify?: VerifyReport;
  readonly fatal?: string;
  readonly stoppedBy?: StopCause;
}

/**
 * Errors of the group coordinator while `__consumer_offsets` is being created, loaded or moved
 * (a first consumer group, a broker restart, a region cut): kafkajs retries them within one join,
 * but an OffsetFetch answered by a coordinator that just lost the group crashes the consumer.
 */
const COORDINATOR_ERRORS = new Set(['GROUP_COORDINATOR_NOT_AVAILABLE', 'NOT_COORDINATOR_FOR_GROUP', 'GROUP_LOAD_IN_PROGRESS']);

/** Restarts at most this many times for coordinator errors; anything else ends the run. */
export const MAX_COORDINATOR_RESTARTS = 5;

function originalCause(e: unknown): unknown {
  let cause = e;
  while (cause && typeof cause === 'object' && 'cause' in cause && (cause as { cause?: unknown }).cause) cause = (cause as { cause: unknown }).cause;
  return cause;
}

/**
 * kafkajs `retry.restartOnFailure`: restart (rejoin the group from its committed offsets) after
 * a coordinator error, a bounded number of times; every other crash stays fatal.
 */
export function coordinatorRestarts(maxRestarts = MAX_COORDINATOR_RESTARTS): (e: unknown) => Promise<boolean> {
  let restarts = 0;
  return async (e) => {
    const type = (originalCause(e) as { type?: unknown } | undefined)?.type;
    if (typeof type !== 'string' || !COORDINATOR_ERRORS.has(type) || restarts >= maxRestarts) return false;
    restarts++;
    return true;
  };
}

/** Merges the acknowledged ranges of producer summary files (`produce --verify --summary-file`). */
export function loadExpectFiles(paths: readonly string[], read: (p: string) => string = (p) => readFileSync(p, 'utf8')): StreamSets {
  const sets = new StreamSets();
  for (const path of paths) {
    let parsed: { mode?: unknown; acked?: unknown };
    try {
      parsed = JSON.parse(read(path)) as { mode?: unknown; acked?: unknown };
    } catch (e) {
      throw new FatalError(`--expect-file ${path}: ${(e as Error).message.split('\n')[0]}`, EXIT_USAGE);
    }
    if (parsed.mode !== 'produce') throw new FatalError(`--expect-file ${path}: not a produce summary (mode is ${String(parsed.mode)})`, EXIT_USAGE);
    try {
      sets.mergeJson(parsed.acked, `--expect-file ${path}`);
    } catch (e) {
      throw new FatalError((e as Error).message, EXIT_USAGE);
    }
  }
  return sets;
}

/**
 * When to stop: duration elapsed, a stop request, or no record for idleTimeoutS (counted from
 * `startedMs` while nothing has arrived yet, so a consumer started before its producers waits;
 * the caller passes the later of its start and its latest group join).
 */
export function shouldStopConsuming(
  cfg: Pick<ConsumeConfig, 'durationS' | 'idleTimeoutS'>,
  startedMs: number,
  lastRecordMs: number | undefined,
  nowMs: number,
): boolean {
  if (cfg.durationS !== undefined && nowMs - startedMs >= cfg.durationS * 1000) return true;
  return cfg.idleTimeoutS > 0 && nowMs - (lastRecordMs ?? startedMs) >= cfg.idleTimeoutS * 1000;
}

/** Why the consumer stopped; in the summary as `stoppedBy`. */
export type StopCause = 'records' | 'duration' | 'idle' | 'signal' | 'error';

/** What the stop decision looks at; the thread runner fills it from every thread's reports. */
export interface ConsumeProgress {
  readonly failed: boolean;
  /** Records counted towards --records (with --verify: distinct ones). */
  readonly read: number;
  readonly lastRecordMs?: number;
  readonly joinedMs?: number;
}

/** The first reason to stop now, in this order, or undefined to go on. */
export function stopCause(
  cfg: Pick<ConsumeConfig, 'records' | 'durationS' | 'idleTimeoutS'>,
  stop: AbortSignal,
  startedMs: number,
  p: ConsumeProgress,
  nowMs: number,
): StopCause | undefined {
  if (stop.aborted) return 'signal';
  if (p.failed) return 'error';
  if (cfg.records !== undefined && p.read >= cfg.records) return 'records';
  if (cfg.durationS !== undefined && nowMs - startedMs >= cfg.durationS * 1000) return 'duration';
  if (shouldStopConsuming(cfg, Math.max(startedMs, p.joinedMs ?? startedMs), p.lastRecordMs, nowMs)) return 'idle';
  return undefined;
}

/** Something to wait on that its owner can cut short (a crash, --records reached, a stop request). */
export class Wakeable {
  private wakeUp: () => void = () => undefined;

  wake(): void {
    this.wakeUp();
  }

  /** Resolves after `ms` or at the next wake(), whichever comes first. */
  sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

/** Checks stopCause every 200 ms and at every wake() until it names a cause. */
export async function waitForStop(
  cfg: Pick<ConsumeConfig, 'records' | 'durationS' | 'idleTimeoutS'>,
  stop: AbortSignal,
  startedMs: number,
  progress: () => ConsumeProgress,
  waker: Wakeable,
): Promise<StopCause> {
  const onAbort = (): void => waker.wake();
  stop.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      const cause = stopCause(cfg, stop, startedMs, progress(), Date.now());
      if (cause) return cause;
      await waker.sleep(200);
    }
  } finally {
    stop.removeEventListener('abort', onAbort);
  }
}

/**
 * kafkajs partition assigner for `--threads`: this consumer's group gets only the partitions p
 * with p % of === index (spread round robin if several members share that group).
 */
export function splitAssigner(index: number, of: number): PartitionAssigner {
  const name = 'StretchedKafkaLoadSplit';
  return ({ cluster }) => ({
    name,
    version: 0,
    async assign({ members, topics }) {
      const memberIds = members.map((m) => m.memberId).sort();
      const byMember = new Map<string, Record<string, number[]>>(memberIds.map((id) => [id, {}]));
      let next = 0;
      for (const topic of topics) {
        const ids = cluster.findTopicPartitionMetadata(topic).map((m) => m.partitionId);
        for (const p of splitPartitions(ids, index, of)) {
          const assignment = byMember.get(memberIds[next++ % memberIds.length])!;
          (assignment[topic] ??= []).push(p);
        }
      }
      return memberIds.map((memberId) => ({
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 0, assignment: byMember.get(memberId)!, userData: Buffer.alloc(0) }),
      }));
    },
    protocol({ topics }) {
      return { name, metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }) };
    },
  });
}

/** The partitions of `partitionIds` that thread `index` of `of` reads, ascending. */
export function splitPartitions(partitionIds: readonly number[], index: number, of: number): number[] {
  return partitionIds.filter((p) => p % of === index).sort((a, b) => a - b);
}

/** Adds one latency per record, one histogram call per run of equal timestamps (batches share them). */
export function recordLatencies(stats: RunStats, nowMs: number, messages: readonly { readonly timestamp: string }[]): void {
  let run = 0;
  let runTimestamp = '';
  for (const m of messages) {
    if (run > 0 && m.timestamp === runTimestamp) {
      run++;
      continue;
    }
    if (run > 0) stats.latency.record(nowMs - Number(runTimestamp), run);
    runTimestamp = m.timestamp;
    run = 1;
  }
  if (run > 0) stats.latency.record(nowMs - Number(runTimestamp), run);
}

/** RunIo plus what a worker thread needs from its run. */
export interface ConsumeIo extends RunIo {
  /** The verifier to fill (a thread reports it to the main thread); default a new one. */
  readonly verifier?: ConsumerVerifier;
  /** Told at every group join. */
  readonly onJoined?: (atMs: number) => void;
}

export async function runConsume(cfg: ConsumeConfig, kafka: Kafka, stats: RunStats, stop: AbortSignal, io: ConsumeIo = {}): Promise<ConsumeResult> {
  const say = io.say ?? stderrSay;
  const expected = cfg.expectFiles.length > 0 ? loadExpectFiles(cfg.expectFiles) : undefined;
  const verifier = cfg.verify ? (io.verifier ?? new ConsumerVerifier()) : undefined;
  const report = (stoppedBy: StopCause, fatal?: string): ConsumeResult => ({ verify: verifier?.report(expected, cfg.records), fatal, stoppedBy });

  // Topic metadata (Describe on the topic) and the group's offsets (Describe on the group):
  // both answer "not yet" until the topic and this user's ACLs exist.
  const admin = kafka.admin();
  try {
    await waitUntilReady(
      `topic ${cfg.topic} and group ${cfg.group}`,
      async () => {
        // Connecting is part of the wait: on a first install the brokers may not be up yet.
        await admin.connect();
        const meta = await admin.fetchTopicMetadata({ topics: [cfg.topic] });
        if (!meta.topics.some((t) => t.name === cfg.topic && t.partitions.length > 0)) {
          throw Object.assign(new Error(`topic ${cfg.topic} has no partitions`), { type: 'UNKNOWN_TOPIC_OR_PARTITION' });
        }
        await admin.fetchOffsets({ groupId: cfg.group, topics: [cfg.topic] });
      },
      { waitMs: cfg.waitForTopicS * 1000, signal: stop, say: (l) => say(`${PROGRAM} consume: ${l}`), progressMs: (cfg.progressIntervalS || 10) * 1000, retryMs: io.waitRetryMs, onWaiting: io.onWaiting },
      { topic: cfg.topic, group: cfg.group },
    );
  } catch (e) {
    if (e instanceof Aborted) return report('signal');
    if (e instanceof FatalError) throw e;
    throw new FatalError(describeError(e, cfg.topic), EXIT_KAFKA);
  } finally {
    await settlesWithin(admin.disconnect().catch(() => undefined), DISCONNECT_TIMEOUT_MS);
  }

  const consumer = kafka.consumer({
    groupId: cfg.group,
    // Sent in fetch requests; brokers with a rack-aware replica.selector.class then point
    // this consumer at the in-region replica.
    rackId: cfg.rack ?? '',
    allowAutoTopicCreation: false,
    // The Java consumer's fetch.max.bytes default (50 MiB; kafkajs' is 10 MiB, less than one fetch
    // of 1 MiB from each of a broker's partitions); per partition both default to 1 MiB.
    maxBytes: 50 * 1024 * 1024,
    retry: { ...retryOptions(cfg.maxRetries), restartOnFailure: coordinatorRestarts() },
    ...(cfg.split ? { partitionAssigners: [splitAssigner(cfg.split.index, cfg.split.of)] } : {}),
  });
  // Wakes the wait below at once on a crash or when --records is reached.
  const waker = new Wakeable();
  let fatal: unknown;
  // Said once the group has assigned this consumer its partitions: a harness measuring end-to-end
  // latency starts its producer then, so no record waits for the join.
  // The idle timeout counts from the latest join: a join that takes longer than --idle-timeout-s
  // (a loaded machine, a coordinator still loading after a cut) must not end the run at once.
  let joinedMs: number | undefined;
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    joinedMs = Date.now();
    io.onJoined?.(joinedMs);
    say(`${PROGRAM} consume: joined group ${payload.groupId}`);
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) {
      fatal = payload.error;
      waker.wake();
    }
  });
  const disconnect = (): Promise<boolean> => settlesWithin(consumer.disconnect().catch(() => undefined), cfg.shutdownTimeoutS * 1000);

  try {
    await abortable(consumer.connect(), stop);
    await abortable(consumer.subscribe({ topics: [cfg.topic], fromBeginning: cfg.fromBeginning }), stop);
  } catch (e) {
    await disconnect();
    if (e instanceof Aborted) return report('signal');
    throw new FatalError(describeError(e, cfg.topic), EXIT_KAFKA);
  }

  const startedMs = Date.now();
  let lastRecordMs: number | undefined;
  // With --verify, replays after a rebalance do not count towards --records.
  const read = (): number => (verifier ? verifier.distinct : stats.records);
  // kafkajs commits after every eachBatch batch while autoCommit is on (its autoCommitInterval
  // and autoCommitThreshold apply to eachMessage and to commitOffsetsIfNecessary only): one
  // OffsetCommit round trip before the next batch. With --commit-interval-ms the commits are
  // periodic, as the Java consumer's auto.commit.interval.ms, and once more when leaving.
  const periodic = cfg.commitIntervalMs !== undefined;
  const nextOffsets = new Map<number, string>();
  await consumer.run({
    autoCommit: !periodic,
    ...(periodic ? { autoCommitInterval: cfg.commitIntervalMs } : {}),
    eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary }) => {
      if (batch.messages.length === 0) return;
      const now = Date.now();
      if (lastRecordMs === undefined) stats.start();
      let bytes = 0;
      for (const m of batch.messages) {
        bytes += (m.value?.length ?? 0) + (m.key?.length ?? 0);
        if (verifier && verifier.observe(batch.partition, m.offset, m.value) === 'unparsable') stats.errors++;
      }
      recordLatencies(stats, now, batch.messages);
      stats.delivered(batch.messages.length, bytes);
      lastRecordMs = now;
      if (periodic) {
        resolveOffset(batch.lastOffset());
        nextOffsets.set(batch.partition, (BigInt(batch.lastOffset()) + 1n).toString());
        await commitOffsetsIfNecessary();
      }
      if (cfg.records !== undefined && read() >= cfg.records) waker.wake();
    },
  });

  const cause = await waitForStop(cfg, stop, startedMs, () => ({ failed: fatal !== undefined, read: read(), lastRecordMs, joinedMs }), waker);
  if (periodic && fatal === undefined && nextOffsets.size > 0) {
    const offsets = [...nextOffsets].map(([partition, offset]) => ({ topic: cfg.topic, partition, offset }));
    // Best effort, like the Java consumer's commit on close: a replay is allowed, a hang is not.
    await settlesWithin(consumer.commitOffsets(offsets).catch(() => undefined), cfg.shutdownTimeoutS * 1000);
  }
  // Throughput covers first to last record, not the idle wait that ends the run.
  stats.stop(lastRecordMs);
  if (!(await disconnect())) say(`${PROGRAM} consume: leaving the group took longer than ${cfg.shutdownTimeoutS} s (--shutdown-timeout-s); not waiting`);
  if (fatal !== undefined) stats.errors++;
  return report(cause, fatal === undefined ? undefined : describeError(fatal, cfg.topic));
}
