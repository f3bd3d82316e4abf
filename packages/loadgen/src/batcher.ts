/**
 * The accumulator kafkajs lacks (it has no batch.size / linger.ms), with one pipeline per
 * partition. Records collect per partition; a batch is closed when it reaches `batchBytes`, and
 * a partition is ready to send when it has a closed batch or its open batch's first record has
 * waited `lingerMs`. As in the Java client, a lingered batch keeps accepting records until the
 * sender takes it.
 *
 * At most one batch per partition is out at a time: take() marks a partition busy and hands out
 * its oldest batch; only release() of that batch lets the partition's next batch go. A busy
 * partition holds back nothing but itself.
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
  /** Closed batches per partition, oldest first; a partition's entry goes when it is empty. */
  private readonly closed = new Map<number, Batch<T>[]>();
  /** Partitions with a batch taken and not yet released. */
  private readonly busy = new Set<number>();
  private buffered = 0;
  private ended = false;
  private stopped = false;
  private waiters: Array<() => void> = [];
  private spaceWaiters: Array<{ limit: number; resolve: () => void }> = [];

  constructor(private readonly options: BatcherOptions) {}

  /**
   * Uncompressed bytes accepted and not yet released: queued batches plus those in flight, as
   * the Java client's buffer.memory counts a batch until its request completes.
   */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** True when nothing is queued and no batch is out. */
  get isEmpty(): boolean {
    return this.open.size === 0 && this.closed.size === 0 && this.busy.size === 0;
  }

  /** Partitions with a batch out (taken, not released). */
  get inFlight(): number {
    return this.busy.size;
  }

  /** True when the partition has an open batch that can still take records. */
  hasOpen(partition: number): boolean {
    return this.open.has(partition);
  }

  /** Batches of the partition not yet acknowledged: out, queued, and open. */
  backlog(partition: number): number {
    return (this.busy.has(partition) ? 1 : 0) + (this.closed.get(partition)?.length ?? 0) + (this.open.has(partition) ? 1 : 0);
  }

  /** True when take() would return at least one batch. */
  get ready(): boolean {
    if (this.stopped) return false;
    for (const partition of this.closed.keys()) if (!this.busy.has(partition)) return true;
    for (const batch of this.open.values()) if (batch.lingered && !this.busy.has(batch.partition)) return true;
    return false;
  }

  /**
   * True when the sender has nothing left to do: after end() once everything was released, or
   * after close() once every batch out was released (queued ones are abandoned).
   */
  get drained(): boolean {
    return this.stopped ? this.busy.size === 0 : this.ended && this.isEmpty;
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
    const queue = this.closed.get(partition);
    const done: Batch<T> = { partition, items: batch.items, bytes: batch.bytes };
    if (queue) queue.push(done);
    else this.closed.set(partition, [done]);
    this.wake();
    return true;
  }

  private markLingered(batch: OpenBatch<T>): void {
    if (this.open.get(batch.partition) !== batch || batch.lingered) return;
    batch.lingered = true;
    this.wake();
  }

  private detach(batch: OpenBatch<T>): void {
    if (batch.timer) clearTimeout(batch.timer);
    this.open.delete(batch.partition);
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Makes every open batch sendable now (shutdown: do not wait for linger). */
  flushAll(): void {
    for (const batch of [...this.open.values()]) this.markLingered(batch);
  }

  /**
   * Resolves once take() has something to return, once a batch was released (the sender
   * re-checks), or once drained.
   */
  whenReady(): Promise<void> {
    if (this.ready || this.drained) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Resolves once the buffered bytes are below `limit` (back-pressure on the record source). */
  whenBelow(limit: number): Promise<void> {
    if (this.buffered < limit || this.ended) return Promise.resolve();
    return new Promise((resolve) => this.spaceWaiters.push({ limit, resolve }));
  }

  /**
   * Takes, for every ready partition that has no batch out, its oldest closed batch or else its
   * lingered open one, and marks the partition busy until release(). One batch per partition
   * also keeps every request under the broker's per-batch message.max.bytes.
   */
  take(): Batch<T>[] {
    const taken: Batch<T>[] = [];
    if (this.stopped) return taken;
    for (const [partition, queue] of this.closed) {
      if (this.busy.has(partition)) continue;
      taken.push(queue.shift() as Batch<T>);
      if (queue.length === 0) this.closed.delete(partition);
      this.busy.add(partition);
    }
    for (const batch of [...this.open.values()]) {
      if (!batch.lingered || this.busy.has(batch.partition)) continue;
      this.detach(batch);
      taken.push({ partition: batch.partition, items: batch.items, bytes: batch.bytes });
      this.busy.add(batch.partition);
    }
    return taken;
  }

  /** The batch's request finished (acknowledged or failed): its partition may send again. */
  release(batch: Batch<T>): void {
    if (!this.busy.delete(batch.partition)) throw new Error(`partition ${batch.partition} has no batch out`);
    this.buffered -= batch.bytes;
    const waiting = this.spaceWaiters;
    this.spaceWaiters = [];
    for (const w of waiting) {
      if (this.buffered < w.limit) w.resolve();
      else this.spaceWaiters.push(w);
    }
    this.wake();
  }

  /** No more records will come: everything buffered becomes sendable and waiters wake. */
  end(): void {
    this.ended = true;
    this.flushAll();
    this.wake();
  }

  /**
   * Stops handing out batches (a fatal send error): queued records are abandoned, linger timers
   * cleared, and every waiter wakes so a failed sender cannot strand the record source. Batches
   * already out are still released by their senders.
   */
  close(): void {
    this.ended = true;
    this.stopped = true;
    for (const batch of this.open.values()) if (batch.timer) clearTimeout(batch.timer);
    this.wake();
    const waiting = this.spaceWaiters;
    this.spaceWaiters = [];
    for (const w of waiting) w.resolve();
  }
}
