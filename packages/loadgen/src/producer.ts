import { randomBytes } from 'node:crypto';
import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import { CompressionTypes, Partitioners, type Admin, type Kafka, type Message, type Producer } from 'kafkajs';
import { PROGRAM, type Compression, type ProduceConfig } from './args';
import { Batcher, type Batch } from './batcher';
import { describeError, EXIT_KAFKA, FatalError } from './errors';
import { retryOptions } from './kafka';
import { Aborted, DISCONNECT_TIMEOUT_MS, settlesWithin, stderrSay, waitUntilReady, type RunIo } from './lifecycle';
import type { RunStats } from './stats';
import { encodeValue, StreamSets } from './verify';

/** Like the Java client's buffer.memory: the record source pauses above this much unsent data. */
export const BUFFER_BYTES = 32 * 1024 * 1024;

export const COMPRESSION: Record<Compression, CompressionTypes> = {
  lz4: CompressionTypes.LZ4,
  gzip: CompressionTypes.GZIP,
  none: CompressionTypes.None,
};

interface Pending {
  readonly message: Message;
  readonly seq: number;
  readonly enqueuedAt: number;
  readonly bytes: number;
}

export interface ProduceResult {
  readonly partitions: number;
  readonly acked: StreamSets;
  readonly unacknowledged: number;
  /** Set when the run ended because kafkajs gave up; the summary still reports what was acked. */
  readonly fatal?: string;
}


/**
 * Random upper-case letters: lz4 barely compresses them, so MB/s on the wire is close to the
 * payload figure (a constant filler would compress ~250x and flatter every number).
 */
export function fillerPool(bytes: number): Buffer {
  const pool = randomBytes(bytes);
  for (let i = 0; i < pool.length; i++) pool[i] = 65 + (pool[i] % 26);
  return pool;
}

/** Splits a process-wide total across n producers; the first ones take the remainder. */
export function share(total: number, n: number, index: number): number {
  return Math.floor(total / n) + (index < total % n ? 1 : 0);
}

/**
 * The partition after `current` to fill next: the first in turn (current + 1, current + 2, ...,
 * current itself last) with the fewest batches not yet acknowledged. A partition whose batch is
 * stuck is chosen again only when every other partition has at least as much outstanding.
 */
export function nextPartition(current: number, partitions: number, backlog: (partition: number) => number): number {
  let best = (current + 1) % partitions;
  let least = Infinity;
  for (let i = 1; i <= partitions && least > 0; i++) {
    const p = (current + i) % partitions;
    const b = backlog(p);
    if (b < least) {
      best = p;
      least = b;
    }
  }
  return best;
}

class Worker {
  readonly batcher: Batcher<Pending>;
  private readonly nextSeq = new Map<number, number>();
  private partition: number;
  private usedPartition = false;
  private offset = 0;
  enqueued = 0;
  ackedRecords = 0;
  failure: unknown;
  /** Set when the shutdown wait ran out: acknowledgements after that are not reported. */
  private abandoned = false;

  constructor(
    readonly id: string,
    private readonly producer: Producer,
    private readonly cfg: ProduceConfig,
    private readonly partitions: number,
    index: number,
    private readonly quota: number | undefined,
    private readonly ratePerSec: number | undefined,
    private readonly pool: Buffer,
    private readonly stats: RunStats,
    private readonly acked: StreamSets,
  ) {
    this.batcher = new Batcher({ batchBytes: cfg.batchBytes, lingerMs: cfg.lingerMs });
    // Spread the producers' starting partitions so they do not all fill partition 0 first.
    this.partition = Math.floor((index * partitions) / Math.max(1, cfg.producers)) % partitions;
    this.offset = (index * 7919) % Math.max(1, pool.length - cfg.recordBytes);
  }

