import { CompressionTypes, KafkaJSConnectionError, KafkaJSLockTimeout, KafkaJSProtocolError, type Kafka, type Message, type Producer, type ProducerBatch, type ProducerConfig } from 'kafkajs';
import { parseArgs, type ProduceConfig } from '../src/args';
import { FatalError } from '../src/errors';
import { BUFFER_BYTES, runProduce } from '../src/producer';
import { RunStats } from '../src/stats';
import { decodeValue } from '../src/verify';
import { commonConfig, until } from './helpers';

// runProduce against a fake kafkajs producer (no network): the test decides when each
// sendBatch call resolves and records what every call carried.

interface Call {
  readonly partitions: number[];
  readonly seqs: number[];
  readonly bytes: number;
  settled: boolean;
}

class FakeProducer {
  readonly calls: Call[] = [];
  /** What runProduce passed to kafka.producer() and to every sendBatch call. */
  readonly producerOptions: Array<ProducerConfig | undefined> = [];
  readonly batchOptions: Array<Omit<ProducerBatch, 'topicMessages'>> = [];
  readonly inFlight = new Map<number, number>();
  maxConcurrent = 0;
  overlapped = false;
  private concurrent = 0;
  /** Partitions whose sendBatch calls do not resolve until free(). */
  readonly held = new Set<number>();
  private readonly waiting: Array<{ partition: number; resolve: () => void }> = [];
  delayMs: () => number = () => 0;
  failPartition: number | undefined;
  /** Calls per partition that fail as kafkajs fails a call whose broker lock timed out (nothing sent). */
  readonly lockTimeouts = new Map<number, number>();

  async sendBatch(batch: ProducerBatch): Promise<unknown> {
    const { topicMessages: _messages, ...options } = batch;
    this.batchOptions.push(options);
    const messages = (batch.topicMessages ?? []).flatMap((t) => t.messages as Message[]);
    const partitions = [...new Set(messages.map((m) => m.partition as number))];
    const call: Call = {
      partitions,
      seqs: messages.map((m) => (m.value && Buffer.isBuffer(m.value) ? (decodeValue(m.value)?.seq ?? -1) : -1)),
      bytes: messages.reduce((n, m) => n + (m.value as Buffer).length, 0),
      settled: false,
    };
    this.calls.push(call);
    for (const p of partitions) {
      if (this.inFlight.get(p)) this.overlapped = true;
      this.inFlight.set(p, (this.inFlight.get(p) ?? 0) + 1);
    }
    this.maxConcurrent = Math.max(this.maxConcurrent, ++this.concurrent);
    try {
      const p = partitions[0];
      if (this.held.has(p)) await new Promise<void>((resolve) => this.waiting.push({ partition: p, resolve }));
      else await new Promise((resolve) => setTimeout(resolve, this.delayMs()));
      if (p === this.failPartition) throw Object.assign(new Error('The producer gave up'), { retriable: false });
      const timeouts = this.lockTimeouts.get(p) ?? 0;
      if (timeouts > 0) {
        this.lockTimeouts.set(p, timeouts - 1);
        // kafkajs' Lock throws it with a message; the type declarations omit the constructor's argument.
        throw new (KafkaJSLockTimeout as unknown as new (message: string) => Error)('Timeout while acquiring lock (7 waiting locks)');
      }
      return [];
    } finally {
      this.concurrent--;
      for (const p of partitions) this.inFlight.set(p, (this.inFlight.get(p) ?? 1) - 1);
      call.settled = true;
    }
  }

  free(partition?: number): void {
    if (partition === undefined) this.held.clear();
    else this.held.delete(partition);
    for (const w of this.waiting.splice(0)) {
      if (partition === undefined || w.partition === partition) w.resolve();
      else this.waiting.push(w);
    }
  }

  callsFor(partition: number): Call[] {
    return this.calls.filter((c) => c.partitions[0] === partition);
  }
}

