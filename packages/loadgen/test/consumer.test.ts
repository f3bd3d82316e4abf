import { KafkaJSGroupCoordinatorNotFound, KafkaJSProtocolError, type Consumer, type EachBatchPayload, type Kafka } from 'kafkajs';
import type { ConsumeConfig } from '../src/args';
import { AssignerProtocol, type Cluster } from 'kafkajs';
import { coordinatorRestarts, loadExpectFiles, recordLatencies, runConsume, shouldStopConsuming, splitAssigner, splitPartitions, stopCause } from '../src/consumer';
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
  /** The options runConsume passed to consumer.run and to kafka.consumer. */
  readonly runOptions: Record<string, unknown>;
  readonly consumerOptions: Record<string, unknown>;
  /** What was committed: commitOffsetsIfNecessary calls after resolveOffset, and explicit commits. */
  readonly commits: Array<{ kind: 'ifNecessary'; resolved: Record<number, string> } | { kind: 'explicit'; offsets: unknown }>;
}

function fakeConsumerKafka(startup: { waitError?: (n: number) => Error | undefined; hangConnect?: boolean } = {}): FakeConsumerKafka {
  let eachBatch: ((p: EachBatchPayload) => Promise<void>) | undefined;
  const state = { running: false, disconnected: false, waitCalls: 0, runOptions: {} as Record<string, unknown>, consumerOptions: {} as Record<string, unknown> };
  const commits: FakeConsumerKafka['commits'] = [];
  const resolved: Record<number, string> = {};
  const filler = Buffer.alloc(64, 'x');
  const consumer = {
    events: { CRASH: 'consumer.crash' },
    on: () => () => undefined,
    connect: () => (startup.hangConnect ? new Promise(() => undefined) : Promise.resolve()),
    subscribe: async () => undefined,
    run: async (o: { eachBatch: (p: EachBatchPayload) => Promise<void> }) => {
      eachBatch = o.eachBatch;
      state.runOptions = o;
      state.running = true;
    },
    commitOffsets: async (offsets: unknown) => {
      commits.push({ kind: 'explicit', offsets });
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
    get runOptions() {
      return state.runOptions;
    },
    get consumerOptions() {
      return state.consumerOptions;
    },
    commits,
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
    consumer: (o: Record<string, unknown>) => {
      state.consumerOptions = o;
      return consumer as unknown as Consumer;
    },
    async deliver(partition: number, offset: number, seqs: number[]) {
      const messages = seqs.map((seq, i) => ({ offset: String(offset + i), timestamp: String(Date.now()), key: Buffer.from('p-0'), value: encodeValue('p-0', seq, 64, filler) }));
      await eachBatch?.({
        batch: { topic: 't', partition, messages, lastOffset: () => String(offset + seqs.length - 1) },
        resolveOffset: (o: string) => {
          resolved[partition] = o;
        },
        commitOffsetsIfNecessary: async () => {
          commits.push({ kind: 'ifNecessary', resolved: { ...resolved } });
        },
      } as unknown as EachBatchPayload);
    },
  };
  return kafka as unknown as FakeConsumerKafka;
}

function consumeConfig(over: Partial<ConsumeConfig>): ConsumeConfig {
  return { ...commonConfig('b:9093'), mode: 'consume', group: 'g', idleTimeoutS: 0, fromBeginning: true, expectFiles: [], threads: 1, ...over };
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

describe('runConsume offset commits', () => {
  it('leaves committing to kafkajs (after every batch) unless --commit-interval-ms is given', async () => {
    const kafka = fakeConsumerKafka();
    const run = runConsume(consumeConfig({ records: 3 }), kafka, new RunStats(), new AbortController().signal, quiet);
    await until('the consumer to run', () => kafka.running);
    expect(kafka.runOptions).toMatchObject({ autoCommit: true });
    expect(kafka.runOptions.autoCommitInterval).toBeUndefined();
    expect(kafka.consumerOptions.partitionAssigners).toBeUndefined();
    await kafka.deliver(0, 0, [0, 1, 2]);
    await run;
    expect(kafka.commits).toEqual([]);
  });

  it('with --commit-interval-ms: periodic commits of what was read, and the next offsets once more when leaving', async () => {
    const kafka = fakeConsumerKafka();
    const run = runConsume(consumeConfig({ records: 8, commitIntervalMs: 5000 }), kafka, new RunStats(), new AbortController().signal, quiet);
    await until('the consumer to run', () => kafka.running);
    expect(kafka.runOptions).toMatchObject({ autoCommit: false, autoCommitInterval: 5000 });
    await kafka.deliver(0, 10, range(0, 2));
    await kafka.deliver(1, 0, range(0, 4));
    await run;
    expect(kafka.commits).toEqual([
      { kind: 'ifNecessary', resolved: { 0: '12' } },
      { kind: 'ifNecessary', resolved: { 0: '12', 1: '4' } },
      {
        kind: 'explicit',
        offsets: [
          { topic: 't', partition: 0, offset: '13' },
          { topic: 't', partition: 1, offset: '5' },
        ],
      },
    ]);
  });

  it('a thread of --threads asks for its share of the partitions', async () => {
    const kafka = fakeConsumerKafka();
    const stop = new AbortController();
    const run = runConsume(consumeConfig({ split: { index: 1, of: 2 } }), kafka, new RunStats(), stop.signal, quiet);
    await until('the consumer to run', () => kafka.running);
    expect(kafka.consumerOptions.partitionAssigners).toHaveLength(1);
    stop.abort();
    await run;
  });
});

describe('splitAssigner (consume --threads)', () => {
  const cluster = (partitions: number) => ({ findTopicPartitionMetadata: () => Array.from({ length: partitions }, (_, i) => ({ partitionId: (i * 7) % partitions })) }) as unknown as Cluster;
  const decode = (b: Buffer) => AssignerProtocol.MemberAssignment.decode(b)?.assignment;

  it('splits partitions by p % threads, so every partition has exactly one thread', () => {
    const ids = Array.from({ length: 12 }, (_, i) => 11 - i);
    const shares = [0, 1, 2, 3, 4].map((i) => splitPartitions(ids, i, 5));
    expect(shares).toEqual([[0, 5, 10], [1, 6, 11], [2, 7], [3, 8], [4, 9]]);
    expect(shares.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(splitPartitions([0, 1], 2, 3)).toEqual([]);
  });

  it('assigns the one member of a thread\'s group only that thread\'s share, and several members round robin', async () => {
    const assigner = splitAssigner(1, 3)({ cluster: cluster(12) } as never);
    const [only] = await assigner.assign({ members: [{ memberId: 'm' }], topics: ['t'] } as never);
    expect(only.memberId).toBe('m');
    expect(decode(only.memberAssignment)).toEqual({ t: [1, 4, 7, 10] });
    const two = await assigner.assign({ members: [{ memberId: 'b' }, { memberId: 'a' }], topics: ['t'] } as never);
    expect(two.map((a) => [a.memberId, decode(a.memberAssignment)])).toEqual([
      ['a', { t: [1, 7] }],
      ['b', { t: [4, 10] }],
    ]);
    const meta = assigner.protocol({ topics: ['t'] });
    expect(meta.name).toBe('StretchedKafkaLoadSplit');
    expect(AssignerProtocol.MemberMetadata.decode(meta.metadata)?.topics).toEqual(['t']);
  });
});

describe('recordLatencies', () => {
  it('records one latency per record, grouping equal timestamps', () => {
    const stats = new RunStats();
    recordLatencies(stats, 1000, ['900', '900', '950', '900', '990', '990', '990'].map((timestamp) => ({ timestamp })));
    expect(stats.latency.count).toBe(7);
    // 100 ms x 3, 50 ms x 1, 10 ms x 3: the median is 50, the max 100.
    expect(stats.latency.summary()).toEqual({ p50: 50, p99: 100, max: 100 });
    recordLatencies(stats, 1000, []);
    expect(stats.latency.count).toBe(7);
  });
});

describe('stopCause', () => {
  const cfg = { records: 10, durationS: 5, idleTimeoutS: 2 };
  const live = new AbortController().signal;
  it('names the first reason in order: signal, error, records, duration, idle', () => {
    const aborted = new AbortController();
    aborted.abort();
    expect(stopCause(cfg, aborted.signal, 0, { failed: true, read: 10 }, 0)).toBe('signal');
    expect(stopCause(cfg, live, 0, { failed: true, read: 10 }, 0)).toBe('error');
    expect(stopCause(cfg, live, 0, { failed: false, read: 10 }, 0)).toBe('records');
    expect(stopCause(cfg, live, 0, { failed: false, read: 9, lastRecordMs: 4999 }, 5000)).toBe('duration');
    expect(stopCause(cfg, live, 0, { failed: false, read: 9, lastRecordMs: 1000 }, 3000)).toBe('idle');
    expect(stopCause(cfg, live, 0, { failed: false, read: 9, lastRecordMs: 1001 }, 3000)).toBeUndefined();
  });

  it('counts the idle time from the latest group join while nothing has arrived', () => {
    expect(stopCause(cfg, live, 0, { failed: false, read: 0, joinedMs: 1500 }, 3000)).toBeUndefined();
    expect(stopCause(cfg, live, 0, { failed: false, read: 0, joinedMs: 1000 }, 3000)).toBe('idle');
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