  /**
   * Sticky partitioning as in the Java client: keep filling one partition until its batch
   * leaves (closed by size or taken after linger), then move on; like its adaptive partitioning
   * (KIP-794, simplified), to the next partition in turn with the shortest backlog. A partition
   * whose leader is unreachable keeps its batch out and so stops collecting records while the
   * others can take them, instead of filling a whole batch on every turn.
   */
  private pickPartition(): number {
    if (this.usedPartition && !this.batcher.hasOpen(this.partition)) {
      this.partition = nextPartition(this.partition, this.partitions, (p) => this.batcher.backlog(p));
      this.usedPartition = false;
    }
    this.usedPartition = true;
    return this.partition;
  }

  private makeRecord(now: number): Pending {
    const partition = this.pickPartition();
    const span = this.pool.length - this.cfg.recordBytes;
    this.offset = (this.offset + 4099) % Math.max(1, span);
    const filler = this.pool.subarray(this.offset, this.offset + this.cfg.recordBytes);
    let seq = -1;
    let message: Message;
    if (this.cfg.verify) {
      seq = this.nextSeq.get(partition) ?? 0;
      this.nextSeq.set(partition, seq + 1);
      message = { key: this.id, value: encodeValue(this.id, seq, this.cfg.recordBytes, filler), partition, timestamp: String(now) };
    } else {
      message = { value: filler, partition, timestamp: String(now) };
    }
    const keyBytes = this.cfg.verify ? Buffer.byteLength(this.id) : 0;
    return { message, seq, enqueuedAt: now, bytes: (message.value as Buffer).length + keyBytes };
  }

  async generate(shouldStop: () => boolean): Promise<void> {
    const start = Date.now();
    let sinceYield = 0;
    while (!shouldStop() && this.failure === undefined && (this.quota === undefined || this.enqueued < this.quota)) {
      if (this.batcher.bufferedBytes >= BUFFER_BYTES) {
        await this.batcher.whenBelow(BUFFER_BYTES);
        continue;
      }
      const now = Date.now();
      if (this.ratePerSec !== undefined) {
        const wait = start + (this.enqueued * 1000) / this.ratePerSec - now;
        if (wait > 0) {
          // Short naps so a stop request is seen promptly even at low rates.
          await sleep(Math.min(wait, 100));
          continue;
        }
      }
      const record = this.makeRecord(now);
      this.batcher.add(record.message.partition as number, record, record.bytes);
      this.enqueued++;
      if (++sinceYield >= 256) {
        sinceYield = 0;
        await yieldToLoop();
      }
    }
    this.batcher.end();
  }

  /**
   * One pipeline per partition: every ready partition whose previous batch was acknowledged
   * gets its next batch sent at once, each in a sendBatch call of its own, so a partition whose
   * leader is gone holds back only itself.
   *
   * A call carries exactly one partition because kafkajs 2.2.4 loses records when a
   * multi-partition sendBatch sees a partition's leader move to a broker that already answered
   * that call: its retry only resends to brokers without a response, so the moved partition is
   * never resent and the call still resolves (kafkajs issue #1303, fix proposed in PR #1798).
   * With one partition, every attempt goes to that partition's current leader alone.
   *
   * Why concurrent calls keep idempotence intact (kafkajs 2.2.4 src/producer/sendMessages.js and
   * eosManager): sequence numbers live per topic-partition in the producer's eosManager. Each
   * produce request takes a per-broker mutex (acquireBrokerLock, FIFO) before reading and
   * advancing its partitions' sequences and holds it until the response or error, rolling the
   * sequences back on error; so calls for different partitions led by one broker go out one
   * after another (one request in flight per broker, as maxInFlightRequests: 1 asks), each
   * touching only its own partition's counter. Calls for the same partition never overlap here
   * (one batch out per partition), so a rollback cannot rewind a sequence that a later batch of
   * that partition already used, even while that partition moves from one broker to another.
   * A call that waits longer than kafkajs' 65 s lock timeout fails before it reads a sequence;
   * kafkajs calls that error non-retriable and gives up, so sendPartition sends the same batch
   * again (nothing of it went out). Seen in the harness with a 70 ms WAN: during a region cut a
   * request to the cut broker holds that broker's lock for up to the request timeout. The price: a
   * broker's partitions go in consecutive requests instead of one, so per producer and broker one
   * batch per round trip.
   */
  async send(): Promise<void> {
    const compression = COMPRESSION[this.cfg.compression];
    for (;;) {
      for (const batch of this.batcher.take()) void this.sendPartition(batch, compression);
      if (this.batcher.drained) return;
      await this.batcher.whenReady();
    }
  }

