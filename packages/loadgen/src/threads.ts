import { Worker, parentPort, workerData } from 'node:worker_threads';
import { Kafka } from 'kafkajs';
import type { ConsumeConfig, ProduceConfig } from './args';
import { registerLz4 } from './codec';
import { loadExpectFiles, runConsume, Wakeable, waitForStop, type ConsumeResult } from './consumer';
import { useNativeCrc32c } from './crc';
import { EXIT_KAFKA, FatalError } from './errors';
import { kafkaConfig, logSink } from './kafka';
import { runProduce, share, type ProduceResult } from './producer';
import { RunStats } from './stats';
import type { TlsFiles } from './tls';
import { ConsumerVerifier, StreamSets, type AckedJson, type VerifierJson } from './verify';
import type { RunIo } from './lifecycle';

// --threads: the producers (or consumers) of one process spread over worker threads, each with
// its own kafkajs clients and event loop, so that encoding, compression and checksums of several
// send pipelines (or the decoding of several fetch streams) run on several cores (the Java
// producer has its sender thread too). The main thread only counts: it keeps the run's RunStats
// from the deliveries the threads report, so the longest stall with no acknowledgement anywhere
// is measured across all of them, and merges their acknowledged sequences (or verified reads)
// and latency histograms at the end. A consuming main thread also decides when to stop.

/** What the main thread hands one worker thread. */
export type ThreadInput =
  | { readonly kind: 'produce-thread'; readonly cfg: ProduceConfig; readonly tls?: TlsFiles }
  | { readonly kind: 'consume-thread'; readonly cfg: ConsumeConfig; readonly tls?: TlsFiles };

/** True when this thread was started as one of the program's worker threads. */
export function isThreadInput(data: unknown): data is ThreadInput {
  const kind = (data as { kind?: unknown } | null | undefined)?.kind;
  return kind === 'produce-thread' || kind === 'consume-thread';
}

/** Messages from a worker thread. */
export type ThreadMessage =
  | { readonly kind: 'started'; readonly atMs: number }
  | {
      readonly kind: 'delivered';
      readonly records: number;
      readonly bytes: number;
      readonly waitedMs: number;
      /** When the latest of these records was counted. */
      readonly atMs?: number;
      /** Consume --verify: distinct records this thread has read so far. */
      readonly distinct?: number;
    }
  | { readonly kind: 'retry' }
  | { readonly kind: 'say'; readonly line: string }
  | { readonly kind: 'joined'; readonly atMs: number }
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
  | {
      readonly kind: 'consumed';
      readonly verifier?: VerifierJson;
      readonly fatal?: string;
      readonly errors: number;
      readonly latency: string;
      readonly lastRecordMs?: number;
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
 * gathered over at most REPORT_EVERY_MS (well below any stall worth measuring); `distinct`, when
 * given, adds the thread's distinct records read so far to each report.
 */
export class ReportingStats extends RunStats {
  private pending = { records: 0, bytes: 0, waitedMs: 0 };
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly post: (m: ThreadMessage) => void,
    private readonly distinct?: () => number,
  ) {
    super();
  }

  override start(atMs?: number): void {
    super.start(atMs);
    this.post({ kind: 'started', atMs: atMs ?? Date.now() });
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
    if (p.records > 0 || p.waitedMs > 0) {
      const distinct = this.distinct?.();
      this.post({ kind: 'delivered', ...p, atMs: this.lastDeliveryAt, ...(distinct === undefined ? {} : { distinct }) });
    }
    this.pending = { records: 0, bytes: 0, waitedMs: 0 };
  }
}