interface FakeStartup {
  /** The error metadata request n (from 1) fails with, if any. */
  metadataError?: (n: number) => Error | undefined;
  /** The error producer connect n (InitProducerId, from 1) fails with, if any. */
  connectError?: (n: number) => Error | undefined;
  /** Never-resolving admin connect (brokers that kafkajs keeps retrying). */
  hangConnect?: boolean;
  /** The error admin connect n (from 1) fails with, if any (brokers not up yet). */
  adminConnectError?: (n: number) => Error | undefined;
}

const protocolError = (type: string) => new KafkaJSProtocolError({ message: type, type, code: 0, retriable: false } as unknown as Error);

function fakeKafka(partitions: number, fake: FakeProducer, startup: FakeStartup = {}): Kafka & { metadataCalls: number; connectCalls: number; adminConnectCalls: number } {
  const kafka = {
    metadataCalls: 0,
    connectCalls: 0,
    adminConnectCalls: 0,
    admin: () => ({
      connect: () => {
        if (startup.hangConnect) return new Promise(() => undefined);
        const error = startup.adminConnectError?.(++kafka.adminConnectCalls);
        return error ? Promise.reject(error) : Promise.resolve();
      },
      disconnect: async () => undefined,
      fetchTopicMetadata: async () => {
        kafka.metadataCalls++;
        const error = startup.metadataError?.(kafka.metadataCalls);
        if (error) throw error;
        return { topics: [{ name: 't', partitions: Array.from({ length: partitions }, (_, i) => ({ partitionId: i })) }] };
      },
    }),
    producer: (options?: ProducerConfig) => {
      fake.producerOptions.push(options);
      return {
        connect: async () => {
          kafka.connectCalls++;
          const error = startup.connectError?.(kafka.connectCalls);
          if (error) throw error;
        },
        disconnect: async () => undefined,
        sendBatch: (b: ProducerBatch) => fake.sendBatch(b),
      } as unknown as Producer;
    },
  };
  return kafka as unknown as Kafka & { metadataCalls: number; connectCalls: number; adminConnectCalls: number };
}

function config(over: Partial<ProduceConfig>): ProduceConfig {
  return { ...commonConfig('localhost:9092'), mode: 'produce', recordBytes: 100, batchBytes: 1000, lingerMs: 5, compression: 'none', producers: 1, ackTimeoutMs: 25_000, threads: 1, ...over };
}

const quiet = { say: () => undefined, waitRetryMs: 5 };

/** Every partition's sequences over its calls, in call order. */
function seqsByPartition(fake: FakeProducer): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const c of fake.calls) out.set(c.partitions[0], [...(out.get(c.partitions[0]) ?? []), ...c.seqs]);
  return out;
}