  private async sendPartition(batch: Batch<Pending>, compression: CompressionTypes): Promise<void> {
    const started = Date.now();
    for (;;) {
      try {
        await this.producer.sendBatch({
          acks: -1,
          timeout: this.cfg.ackTimeoutMs,
          compression,
          topicMessages: [{ topic: this.cfg.topic, messages: batch.items.map((p) => p.message) }],
        });
        break;
      } catch (e) {
        if (this.abandoned) return;
        // The broker's lock timed out before the batch took its sequence numbers: send it again.
        if ((e as Error).name === 'KafkaJSLockTimeout' && this.failure === undefined) {
          this.stats.retries++;
          continue;
        }
        this.fail(e, batch);
        return;
      }
    }
    // The summary was already made without this batch; counting it now would change the
    // figures behind the report (it stays "unacknowledged", which only understates the acks).
    if (this.abandoned) return;
    const now = Date.now();
    const set = this.cfg.verify ? this.acked.get(this.id, batch.partition) : undefined;
    for (const p of batch.items) {
      this.stats.latency.record(now - p.enqueuedAt);
      set?.add(p.seq);
    }
    this.ackedRecords += batch.items.length;
    this.stats.delivered(batch.items.length, batch.bytes);
    this.stats.partitionAcked(now - started);
    this.batcher.release(batch);
  }

  /**
   * kafkajs exhausted its bounded retries. Resending these records later would reuse sequence
   * numbers it has rolled back, so this producer stops: no partition takes another batch, and the
   * batches other partitions have out finish (or fail) on their own.
   */
  private fail(e: unknown, batch: Batch<Pending>): void {
    this.failure ??= e;
    this.batcher.close();
    this.batcher.release(batch);
  }

  /** Stops waiting for the batches out (shutdown time ran out) and drops what is queued. */
  abandon(): void {
    this.abandoned = true;
    this.batcher.close();
  }
}

/** The topic's partition count from metadata; a topic without partitions counts as missing. */
async function partitionCount(admin: Admin, topic: string): Promise<number> {
  const meta = await admin.fetchTopicMetadata({ topics: [topic] });
  const count = meta.topics.find((t) => t.name === topic)?.partitions.length ?? 0;
  if (count === 0) throw Object.assign(new Error(`topic ${topic} has no partitions`), { type: 'UNKNOWN_TOPIC_OR_PARTITION' });
  return count;
}

async function disconnectAll(clients: ReadonlyArray<{ disconnect(): Promise<void> }>): Promise<void> {
  await settlesWithin(Promise.all(clients.map((c) => c.disconnect().catch(() => undefined))), DISCONNECT_TIMEOUT_MS);
}

const NOTHING_PRODUCED = (): ProduceResult => ({ partitions: 0, acked: new StreamSets(), unacknowledged: 0 });