/** The body of one worker thread (cli.ts runs it when it is loaded as a worker). */
export async function threadMain(): Promise<void> {
  const input = workerData as ThreadInput;
  const port = parentPort!;
  const post = (m: ThreadMessage): void => port.postMessage(m);
  registerLz4();
  useNativeCrc32c();
  const stop = new AbortController();
  port.on('message', (m: { kind?: string }) => {
    if (m.kind === 'stop') stop.abort();
  });
  // While the run waits for the topic, its own wait lines say why (kafkajs' repeats are muted, as in cli.ts).
  let waiting = false;
  const onWaiting = (active: boolean): void => {
    waiting = active;
  };
  const kafka = new Kafka(kafkaConfig(input.cfg, input.tls, logSink(input.cfg.maxRetries, () => post({ kind: 'retry' }), undefined, () => waiting)));
  const say = (line: string): void => post({ kind: 'say', line });
  try {
    if (input.kind === 'produce-thread') {
      const stats = new ReportingStats(post);
      const r = await runProduce(input.cfg, kafka, stats, stop.signal, { say, onWaiting });
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
    } else {
      const verifier = input.cfg.verify ? new ConsumerVerifier() : undefined;
      const stats = new ReportingStats(post, verifier && (() => verifier.distinct));
      const r = await runConsume(input.cfg, kafka, stats, stop.signal, { say, onWaiting, verifier, onJoined: (atMs) => post({ kind: 'joined', atMs }) });
      stats.flush();
      post({ kind: 'consumed', verifier: verifier?.toJSON(), fatal: r.fatal, errors: stats.errors, latency: stats.latency.toBase64(), lastRecordMs: stats.lastDeliveryAt });
    }
  } catch (e) {
    post({ kind: 'failed', message: (e as Error).message, exitCode: e instanceof FatalError ? e.exitCode : EXIT_KAFKA });
  }
  port.close();
}

/**
 * Runs one worker thread of `script` (the program's own bundle) per input, folds their common
 * reports (start, deliveries, retries, lines) into `stats` and hands every message to
 * `onMessage` too. A stop request is passed on to every thread. Settles when all have exited;
 * throws the first thread's start-up failure. True when some thread started its window.
 */
export async function runThreads(
  script: string,
  inputs: readonly ThreadInput[],
  stats: RunStats,
  stop: AbortSignal,
  io: RunIo,
  onMessage: (m: ThreadMessage, index: number) => void,
): Promise<boolean> {
  let failure: FatalError | undefined;
  let firstStartMs: number | undefined;
  const workers = inputs.map((input) => new Worker(script, { workerData: input }));
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
                // The first thread to start opens the measured window (by its clock: the
                // threads' messages may arrive in another order).
                if (firstStartMs === undefined || m.atMs < firstStartMs) stats.start((firstStartMs = m.atMs));
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
              case 'failed':
                failure ??= new FatalError(m.message, m.exitCode);
                break;
            }
            onMessage(m, i);
            // A thread's last word: its run has ended (clients disconnected, or given up on
            // after --shutdown-timeout-s), but kafkajs may still hold timers of an abandoned
            // connect, which would keep the thread alive; the single-thread run exits then too.
            if (m.kind === 'done' || m.kind === 'consumed' || m.kind === 'failed') {
              resolve();
              void w.terminate();
            }
          });
          w.on('error', (e) => {
            const m = { kind: 'failed', message: `${inputs[i].cfg.mode} thread ${i}: ${e.message}`, exitCode: EXIT_KAFKA } as const;
            failure ??= new FatalError(m.message, m.exitCode);
            onMessage(m, i);
            resolve();
          });
          w.on('exit', () => resolve());
        }),
    ),
  );
  stop.removeEventListener('abort', onStop);
  if (failure) throw failure;
  return firstStartMs !== undefined;
}

/**
 * Runs the producers in `cfg.threads` worker threads of `script` and folds what they report
 * into `stats` and one ProduceResult.
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
  let endMs = 0;
  const inputs = Array.from({ length: threads }, (_, i): ThreadInput => ({ kind: 'produce-thread', cfg: threadConfig(cfg, threads, i), tls }));
  const started = await runThreads(script, inputs, stats, stop, io, (m, i) => {
    if (m.kind !== 'done') return;
    partitions = Math.max(partitions, m.partitions);
    acked.mergeJson(m.acked, `thread ${i}`);
    unacknowledged += m.unacknowledged;
    fatal ??= m.fatal;
    stats.errors += m.errors;
    stats.latency.addBase64(m.latency);
    endMs = Math.max(endMs, m.endMs);
  });
  // The window ends when the last thread's run ended (it had stopped its own stats then).
  stats.stop(started ? endMs : undefined);
  return { partitions, acked, unacknowledged, fatal };
}

/**
 * The configuration of consumer thread `index` of `threads`. The threads split the partitions
 * statically (p % threads === index), each in a consumer group of its own, instead of joining one
 * group: in one group every later join is a rebalance that pauses the members already reading
 * and hands partitions over, so the run would measure rebalances and, for records read again
 * from the last commit, count some records twice. With the split each thread joins once, no
 * partition ever moves between threads, and every offset is read by exactly one of them, as one
 * consumer alone reads it (Kafka's perf consumer joins once too and leaves its join out). The
 * main thread owns every stop condition, so a thread has none of its own, no progress lines, no
 * expect files and no summary file; its client id and group name carry its index.
 */