describe('per-partition send pipelines', () => {
  it('sends exactly one partition per sendBatch call, in order, one call in flight per partition', async () => {
    const fake = new FakeProducer();
    let n = 0;
    fake.delayMs = () => [0, 7, 2, 13, 1][n++ % 5];
    const stats = new RunStats();
    const result = await runProduce(config({ records: 600 }), fakeKafka(6, fake), stats, new AbortController().signal, quiet);

    expect(result.fatal).toBeUndefined();
    expect(result.unacknowledged).toBe(0);
    expect(result.acked.total).toBe(600);
    expect(fake.calls.every((c) => c.partitions.length === 1)).toBe(true);
    expect(fake.overlapped).toBe(false);
    // Different partitions do run at the same time.
    expect(fake.maxConcurrent).toBeGreaterThan(1);
    const byPartition = seqsByPartition(fake);
    expect(byPartition.size).toBe(6);
    for (const seqs of byPartition.values()) expect(seqs).toEqual(seqs.map((_, i) => i));
    expect(stats.records).toBe(600);
    expect(stats.maxPartitionStallMs).toBeGreaterThanOrEqual(10);
  });

  it('keeps acknowledging other partitions while one partition is stuck', async () => {
    const fake = new FakeProducer();
    fake.held.add(0);
    const stats = new RunStats();
    const run = runProduce(config({ records: 400, rate: 4000 }), fakeKafka(4, fake), stats, new AbortController().signal);

    // Partition 0's first call hangs. The others must keep being acknowledged meanwhile. However
    // the machine schedules the run, partition 0 gets a batch only when its backlog is no larger
    // than every other partition's (nextPartition, tested in producer.test.ts), so at most about a
    // quarter of the records plus a batch: at least 250 of 400 reach the other partitions and are
    // acknowledged while partition 0 is stuck. A stuck partition that held back the others would
    // leave this at the first few batches.
    await until('250 records acknowledged on the other partitions', () => stats.records >= 250, 15_000);
    expect(fake.callsFor(0)).toHaveLength(1);
    expect(fake.callsFor(0)[0].settled).toBe(false);
    const ackedWhileStuck = stats.records;

    fake.free(0);
    const result = await run;
    expect(result.acked.total).toBe(400);
    expect(result.unacknowledged).toBe(0);
    expect(fake.overlapped).toBe(false);
    const atPartition0 = seqsByPartition(fake).get(0)!;
    expect(atPartition0).toEqual(atPartition0.map((_, i) => i));
    // Nothing of partition 0 was acknowledged while it was stuck.
    expect(ackedWhileStuck).toBeLessThanOrEqual(400 - atPartition0.length);
  }, 30_000);

  it('stops generating at the memory bound, counting batches in flight', async () => {
    const fake = new FakeProducer();
    for (let p = 0; p < 4; p++) fake.held.add(p);
    const recordBytes = 64 * 1024;
    const stop = new AbortController();
    const stats = new RunStats();
    const run = runProduce(config({ records: 10_000, recordBytes, batchBytes: 4 * recordBytes, verify: false }), fakeKafka(4, fake), stats, stop.signal);
    await until('four calls in flight', () => fake.calls.length === 4);
    await new Promise((r) => setTimeout(r, 200));
    stop.abort();
    fake.free();
    const result = await run;
    const limit = BUFFER_BYTES / recordBytes;
    // The source pauses once 32 MiB are unacknowledged (including the four batches out) and
    // stays paused while nothing is acknowledged: it stops within one record of the bound.
    expect(stats.records).toBeGreaterThanOrEqual(limit);
    expect(stats.records).toBeLessThanOrEqual(limit + 1);
    expect(result.unacknowledged).toBe(0);
    expect(fake.calls.every((c) => c.bytes <= 4 * recordBytes)).toBe(true);
  });

  it('a fatal error in one partition stops the producer; nothing is resent, other partitions finish what is out', async () => {
    const fake = new FakeProducer();
    fake.failPartition = 1;
    fake.delayMs = () => 2;
    const stats = new RunStats();
    const result = await runProduce(config({ records: 2000 }), fakeKafka(3, fake), stats, new AbortController().signal);
    expect(result.fatal).toMatch(/producer c-0: /);
    expect(stats.errors).toBe(1);
    expect(fake.callsFor(1)).toHaveLength(1);
    expect(fake.calls.every((c) => c.settled)).toBe(true);
    // Acknowledged = what the other partitions' calls carried; the failed batch and whatever was
    // still queued are reported unacknowledged, and the source stopped early.
    const sentElsewhere = fake.calls.filter((c) => c.partitions[0] !== 1).reduce((n, c) => n + c.seqs.length, 0);
    expect(result.acked.total).toBe(sentElsewhere);
    expect(stats.records).toBe(sentElsewhere);
    expect(result.unacknowledged).toBeGreaterThanOrEqual(fake.callsFor(1)[0].seqs.length);
    expect(result.acked.total + result.unacknowledged).toBeLessThan(2000);
  });

  it('sends a batch again when its broker lock timed out (kafkajs calls that non-retriable; nothing went out)', async () => {
    const fake = new FakeProducer();
    fake.lockTimeouts.set(1, 2);
    fake.delayMs = () => 1;
    const stats = new RunStats();
    const result = await runProduce(config({ records: 300 }), fakeKafka(3, fake), stats, new AbortController().signal);
    expect(result.fatal).toBeUndefined();
    expect(result.acked.total).toBe(300);
    expect(stats.retries).toBe(2);
    // The first batch of partition 1 went three times with the same records; then the next ones.
    const p1 = fake.callsFor(1);
    expect(p1[1].seqs).toEqual(p1[0].seqs);
    expect(p1[2].seqs).toEqual(p1[0].seqs);
    expect(p1.length).toBeGreaterThan(3);
  });

  it('on stop, flushes lingering batches at once and drains every pipeline', async () => {
    const fake = new FakeProducer();
    fake.delayMs = () => 3;
    const stop = new AbortController();
    const stats = new RunStats();
    // Linger far longer than the test: only the shutdown flush can send these batches.
    const run = runProduce(config({ durationS: 600, rate: 2000, lingerMs: 60_000, batchBytes: 1 << 20 }), fakeKafka(5, fake), stats, stop.signal);
    await new Promise((r) => setTimeout(r, 150));
    expect(fake.calls).toHaveLength(0);
    const started = Date.now();
    stop.abort();
    const result = await run;
    expect(Date.now() - started).toBeLessThan(2000);
    expect(result.unacknowledged).toBe(0);
    expect(result.acked.total).toBe(stats.records);
    expect(stats.records).toBeGreaterThan(50);
    for (const seqs of seqsByPartition(fake).values()) expect(seqs).toEqual(seqs.map((_, i) => i));
  });
});

