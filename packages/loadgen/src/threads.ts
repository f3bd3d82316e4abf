import { Worker, parentPort, workerData } from 'node:worker_threads';
import { Kafka } from 'kafkajs';
import type { ProduceConfig } from './args';
import { registerLz4 } from './codec';
import { useNativeCrc32c } from './crc';
import { EXIT_KAFKA, FatalError } from './errors';
import { kafkaConfig, logSink } from './kafka';
import { runProduce, share, type ProduceResult } from './producer';
import { RunStats } from './stats';
import type { TlsFiles } from './tls';
import { StreamSets, type AckedJson } from './verify';
import type { RunIo } from './lifecycle';

// --threads: the producers of one process spread over worker threads, each with its own kafkajs
// clients and event loop, so that encoding, compression and checksums of several send pipelines
// run on several cores (the Java producer has its sender thread too). The main thread only
// counts: it keeps the run's RunStats from the deliveries the threads report, so the longest
// stall with no acknowledgement anywhere is measured across all of them, and merges their
// acknowledged sequences and latency histograms at the end.

/** What the main thread hands one worker thread. */
export interface ThreadInput {
  readonly kind: 'produce-thread';
  readonly cfg: ProduceConfig;
  readonly tls?: TlsFiles;
}

/** Messages from a worker thread. */
export type ThreadMessage =
  | { readonly kind: 'started'; readonly atMs: number }
  | { readonly kind: 'delivered'; readonly records: number; readonly bytes: number; readonly waitedMs: number }
  | { readonly kind: 'retry' }
  | { readonly kind: 'say'; readonly line: string }
  | {
      readonly kind: 'done';
      readonly partitions: number;
      readonly acked: AckedJson;
      readonly unacknowledged: number;
      readonly fatal?: string;
      readonly errors: number;
      readonly latency: string;
      readonly endMs: number;
    }
  | { readonly kind: 'failed'; readonly message: string; readonly exitCode: number };

/**
 * The configuration of thread `index` of `threads`: its share of the producers, records and rate,
 * a client id of its own (so producer ids stay unique), no progress lines and no summary file.
 */
export function threadConfig(cfg: ProduceConfig, threads: number, index: number): ProduceConfig {
  const producers = share(cfg.producers, threads, index);
  return {
    ...cfg,
    clientId: `${cfg.clientId}-t${index}`,
    producers,
    threads: 1,
    records: cfg.records === undefined ? undefined : share(cfg.records, threads, index),
    rate: cfg.rate === undefined ? undefined : (cfg.rate * producers) / cfg.producers,
    progressIntervalS: 0,
    summaryFile: undefined,
  };
}

/** How often a worker thread reports its deliveries (one message per batch cost ~3 % of CPU). */
export const REPORT_EVERY_MS = 20;

/**
 * RunStats of a worker thread: counts as usual and reports its deliveries to the main thread,
 * gathered over at most REPORT_EVERY_MS (well below any stall worth measuring).
 */
