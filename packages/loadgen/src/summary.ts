import type { ConsumeConfig, ProduceConfig } from './args';
import type { ConsumeResult } from './consumer';
import { EXIT_KAFKA, EXIT_OK, EXIT_VERIFY_FAILED } from './errors';
import type { ProduceResult } from './producer';
import type { RunStats } from './stats';

export interface Summary {
  /** The single JSON line for stdout. */
  readonly line: Record<string, unknown>;
  /** What --summary-file gets: the line plus per-stream detail (the producer's acked ranges). */
  readonly file: Record<string, unknown>;
  readonly exitCode: number;
}

function base(mode: string, cfg: ProduceConfig | ConsumeConfig, stats: RunStats): Record<string, unknown> {
  const t = stats.totals();
  return {
    mode,
    clientId: cfg.clientId,
    topic: cfg.topic,
    records: stats.records,
    bytes: stats.bytes,
    seconds: t.seconds,
    mbPerSec: t.mbPerSec,
    msgPerSec: t.msgPerSec,
    latencyMs: stats.latency.summary(),
    maxStallMs: stats.maxStallMs,
    // Produce: the longest one partition waited for a batch's acknowledgement, beside the RTO.
    ...(mode === 'produce' ? { maxPartitionStallMs: stats.maxPartitionStallMs } : {}),
    errors: stats.errors,
    retries: stats.retries,
    ...(stats.signal ? { signal: stats.signal } : {}),
  };
}

/** A run that could not start (no broker, TLS) still reports, so harnesses always get JSON. */
export function failedStartSummary(cfg: ProduceConfig | ConsumeConfig, stats: RunStats, fatal: string): Summary {
  // The failure that kept the run from starting is an error like any that ends a run.
  const line = { ...base(cfg.mode, cfg, stats), errors: stats.errors + 1, fatal };
  return { line, file: line, exitCode: EXIT_KAFKA };
}

export function produceSummary(cfg: ProduceConfig, stats: RunStats, result: ProduceResult): Summary {
  const line: Record<string, unknown> = {
    ...base('produce', cfg, stats),
    producers: cfg.producers,
    partitions: result.partitions,
    compression: cfg.compression,
    recordBytes: cfg.recordBytes,
    batchBytes: cfg.batchBytes,
    lingerMs: cfg.lingerMs,
    unacknowledged: result.unacknowledged,
  };
  if (cfg.verify) {
    const perPartition: Record<string, { acknowledged: number }> = {};
    for (const [p, n] of [...result.acked.perPartition()].sort(([a], [b]) => a - b)) perPartition[String(p)] = { acknowledged: n };
    line.verify = {
      producers: result.acked.byProducer.size,
      streams: result.acked.streams,
      acknowledged: result.acked.total,
      perPartition,
    };
  }
  if (result.fatal) line.fatal = result.fatal;
  const file = cfg.verify ? { ...line, acked: result.acked.toJSON() } : line;
  return { line, file, exitCode: result.fatal ? EXIT_KAFKA : EXIT_OK };
}

export function consumeSummary(cfg: ConsumeConfig, stats: RunStats, result: ConsumeResult): Summary {
  const line: Record<string, unknown> = {
    ...base('consume', cfg, stats),
    group: cfg.group,
    rack: cfg.rack ?? null,
    // With --threads each thread reads its share of the partitions in group <group>.<i>of<n>.
    ...(cfg.threads > 1 ? { threads: cfg.threads } : {}),
  };
  if (result.stoppedBy) line.stoppedBy = result.stoppedBy;
  if (result.verify) {
    const { failed, ...report } = result.verify;
    line.verify = { ...report, ok: !failed };
  }
  if (result.fatal) line.fatal = result.fatal;
  const exitCode = result.fatal ? EXIT_KAFKA : result.verify?.failed ? EXIT_VERIFY_FAILED : EXIT_OK;
  return { line, file: line, exitCode };
}