export async function runProduce(cfg: ProduceConfig, kafka: Kafka, stats: RunStats, stop: AbortSignal, io: RunIo = {}): Promise<ProduceResult> {
  const say = io.say ?? stderrSay;
  const wait = {
    waitMs: cfg.waitForTopicS * 1000,
    signal: stop,
    say: (line: string) => say(`${PROGRAM} produce: ${line}`),
    progressMs: (cfg.progressIntervalS || 10) * 1000,
    retryMs: io.waitRetryMs,
    onWaiting: io.onWaiting,
  };
  const waitStarted = Date.now();
  const admin = kafka.admin();
  let partitions: number;
  try {
    // Connecting is part of the wait: on a first install the brokers may not be up yet.
    const attempt = async (): Promise<number> => {
      await admin.connect();
      return partitionCount(admin, cfg.topic);
    };
    partitions = await waitUntilReady(`topic ${cfg.topic}`, attempt, wait, { topic: cfg.topic });
  } catch (e) {
    if (e instanceof Aborted) return NOTHING_PRODUCED();
    if (e instanceof FatalError) throw e;
    throw new FatalError(describeError(e, cfg.topic), EXIT_KAFKA);
  } finally {
    await disconnectAll([admin]);
  }

  const producers: Producer[] = [];
  const acked = new StreamSets();
  for (let i = 0; i < cfg.producers; i++) {
    producers.push(
      kafka.producer({
        idempotent: true,
        // kafkajs keeps sequence numbers per partition and rolls them back on a failed
        // request; one request in flight per connection keeps retries in order (KIP-98).
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
        retry: retryOptions(cfg.maxRetries),
      }),
    );
  }
  try {
    // An idempotent producer's InitProducerId needs the Write ACL, which may reach this broker a
    // moment after the Describe ACL the metadata wait saw: the rest of the window covers it.
    const rest = { ...wait, waitMs: Math.max(0, wait.waitMs - (Date.now() - waitStarted)) };
    await waitUntilReady(`producer ids for ${cfg.topic}`, () => Promise.all(producers.map((p) => p.connect())), rest, { topic: cfg.topic });
  } catch (e) {
    await disconnectAll(producers);
    if (e instanceof Aborted) return { ...NOTHING_PRODUCED(), partitions };
    if (e instanceof FatalError) throw e;
    throw new FatalError(describeError(e), EXIT_KAFKA);
  }

  const pool = fillerPool(1024 * 1024 + cfg.recordBytes);
  const workers = producers.map(
    (producer, i) =>
      new Worker(
        `${cfg.clientId}-${i}`,
        producer,
        cfg,
        partitions,
        i,
        cfg.records === undefined ? undefined : share(cfg.records, cfg.producers, i),
        cfg.rate === undefined ? undefined : cfg.rate / cfg.producers,
        pool,
        stats,
        acked,
      ),
  );
  stats.start();
  const deadline = cfg.durationS === undefined ? Infinity : Date.now() + cfg.durationS * 1000;
  const shouldStop = (): boolean => stop.aborted || Date.now() >= deadline;
  const running = Promise.all(workers.map((w) => Promise.all([w.generate(shouldStop), w.send()])));
  if (!(await finishesAfterStop(running, stop, cfg.shutdownTimeoutS * 1000))) {
    const out = workers.reduce((n, w) => n + w.batcher.inFlight, 0);
    say(`${PROGRAM} produce: ${out} batches still unacknowledged ${cfg.shutdownTimeoutS} s after the stop (--shutdown-timeout-s); reporting them as unacknowledged`);
    for (const w of workers) w.abandon();
  }
  stats.stop();
  for (const w of workers) w.batcher.close();
  await disconnectAll(producers);

  const failed = workers.find((w) => w.failure !== undefined);
  if (failed) stats.errors += workers.filter((w) => w.failure !== undefined).length;
  return {
    partitions,
    acked,
    unacknowledged: workers.reduce((n, w) => n + (w.enqueued - w.ackedRecords), 0),
    fatal: failed ? `producer ${failed.id}: ${describeError(failed.failure)}` : undefined,
  };
}

/**
 * Waits for `running` as long as it takes, but once `stop` fires for at most `capMs` more: an
 * unstopped run waits out kafkajs' whole retry budget for its last batches (their acks are the
 * result), a stopped one must end within the pod's termination grace period. False on the cap.
 */
export function finishesAfterStop(running: Promise<unknown>, stop: AbortSignal, capMs: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const startCap = (): void => {
      timer = setTimeout(() => resolve(false), capMs);
    };
    if (stop.aborted) startCap();
    else stop.addEventListener('abort', startCap, { once: true });
    running.then(
      () => {
        clearTimeout(timer);
        stop.removeEventListener('abort', startCap);
        resolve(true);
      },
      (e: unknown) => {
        clearTimeout(timer);
        stop.removeEventListener('abort', startCap);
        reject(e);
      },
    );
  });
}
