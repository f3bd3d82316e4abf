/**
 * The accumulator kafkajs lacks (it has no batch.size / linger.ms). Records collect per
 * partition; a batch is closed when it reaches `batchBytes`, and a partition is ready to send
 * when it has a closed batch or its open batch's first record has waited `lingerMs`. As in the
 * Java client, a lingered batch keeps accepting records until the sender takes it.
 */

export interface Batch<T> {
  readonly partition: number;
  readonly items: T[];
  bytes: number;
}

export interface BatcherOptions {
  readonly batchBytes: number;
  readonly lingerMs: number;
}

interface OpenBatch<T> extends Batch<T> {
  lingered: boolean;
  timer?: ReturnType<typeof setTimeout>;
}

export class Batcher<T> {
  private readonly open = new Map<number, OpenBatch<T>>();
  private readonly closed: Batch<T>[] = [];
  private lingered = 0;
  private buffered = 0;
  private ended = false;
  private readyWaiters: Array<() => void> = [];
  private spaceWaiters: Array<{ limit: number; resolve: () => void }> = [];

  constructor(private readonly options: BatcherOptions) {}

  /** Uncompressed bytes accepted and not yet taken by the sender. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** True when nothing is buffered. */
  get isEmpty(): boolean {
    return this.open.size === 0 && this.closed.length === 0;
  }

  /** True when the partition has an open batch that can still take records. */
  hasOpen(partition: number): boolean {
    return this.open.has(partition);
  }

  /** True when take() would return at least one batch. */
  get ready(): boolean {
    return this.closed.length > 0 || this.lingered > 0;
  }

  /** Adds one record; returns true when this record filled (closed) the partition's batch. */
  add(partition: number, item: T, bytes: number): boolean {
    let batch = this.open.get(partition);
    if (!batch) {
      const opened: OpenBatch<T> = { partition, items: [], bytes: 0, lingered: false };
      this.open.set(partition, opened);
      if (this.options.lingerMs > 0) opened.timer = setTimeout(() => this.markLingered(opened), this.options.lingerMs);
      else this.markLingered(opened);
      batch = opened;
    }
    batch.items.push(item);
    batch.bytes += bytes;
    this.buffered += bytes;
    if (batch.bytes < this.options.batchBytes) return false;
    this.detach(batch);
    this.closed.push({ partition, items: batch.items, bytes: batch.bytes });
    this.notifyReady();
    return true;
  }

  private markLingered(batch: OpenBatch<T>): void {
    if (this.open.get(batch.partition) !== batch || batch.lingered) return;
    batch.lingered = true;
    this.lingered++;
    this.notifyReady();
  }

  private detach(batch: OpenBatch<T>): void {
    if (batch.timer) clearTimeout(batch.timer);
    if (batch.lingered) this.lingered--;
    this.open.delete(batch.partition);
  }

  private notifyReady(): void {
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Makes every open batch sendable now (shutdown: do not wait for linger). */
  flushAll(): void {
    for (const batch of [...this.open.values()]) this.markLingered(batch);
  }

  /** Resolves once take() has something to return, or after end() / close(). */
  whenReady(): Promise<void> {
    if (this.ready || this.ended) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  /** Resolves once the buffered bytes are below `limit` (back-pressure on the record source). */
  whenBelow(limit: number): Promise<void> {
    if (this.buffered < limit || this.ended) return Promise.resolve();
    return new Promise((resolve) => this.spaceWaiters.push({ limit, resolve }));
  }

  /**
   * Takes, for every ready partition, its oldest closed batch or else its lingered open one.
   * Later batches of a partition wait for the next send, so one request never carries more
   * than about `batchBytes` per partition (the broker's message.max.bytes is per batch).
   */
  take(): Batch<T>[] {
    const taken: Batch<T>[] = [];
    const partitions = new Set<number>();
    const rest: Batch<T>[] = [];
    for (const batch of this.closed) {
      if (partitions.has(batch.partition)) rest.push(batch);
      else {
        partitions.add(batch.partition);
        taken.push(batch);
      }
    }
    this.closed.splice(0, this.closed.length, ...rest);
    for (const batch of [...this.open.values()]) {
      if (!batch.lingered || partitions.has(batch.partition)) continue;
      this.detach(batch);
      taken.push({ partition: batch.partition, items: batch.items, bytes: batch.bytes });
    }
    for (const batch of taken) this.buffered -= batch.bytes;
    const waiting = this.spaceWaiters;
    this.spaceWaiters = [];
    for (const w of waiting) {
      if (this.buffered < w.limit) w.resolve();
      else this.spaceWaiters.push(w);
    }
    return taken;
  }

  /** No more records will come: everything buffered becomes sendable and waiters wake. */
  end(): void {
    this.ended = true;
    this.flushAll();
    this.notifyReady();
  }

  /** Clears linger timers and wakes every waiter so a failed sender cannot strand the source. */
  close(): void {
    this.ended = true;
    for (const batch of this.open.values()) if (batch.timer) clearTimeout(batch.timer);
    this.notifyReady();
    const waiting = this.spaceWaiters;
    this.spaceWaiters = [];
    for (const w of waiting) w.resolve();
  }
}
