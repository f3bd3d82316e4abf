import { readFileSync } from 'node:fs';
import type { Kafka } from 'kafkajs';
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

export async function runConsume(cfg: ConsumeConfig, kafka: Kafka, stats: RunStats, stop: AbortSignal, io: RunIo = {}): Promise<ConsumeResult> {
  const say = io.say ?? stderrSay;
  const expected = cfg.expectFiles.length > 0 ? loadExpectFiles(cfg.expectFiles) : undefined;
  const verifier = cfg.verify ? new ConsumerVerifier() : undefined;
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
  });
  // Wakes the wait below at once on a crash or when --records is reached.
  let wake: () => void = () => undefined;
  let fatal: unknown;
  // Said once the group has assigned this consumer its partitions: a harness measuring end-to-end
  // latency starts its producer then, so no record waits for the join.
  // The idle timeout counts from the latest join: a join that takes longer than --idle-timeout-s
  // (a loaded machine, a coordinator still loading after a cut) must not end the run at once.
  let joinedMs: number | undefined;
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    joinedMs = Date.now();
    say(`${PROGRAM} consume: joined group ${payload.groupId}`);
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) {
      fatal = payload.error;
      wake();
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
  await consumer.run({
    eachBatch: async ({ batch }) => {
      if (batch.messages.length === 0) return;
      const now = Date.now();
      if (lastRecordMs === undefined) stats.start();
      let bytes = 0;
      for (const m of batch.messages) {
        bytes += (m.value?.length ?? 0) + (m.key?.length ?? 0);
        stats.latency.record(now - Number(m.timestamp));
        if (verifier && verifier.observe(batch.partition, m.offset, m.value) === 'unparsable') stats.errors++;
      }
      stats.delivered(batch.messages.length, bytes);
      lastRecordMs = now;
      if (cfg.records !== undefined && read() >= cfg.records) wake();
    },
  });

  const onAbort = (): void => wake();
  stop.addEventListener('abort', onAbort, { once: true });
  let cause: StopCause | undefined;
  for (;;) {
    const now = Date.now();
    if (stop.aborted) cause = 'signal';
    else if (fatal !== undefined) cause = 'error';
    else if (cfg.records !== undefined && read() >= cfg.records) cause = 'records';
    else if (cfg.durationS !== undefined && now - startedMs >= cfg.durationS * 1000) cause = 'duration';
    else if (shouldStopConsuming(cfg, Math.max(startedMs, joinedMs ?? startedMs), lastRecordMs, now)) cause = 'idle';
    if (cause) break;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 200);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
  stop.removeEventListener('abort', onAbort);
  // Throughput covers first to last record, not the idle wait that ends the run.
  stats.stop(lastRecordMs);
  if (!(await disconnect())) say(`${PROGRAM} consume: leaving the group took longer than ${cfg.shutdownTimeoutS} s (--shutdown-timeout-s); not waiting`);
  if (fatal !== undefined) stats.errors++;
  return report(cause, fatal === undefined ? undefined : describeError(fatal, cfg.topic));
}