export class ReportingStats extends RunStats {
  private pending = { records: 0, bytes: 0, waitedMs: 0 };
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly post: (m: ThreadMessage) => void) {
    super();
  }

  override start(): void {
    super.start();
    this.post({ kind: 'started', atMs: Date.now() });
  }

  override delivered(records: number, bytes: number): void {
    super.delivered(records, bytes);
    this.pending.records += records;
    this.pending.bytes += bytes;
    this.schedule();
  }

  override partitionAcked(waitedMs: number): void {
    super.partitionAcked(waitedMs);
    this.pending.waitedMs = Math.max(this.pending.waitedMs, waitedMs);
    this.schedule();
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => this.flush(), REPORT_EVERY_MS);
  }

  /** Sends what was gathered since the last report. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const p = this.pending;
    if (p.records > 0 || p.waitedMs > 0) this.post({ kind: 'delivered', ...p });
    this.pending = { records: 0, bytes: 0, waitedMs: 0 };
  }
}

/** The body of one worker thread (cli.ts runs it when it is loaded as a worker). */
export async function produceThreadMain(): Promise<void> {
  const input = workerData as ThreadInput;
  const port = parentPort!;
  const post = (m: ThreadMessage): void => port.postMessage(m);
  registerLz4();
  useNativeCrc32c();
  const stop = new AbortController();
  port.on('message', (m: { kind?: string }) => {
    if (m.kind === 'stop') stop.abort();
  });
  const stats = new ReportingStats(post);
  const kafka = new Kafka(kafkaConfig(input.cfg, input.tls, logSink(input.cfg.maxRetries, () => post({ kind: 'retry' }))));
  try {
    const r = await runProduce(input.cfg, kafka, stats, stop.signal, { say: (line) => post({ kind: 'say', line }) });
    stats.flush();
    post({
      kind: 'done',
      partitions: r.partitions,
      acked: r.acked.toJSON(),
      unacknowledged: r.unacknowledged,
      fatal: r.fatal,
      errors: stats.errors,
      latency: stats.latency.toBase64(),
      endMs: Date.now(),
    });
  } catch (e) {
    post({ kind: 'failed', message: (e as Error).message, exitCode: e instanceof FatalError ? e.exitCode : EXIT_KAFKA });
  }
  port.close();
}

/**
 * Runs `threads` worker threads of `script` (the program's own bundle) and folds what they
 * report into `stats` and one ProduceResult. A stop request is passed on to every thread.
 */
export async function runProduceThreads(
  script: string,
  cfg: ProduceConfig,
  tls: TlsFiles | undefined,
  stats: RunStats,
  stop: AbortSignal,
  io: RunIo = {},
): Promise<ProduceResult> {
  const threads = Math.min(cfg.threads, cfg.producers);
  const acked = new StreamSets();
  let partitions = 0;
  let unacknowledged = 0;
  let fatal: string | undefined;
  let failure: FatalError | undefined;
  let started = false;
  let endMs = 0;
  const workers = Array.from({ length: threads }, (_, i) => {
    const input: ThreadInput = { kind: 'produce-thread', cfg: threadConfig(cfg, threads, i), tls };
    return new Worker(script, { workerData: input });
  });
  const onStop = (): void => {
    for (const w of workers) w.postMessage({ kind: 'stop' });
  };
  stop.addEventListener('abort', onStop, { once: true });
  if (stop.aborted) onStop();
  const say = io.say ?? ((line: string) => process.stderr.write(`${line}\n`));
  await Promise.all(
    workers.map(
      (w, i) =>
        new Promise<void>((resolve) => {
          w.on('message', (m: ThreadMessage) => {
            switch (m.kind) {
              case 'started':
                // The first thread to start opens the measured window.
                if (!started) stats.start();
                started = true;
                break;
              case 'delivered':
                if (m.records > 0) stats.delivered(m.records, m.bytes);
                if (m.waitedMs > 0) stats.partitionAcked(m.waitedMs);
                break;
              case 'retry':
                stats.retries++;
                break;
              case 'say':
                say(m.line);
                break;
              case 'done':
                partitions = Math.max(partitions, m.partitions);
                acked.mergeJson(m.acked, `thread ${i}`);
                unacknowledged += m.unacknowledged;
                fatal ??= m.fatal;
                stats.errors += m.errors;
                stats.latency.addBase64(m.latency);
                endMs = Math.max(endMs, m.endMs);
                break;
              case 'failed':
                failure ??= new FatalError(m.message, m.exitCode);
                break;
            }
          });
          w.on('error', (e) => {
            failure ??= new FatalError(`producer thread ${i}: ${e.message}`, EXIT_KAFKA);
            resolve();
          });
          w.on('exit', () => resolve());
        }),
    ),
  );
  stop.removeEventListener('abort', onStop);
  if (failure) throw failure;
  // The window ends when the last thread's run ended (it had stopped its own stats then).
  stats.stop(started ? endMs : undefined);
  return { partitions, acked, unacknowledged, fatal };
}