describe('what the program asks kafkajs for', () => {
  /** A config built the way users build it, so the program's own defaults are what is tested. */
  const fromCli = (...extra: string[]): ProduceConfig => {
    const parsed = parseArgs(['produce', '--bootstrap', 'b:9093', '--topic', 't', '--plaintext', '--records', '300', '--client-id', 'c', '--progress-interval-s', '0', ...extra], {});
    if (parsed.kind !== 'run') throw new Error(parsed.stderr);
    return parsed.config as ProduceConfig;
  };

  it('idempotent producers with one request in flight, acks=all and lz4 by default', async () => {
    const fake = new FakeProducer();
    const cfg = fromCli('--producers', '3', '--batch-bytes', '20000');
    const result = await runProduce(cfg, fakeKafka(4, fake), new RunStats(), new AbortController().signal, quiet);
    expect(result.acked.total + result.unacknowledged).toBe(0); // no --verify: nothing tracked
    expect(fake.producerOptions).toHaveLength(3);
    for (const options of fake.producerOptions) {
      expect(options).toMatchObject({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    }
    expect(fake.batchOptions.length).toBeGreaterThan(0);
    for (const options of fake.batchOptions) expect(options).toMatchObject({ acks: -1, compression: CompressionTypes.LZ4 });
  });

  it('passes the chosen compression on (so the lz4 assertion above is not vacuous)', async () => {
    const fake = new FakeProducer();
    await runProduce(fromCli('--compression', 'gzip'), fakeKafka(2, fake), new RunStats(), new AbortController().signal, quiet);
    expect(new Set(fake.batchOptions.map((o) => o.compression))).toEqual(new Set([CompressionTypes.GZIP]));
    expect(fake.batchOptions.every((o) => o.acks === -1)).toBe(true);
  });
});

describe('waiting for the topic and the ACLs (--wait-for-topic-s)', () => {
  it('treats a missing topic and missing authorization as "not yet", with progress lines, then produces', async () => {
    const fake = new FakeProducer();
    const kafka = fakeKafka(3, fake, {
      metadataError: (n) => (n <= 2 ? protocolError('TOPIC_AUTHORIZATION_FAILED') : n === 3 ? protocolError('UNKNOWN_TOPIC_OR_PARTITION') : undefined),
      connectError: (n) => (n === 1 ? protocolError('CLUSTER_AUTHORIZATION_FAILED') : undefined),
    });
    const lines: string[] = [];
    const waiting: boolean[] = [];
    const io = { say: (l: string) => lines.push(l), waitRetryMs: 5, onWaiting: (w: boolean) => waiting.push(w) };
    const result = await runProduce(config({ records: 30, waitForTopicS: 600 }), kafka, new RunStats(), new AbortController().signal, io);
    // The CLI mutes kafkajs' repeated refusals between these two calls, and only then.
    expect(waiting[0]).toBe(true);
    expect(waiting[waiting.length - 1]).toBe(false);
    expect(kafka.metadataCalls).toBe(4);
    expect(kafka.connectCalls).toBe(2);
    expect(result).toMatchObject({ partitions: 3, unacknowledged: 0 });
    expect(result.acked.total).toBe(30);
    // One line per new reason (the repeated one is not reprinted within the progress interval).
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^stretched-kafka-load produce: waiting for topic t: not authorized to describe topic t \(TOPIC_AUTHORIZATION_FAILED.*; \d+ s of 600 s \(--wait-for-topic-s\)$/);
    expect(lines[1]).toMatch(/waiting for topic t: topic t does not exist \(UNKNOWN_TOPIC_OR_PARTITION\)/);
    expect(lines[2]).toMatch(/waiting for producer ids for t: not authorized to start an idempotent producer \(CLUSTER_AUTHORIZATION_FAILED/);
  });

  it('waits for brokers that are not up yet (a first install), but not past a TLS failure', async () => {
    const refused = () => new KafkaJSConnectionError('Connection error: connect ECONNREFUSED', { broker: 'kafka-0:9093', code: 'ECONNREFUSED' });
    const lines: string[] = [];
    const kafka = fakeKafka(2, new FakeProducer(), { adminConnectError: (n) => (n <= 2 ? refused() : undefined) });
    const result = await runProduce(config({ records: 20, waitForTopicS: 600 }), kafka, new RunStats(), new AbortController().signal, { say: (l) => lines.push(l), waitRetryMs: 5 });
    expect(kafka.adminConnectCalls).toBe(3);
    expect(result.acked.total).toBe(20);
    expect(lines).toEqual([expect.stringMatching(/^stretched-kafka-load produce: waiting for topic t: connection refused to kafka-0:9093; \d+ s of 600 s/)]);

    const tlsFailure = new KafkaJSConnectionError('Connection error: altnames', { broker: 'kafka-0:9093', code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    const bad = fakeKafka(2, new FakeProducer(), { adminConnectError: () => tlsFailure });
    const error = await runProduce(config({ records: 20, waitForTopicS: 600 }), bad, new RunStats(), new AbortController().signal, quiet).catch((e: unknown) => e);
    expect((error as FatalError).message).toMatch(/^TLS host name mismatch for kafka-0:9093/);
    expect(bad.adminConnectCalls).toBe(1);
  });

  it('gives up after the window with exit 3 and one line saying what was missing', async () => {
    const kafka = fakeKafka(3, new FakeProducer(), { metadataError: () => protocolError('TOPIC_AUTHORIZATION_FAILED') });
    const error = await runProduce(config({ records: 30, waitForTopicS: 0.05 }), kafka, new RunStats(), new AbortController().signal, quiet).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FatalError);
    expect((error as FatalError).exitCode).toBe(3);
    expect((error as FatalError).message).toMatch(/^still not authorized to describe topic t \(TOPIC_AUTHORIZATION_FAILED[^\n]*\) after \d+ s \(--wait-for-topic-s 0\.05\)$/);
    expect(kafka.metadataCalls).toBeGreaterThan(1);
  });

  it('without a wait (the interactive default) fails at the first answer, as before', async () => {
    const kafka = fakeKafka(3, new FakeProducer(), { metadataError: () => protocolError('UNKNOWN_TOPIC_OR_PARTITION') });
    const error = await runProduce(config({ records: 30 }), kafka, new RunStats(), new AbortController().signal, quiet).catch((e: unknown) => e);
    expect((error as FatalError).message).toBe('topic t does not exist (UNKNOWN_TOPIC_OR_PARTITION)');
    expect(kafka.metadataCalls).toBe(1);
  });

  it('does not wait on other errors', async () => {
    const kafka = fakeKafka(3, new FakeProducer(), { metadataError: () => protocolError('POLICY_VIOLATION') });
    const error = await runProduce(config({ records: 30, waitForTopicS: 600 }), kafka, new RunStats(), new AbortController().signal, quiet).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FatalError);
    expect(kafka.metadataCalls).toBe(1);
  });
});

describe('stop requests (SIGTERM/SIGINT)', () => {
  it('end the connect phase at once with an empty result (the connect itself never returns)', async () => {
    const stop = new AbortController();
    const kafka = fakeKafka(3, new FakeProducer(), { hangConnect: true });
    const run = runProduce(config({ records: 30 }), kafka, new RunStats(), stop.signal, quiet);
    await new Promise((r) => setImmediate(r));
    stop.abort();
    await expect(run).resolves.toMatchObject({ partitions: 0, unacknowledged: 0 });
  });

  it('end the wait for the topic', async () => {
    const stop = new AbortController();
    const kafka = fakeKafka(3, new FakeProducer(), { metadataError: () => protocolError('UNKNOWN_TOPIC_OR_PARTITION') });
    const run = runProduce(config({ records: 30, waitForTopicS: 3600 }), kafka, new RunStats(), stop.signal, { say: () => undefined, waitRetryMs: 60_000 });
    await until('a first metadata attempt', () => kafka.metadataCalls > 0);
    stop.abort();
    const result = await run;
    expect(result.acked.total).toBe(0);
    expect(kafka.metadataCalls).toBe(1);
  });

  it('cap the wait for unacknowledged batches at --shutdown-timeout-s, reporting them unacknowledged', async () => {
    // One partition whose leader never answers: only the cap can end this run.
    const fake = new FakeProducer();
    fake.held.add(0);
    const stop = new AbortController();
    const stats = new RunStats();
    const lines: string[] = [];
    const run = runProduce(config({ records: 300, shutdownTimeoutS: 0.05 }), fakeKafka(1, fake), stats, stop.signal, { say: (l) => lines.push(l) });
    await until('a batch out', () => fake.calls.length === 1);
    stop.abort();
    const result = await run;
    expect(result.acked.total).toBe(0);
    expect(result.unacknowledged).toBeGreaterThanOrEqual(fake.calls[0].seqs.length);
    expect(lines).toEqual(['stretched-kafka-load produce: 1 batches still unacknowledged 0.05 s after the stop (--shutdown-timeout-s); reporting them as unacknowledged']);
    // A late acknowledgement does not change what was reported.
    fake.free(0);
    await until('the held call to settle', () => fake.calls[0].settled);
    await new Promise((r) => setImmediate(r));
    expect(result.acked.total).toBe(0);
    expect(stats.records).toBe(0);
  });

  it('without a stop, a run waits for its last batch however long it takes', async () => {
    const fake = new FakeProducer();
    fake.held.add(0);
    let finished = false;
    const run = runProduce(config({ records: 50, shutdownTimeoutS: 0 }), fakeKafka(1, fake), new RunStats(), new AbortController().signal, quiet).then((r) => {
      finished = true;
      return r;
    });
    await until('the batch to be out', () => fake.calls.length === 1);
    // The shutdown cap (0 s here) applies only after a stop request.
    await new Promise((r) => setTimeout(r, 50));
    expect(finished).toBe(false);
    fake.free(0);
    expect((await run).unacknowledged).toBe(0);
  });
});