export function consumeThreadConfig(cfg: ConsumeConfig, threads: number, index: number): ConsumeConfig {
  return {
    ...cfg,
    clientId: `${cfg.clientId}-t${index}`,
    group: `${cfg.group}.${index}of${threads}`,
    threads: 1,
    split: { index, of: threads },
    records: undefined,
    durationS: undefined,
    idleTimeoutS: 0,
    expectFiles: [],
    progressIntervalS: 0,
    summaryFile: undefined,
  };
}

/**
 * Runs `cfg.threads` consumers in worker threads of `script`: stops them all on the first stop
 * condition of the whole run (--records counts every thread's reads: with --verify their distinct
 * records, which the split keeps disjoint), then merges their verified reads per partition and
 * their latency histograms into one ConsumeResult.
 */
export async function runConsumeThreads(
  script: string,
  cfg: ConsumeConfig,
  tls: TlsFiles | undefined,
  stats: RunStats,
  stop: AbortSignal,
  io: RunIo = {},
): Promise<ConsumeResult> {
  const expected = cfg.expectFiles.length > 0 ? loadExpectFiles(cfg.expectFiles) : undefined;
  const verifier = cfg.verify ? new ConsumerVerifier() : undefined;
  const distinct = new Array<number>(cfg.threads).fill(0);
  const waker = new Wakeable();
  const halt = new AbortController();
  let failed = false;
  let fatal: string | undefined;
  let lastRecordMs: number | undefined;
  let joinedMs: number | undefined;
  const later = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined ? b : b === undefined ? a : Math.max(a, b));
  const read = (): number => (verifier ? distinct.reduce((a, b) => a + b, 0) : stats.records);
  const startedMs = Date.now();
  const inputs = Array.from({ length: cfg.threads }, (_, i): ThreadInput => ({ kind: 'consume-thread', cfg: consumeThreadConfig(cfg, cfg.threads, i), tls }));
  const running = runThreads(script, inputs, stats, halt.signal, io, (m, i) => {
    switch (m.kind) {
      case 'delivered':
        lastRecordMs = later(lastRecordMs, m.atMs);
        if (m.distinct !== undefined) distinct[i] = m.distinct;
        if (cfg.records !== undefined && read() >= cfg.records) waker.wake();
        break;
      case 'joined':
        joinedMs = later(joinedMs, m.atMs);
        break;
      case 'consumed':
        verifier?.merge(m.verifier ?? { seen: {}, holes: {}, partitions: {}, unparsable: 0, verified: 0 }, `consumer thread ${i}`);
        fatal ??= m.fatal;
        stats.errors += m.errors;
        stats.latency.addBase64(m.latency);
        lastRecordMs = later(lastRecordMs, m.lastRecordMs);
        // A thread has no stop condition of its own: one that ends before the halt crashed.
        if (!halt.signal.aborted) failed = true;
        waker.wake();
        break;
      case 'failed':
        failed = true;
        waker.wake();
        break;
    }
  });
  let exited = false;
  const settled = running.then(
    () => undefined,
    (e: unknown) => e,
  );
  void settled.then(() => {
    exited = true;
    waker.wake();
  });
  const cause = await waitForStop(cfg, stop, startedMs, () => ({ failed: failed || exited, read: read(), lastRecordMs, joinedMs }), waker);
  halt.abort();
  const failure = await settled;
  if (failure) throw failure;
  // Throughput covers first to last record of any thread, not the idle wait that ends the run.
  stats.stop(lastRecordMs);
  return { verify: verifier?.report(expected, cfg.records), fatal, stoppedBy: cause };
}
