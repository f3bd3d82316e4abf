import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64, type Histogram } from 'hdr-histogram-js';

export interface LatencySummary {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export interface Throughput {
  readonly seconds: number;
  /** Decimal megabytes (10^6 bytes) of record payload per second, as Kafka's perf tools report. */
  readonly mbPerSec: number;
  readonly msgPerSec: number;
}

const round = (value: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
};

export function throughput(records: number, bytes: number, seconds: number): Throughput {
  if (seconds <= 0) return { seconds: 0, mbPerSec: 0, msgPerSec: 0 };
  return {
    seconds: round(seconds, 3),
    mbPerSec: round(bytes / 1e6 / seconds, 3),
    msgPerSec: round(records / seconds, 1),
  };
}

/**
 * Millisecond latencies in an HDR histogram: constant memory at 80k records/s, and exact for
 * values below 2048 ms (3 significant digits), which covers what a healthy run sees.
 */
export class LatencyRecorder {
  private readonly histogram: Histogram = build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000,
    numberOfSignificantValueDigits: 3,
  });

  record(ms: number, count = 1): void {
    // Consumer latency compares two hosts' clocks; skew can make it negative.
    const value = Math.min(Math.max(0, Math.round(ms)), 3_600_000);
    this.histogram.recordValueWithCount(value, count);
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  /** The histogram in HdrHistogram's compressed base64 form (to hand it to another thread). */
  toBase64(): string {
    return encodeIntoCompressedBase64(this.histogram);
  }

  /** Adds the counts of a histogram in toBase64() form. */
  addBase64(encoded: string): void {
    this.histogram.add(decodeFromCompressedBase64(encoded));
  }

  summary(): LatencySummary {
    if (this.histogram.totalCount === 0) return { p50: 0, p99: 0, max: 0 };
    // Percentiles come back as the top of their bucket; the max is exact, so cap them by it.
    const max = this.histogram.maxValue;
    return {
      p50: Math.min(this.histogram.getValueAtPercentile(50), max),
      p99: Math.min(this.histogram.getValueAtPercentile(99), max),
      max,
    };
  }
}

/** Counters of one run plus the longest pause between two deliveries (producer stall / RTO). */
export class RunStats {
  records = 0;
  bytes = 0;
  errors = 0;
  retries = 0;
  maxStallMs = 0;
  /** Produce only: the longest one partition waited for the acknowledgement of a batch it sent. */
  maxPartitionStallMs = 0;
  /** The signal that stopped the run (SIGTERM, SIGINT), if one did. */
  signal: string | undefined;
  readonly latency = new LatencyRecorder();
  private startMs: number | undefined;
  private endMs: number | undefined;
  private lastDeliveryMs: number | undefined;
  private lastProgress = { atMs: 0, records: 0, bytes: 0 };

  constructor(private readonly now: () => number = Date.now) {}

  /** Opens the measured window, at `atMs` when it began elsewhere (a worker thread's first record). */
  start(atMs?: number): void {
    this.startMs = atMs ?? this.now();
    this.lastProgress = { atMs: this.startMs, records: 0, bytes: 0 };
  }

  /** Records acknowledged (produce) or received (consume) at one instant. */
  delivered(records: number, bytes: number): void {
    const now = this.now();
    if (this.lastDeliveryMs !== undefined) this.maxStallMs = Math.max(this.maxStallMs, now - this.lastDeliveryMs);
    this.lastDeliveryMs = now;
    this.records += records;
    this.bytes += bytes;
  }

  /** When the latest delivery was counted. */
  get lastDeliveryAt(): number | undefined {
    return this.lastDeliveryMs;
  }

  /** A partition's batch was acknowledged `waitedMs` after it was sent. */
  partitionAcked(waitedMs: number): void {
    this.maxPartitionStallMs = Math.max(this.maxPartitionStallMs, waitedMs);
  }

  /** Ends the measured window, at `atMs` when the last delivery should close it. */
  stop(atMs?: number): void {
    this.endMs ??= atMs ?? this.now();
  }

  get stopped(): boolean {
    return this.endMs !== undefined;
  }

  get seconds(): number {
    if (this.startMs === undefined) return 0;
    return ((this.endMs ?? this.now()) - this.startMs) / 1000;
  }

  totals(): Throughput {
    return throughput(this.records, this.bytes, this.seconds);
  }

  /** One stderr line: totals so far and the rate over the last interval. */
  progressLine(mode: string): string {
    const now = this.now();
    const interval = throughput(
      this.records - this.lastProgress.records,
      this.bytes - this.lastProgress.bytes,
      (now - this.lastProgress.atMs) / 1000,
    );
    this.lastProgress = { atMs: now, records: this.records, bytes: this.bytes };
    const total = this.totals();
    const lat = this.latency.summary();
    return (
      `${mode} t=${total.seconds.toFixed(1)}s records=${this.records} ` +
      `MB/s=${interval.mbPerSec.toFixed(2)} msg/s=${interval.msgPerSec.toFixed(0)} ` +
      `(avg MB/s=${total.mbPerSec.toFixed(2)} msg/s=${total.msgPerSec.toFixed(0)}) ` +
      `p99=${lat.p99}ms errors=${this.errors} retries=${this.retries}`
    );
  }
}
