import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kafka } from 'kafkajs';
import type { ConsumeConfig } from './args';
import { describeError, EXIT_KAFKA, EXIT_USAGE, FatalError } from './errors';
import { retryOptions } from './kafka';
import type { RunStats } from './stats';
import { ConsumerVerifier, StreamSets, type VerifyReport } from './verify';

export interface ConsumeResult {
  readonly verify?: VerifyReport;
  readonly fatal?: string;
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
 * the start while nothing has arrived yet, so a consumer started before its producers waits).
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

export async function runConsume(cfg: ConsumeConfig, kafka: Kafka, stats: RunStats, stop: AbortSignal): Promise<ConsumeResult> {
  const expected = cfg.expectFiles.length > 0 ? loadExpectFiles(cfg.expectFiles) : undefined;
  const verifier = cfg.verify ? new ConsumerVerifier() : undefined;
  const consumer = kafka.consumer({
    groupId: cfg.group,
    // Sent in fetch requests; brokers with a rack-aware replica.selector.class then point
    // this consumer at the in-region replica.
    rackId: cfg.rack ?? '',
    allowAutoTopicCreation: false,
    retry: { ...retryOptions(cfg.maxRetries), restartOnFailure: async () => false },
  });
  let fatal: unknown;
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) fatal = payload.error;
  });

  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [cfg.topic], fromBeginning: cfg.fromBeginning });
  } catch (e) {
    await consumer.disconnect().catch(() => undefined);
    throw new FatalError(describeError(e, cfg.topic), EXIT_KAFKA);
  }

  const startedMs = Date.now();
  let lastRecordMs: number | undefined;
  await consumer.run({
    eachBatch: async ({ batch }) => {
      if (batch.messages.length === 0) return;
      const now = Date.now();
      if (lastRecordMs === undefined) stats.start();
      let bytes = 0;
      for (const m of batch.messages) {
        bytes += (m.value?.length ?? 0) + (m.key?.length ?? 0);
        stats.latency.record(now - Number(m.timestamp));
        if (verifier && verifier.observe(batch.partition, m.value) === 'unparsable') stats.errors++;
      }
      stats.delivered(batch.messages.length, bytes);
      lastRecordMs = now;
    },
  });

  while (!stop.aborted && fatal === undefined && !shouldStopConsuming(cfg, startedMs, lastRecordMs, Date.now())) {
    await sleep(200);
  }
  // Throughput covers first to last record, not the idle wait that ends the run.
  stats.stop(lastRecordMs);
  await consumer.disconnect().catch(() => undefined);
  if (fatal !== undefined) stats.errors++;
  return {
    verify: verifier?.report(expected, cfg.records),
    fatal: fatal === undefined ? undefined : describeError(fatal, cfg.topic),
  };
}
