import { KafkaJSGroupCoordinatorNotFound, KafkaJSProtocolError, type Consumer, type EachBatchPayload, type Kafka } from 'kafkajs';
import type { ConsumeConfig } from '../src/args';
import { coordinatorRestarts, loadExpectFiles, runConsume, shouldStopConsuming } from '../src/consumer';
import { FatalError } from '../src/errors';
import { RunStats } from '../src/stats';
import { consumeSummary } from '../src/summary';
import { encodeValue } from '../src/verify';
import { commonConfig, until } from './helpers';

// kafkajs' typings leave out the message argument its errors take.
const CoordinatorNotFound = KafkaJSGroupCoordinatorNotFound as unknown as new (message: string) => Error;

describe('shouldStopConsuming', () => {
  const start = 10_000;
  it('stops at the duration', () => {
    expect(shouldStopConsuming({ durationS: 5, idleTimeoutS: 0 }, start, start + 100, start + 4_999)).toBe(false);
    expect(shouldStopConsuming({ durationS: 5, idleTimeoutS: 0 }, start, start + 100, start + 5_000)).toBe(true);
  });

  it('stops after idling since the last record, or since the start when nothing came', () => {
    const cfg = { durationS: undefined, idleTimeoutS: 30 };
    expect(shouldStopConsuming(cfg, start, undefined, start + 29_999)).toBe(false);
    expect(shouldStopConsuming(cfg, start, undefined, start + 30_000)).toBe(true);
    expect(shouldStopConsuming(cfg, start, start + 20_000, start + 49_999)).toBe(false);
    expect(shouldStopConsuming(cfg, start, start + 20_000, start + 50_000)).toBe(true);
  });

  it('never stops on idle with --idle-timeout-s 0', () => {
    expect(shouldStopConsuming({ durationS: undefined, idleTimeoutS: 0 }, start, undefined, start + 1e9)).toBe(false);
  });
});

describe('loadExpectFiles', () => {
  const files: Record<string, string> = {
    'a.json': JSON.stringify({ mode: 'produce', acked: { 'a-0': { '0': [[0, 9]] } } }),
    'b.json': JSON.stringify({ mode: 'produce', acked: { 'b-0': { '0': [[0, 4]], '5': [[0, 1]] } } }),
    'c.json': JSON.stringify({ mode: 'consume' }),
    'd.json': '{not json',
  };
  const read = (p: string) => files[p];

  it('merges several producer summaries', () => {
    const sets = loadExpectFiles(['a.json', 'b.json'], read);
    expect(sets.total).toBe(17);
    expect(sets.streams).toBe(3);
  });

  it('rejects other files as usage errors (exit 2)', () => {
    for (const [file, message] of [['c.json', /not a produce summary/], ['d.json', /--expect-file d.json: /]] as const) {
      let caught: unknown;
      try {
        loadExpectFiles([file], read);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(FatalError);
      expect((caught as FatalError).exitCode).toBe(2);
      expect((caught as FatalError).message).toMatch(message);
    }
  });
});

// runConsume against a fake kafkajs consumer: the test hands it batches.

const protocolError = (type: string) => new KafkaJSProtocolError({ message: type, type, code: 0, retriable: false } as unknown as Error);

interface FakeConsumerKafka extends Kafka {
  /** Delivers one batch of records of partition `partition` at offsets from `offset`, producer p-0 sequences `seqs`. */
  deliver(partition: number, offset: number, seqs: number[]): Promise<void>;
  readonly running: boolean;
  readonly disconnected: boolean;
  readonly waitCalls: number;
}

function fakeConsumerKafka(startup: { waitError?: (n: number) => Error | undefined; hangConnect?: boolean } = {}): FakeConsumerKafka {
  let eachBatch: ((p: EachBatchPayload) => Promise<void>) | undefined;
  const state = { running: false, disconnected: false, waitCalls: 0 };
  const filler = Buffer.alloc(64, 'x');
  const consumer = {
    events: { CRASH: 'consumer.crash' },
    on: () => () => undefined,
    connect: () => (startup.hangConnect ? new Promise(() => undefined) : Promise.resolve()),
    subscribe: async () => undefined,
    run: async (o: { eachBatch: (p: EachBatchPayload) => Promise<void> }) => {
      eachBatch = o.eachBatch;
      state.running = true;
    },
    disconnect: async () => {
      state.disconnected = true;
    },
  };
  const kafka = {
    get running() {
      return state.running;
    },
    get disconnected() {
      return state.disconnected;
    },
    get waitCalls() {
      return state.waitCalls;
    },
    admin: () => ({
      connect: async () => undefined,
      disconnect: async () => undefined,
      fetchTopicMetadata: async () => ({ topics: [{ name: 't', partitions: [{ partitionId: 0 }] }] }),
      fetchOffsets: async () => {
        const error = startup.waitError?.(++state.waitCalls);
        if (error) throw error;
        return [];
      },
    }),
    consumer: () => consumer as unknown as Consumer,
    async deliver(partition: number, offset: number, seqs: number[]) {
      const messages = seqs.map((seq, i) => ({ offset: String(offset + i), timestamp: String(Date.now()), key: Buffer.from('p-0'), value: encodeValue('p-0', seq, 64, filler) }));
      await eachBatch?.({ batch: { topic: 't', partition, messages } } as unknown as EachBatchPayload);
    },
  };
  return kafka as unknown as FakeConsumerKafka;
}

function consumeConfig(over: Partial<ConsumeConfig>): ConsumeConfig {
  return { ...commonConfig('b:9093'), mode: 'consume', group: 'g', idleTimeoutS: 0, fromBeginning: true, expectFiles: [], ...over };
}

const quiet = { say: () => undefined, waitRetryMs: 5 };
const range = (first: number, last: number) => Array.from({ length: last - first + 1 }, (_, i) => first + i);

describe('runConsume', () => {
  // No duration and no idle stop: only --records (or a signal) can end these runs.
  it('stops once --records records were read (with --verify: distinct ones)', async () => {
    const kafka = fakeConsumerKafka();
    const stats = new RunStats();
    const run = runConsume(consumeConfig({ records: 10 }), kafka, stats, new AbortController().signal, quiet);
    await until('the consumer to run', () => kafka.running);
    await kafka.deliver(0, 0, range(0, 5));
    // A replay of what was read does not count: 12 records read, 6 distinct, the run goes on.
    await kafka.deliver(0, 0, range(0, 5));
    await new Promise((r) => setTimeout(r, 20));
    expect(kafka.disconnected).toBe(false);
    await kafka.deliver(0, 6, range(6, 9));
    const result = await run;
    expect(result.stoppedBy).toBe('records');
    expect(result.verify).toMatchObject({ missing: 0, duplicated: 6, failed: false });
    expect(stats.records).toBe(16);
    expect(kafka.disconnected).toBe(true);
  });

  it('stops once --records records were read without --verify too', async () => {
    const kafka = fakeConsumerKafka();
    const run = runConsume(consumeConfig({ records: 5, verify: false }), kafka, new RunStats(), new AbortController().signal, quiet);
    await until('the consumer to run', () => kafka.running);
    await kafka.deliver(0, 0, range(0, 4));
    await expect(run).resolves.toMatchObject({ stoppedBy: 'records', verify: undefined });
  });

  it('a verifying consumer that read nothing fails (exit 1) and says why', async () => {
    const kafka = fakeConsumerKafka();
    const stop = new AbortController();
    const stats = new RunStats();
    const run = runConsume(consumeConfig({}), kafka, stats, stop.signal, quiet);
    await until('the consumer to run', () => kafka.running);
    stop.abort();
    const result = await run;
    expect(result.stoppedBy).toBe('signal');
    const summary = consumeSummary(consumeConfig({}), stats, result);
    expect(summary.exitCode).toBe(1);
    expect(summary.line.verify).toMatchObject({ ok: false, verified: 0, reason: "read no records written by 'produce --verify'" });
  });

  it('passes the Kafka offsets to the verifier: a partition taken over mid-stream is no loss, a hole is', async () => {
    const kafka = fakeConsumerKafka();
    const stop = new AbortController();
    const run = runConsume(consumeConfig({}), kafka, new RunStats(), stop.signal, quiet);
    await until('the consumer to run', () => kafka.running);
    await kafka.deliver(0, 5000, range(5000, 5009));
    await kafka.deliver(1, 0, [0, 1, 4]);
    stop.abort();
    const result = await run;
    expect(result.verify?.perPartition['0']).toMatchObject({ missing: 0, records: 10 });
    expect(result.verify?.perPartition['1']).toMatchObject({ missing: 2 });
  });

  it('waits for the group ACL within --wait-for-topic-s', async () => {
    // What kafkajs 2.2.4 throws from FindCoordinator when the group is not authorized.
    const noCoordinator = () => new CoordinatorNotFound('Failed to find group coordinator');
    const kafka = fakeConsumerKafka({ waitError: (n) => (n === 1 ? protocolError('GROUP_AUTHORIZATION_FAILED') : n === 2 ? noCoordinator() : undefined) });
    const lines: string[] = [];
    const run = runConsume(consumeConfig({ records: 1, waitForTopicS: 600 }), kafka, new RunStats(), new AbortController().signal, { say: (l) => lines.push(l), waitRetryMs: 5 });
    await until('the consumer to run', () => kafka.running);
    await kafka.deliver(0, 0, [0]);
    await expect(run).resolves.toMatchObject({ stoppedBy: 'records' });
    expect(kafka.waitCalls).toBe(3);
    expect(lines).toEqual([
      expect.stringMatching(/^stretched-kafka-load consume: waiting for topic t and group g: not authorized for consumer group g \(GROUP_AUTHORIZATION_FAILED/),
      expect.stringMatching(/^stretched-kafka-load consume: waiting for topic t and group g: no coordinator found for consumer group g \(usually GROUP_AUTHORIZATION_FAILED/),
    ]);
  });

  it('a stop request ends the connect phase (the connect itself never returns)', async () => {
    const kafka = fakeConsumerKafka({ hangConnect: true });
    const stop = new AbortController();
    const run = runConsume(consumeConfig({}), kafka, new RunStats(), stop.signal, quiet);
    await new Promise((r) => setImmediate(r));
    stop.abort();
    await expect(run).resolves.toMatchObject({ stoppedBy: 'signal', verify: { failed: true } });
  });

  it('fails without waiting when the group ACL is missing and no wait was asked for', async () => {
    const kafka = fakeConsumerKafka({ waitError: () => protocolError('GROUP_AUTHORIZATION_FAILED') });
    const error = await runConsume(consumeConfig({}), kafka, new RunStats(), new AbortController().signal, quiet).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FatalError);
    expect((error as FatalError).message).toMatch(/^not authorized for consumer group g \(GROUP_AUTHORIZATION_FAILED/);
  });
});

describe('coordinatorRestarts', () => {
  const protocolError = (code: number) => {
    const { createErrorFromCode } = jest.requireActual('kafkajs/src/protocol/error');
    return createErrorFromCode(code);
  };

  test('restarts on coordinator errors (also as the cause of a retry give-up), a bounded number of times', async () => {
    const restart = coordinatorRestarts(2);
    const notCoordinator = protocolError(16);
    expect(notCoordinator.type).toBe('NOT_COORDINATOR_FOR_GROUP');
    expect(await restart(notCoordinator)).toBe(true);
    const wrapped = Object.assign(new Error('retries exceeded'), { name: 'KafkaJSNumberOfRetriesExceeded', cause: protocolError(15) });
    expect(await restart(wrapped)).toBe(true);
    // A third coordinator error (GROUP_LOAD_IN_PROGRESS) after the two allowed restarts ends the run.
    expect(protocolError(14).type).toBe('GROUP_LOAD_IN_PROGRESS');
    expect(await restart(protocolError(14))).toBe(false);
  });

  test('every other crash stays fatal', async () => {
    const restart = coordinatorRestarts();
    for (const code of [3, 29, 7]) expect(await restart(protocolError(code))).toBe(false);
    expect(await restart(new Error('boom'))).toBe(false);
    expect(await restart(undefined)).toBe(false);
  });
});
