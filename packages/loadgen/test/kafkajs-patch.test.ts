import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { until } from './helpers';

// The repository's patch of kafkajs 2.2.4 (patches/kafkajs+2.2.4.patch, applied by patch-package
// at install time): a request that gets no answer in time closes its connection, and the
// producer then forgets the broker, refreshes metadata and sends to the leader as it is now.
// Unpatched, kafkajs keeps the silent socket and retries against the same broker.

/* eslint-disable @typescript-eslint/no-require-imports */
const Connection = require('kafkajs/src/network/connection');
const socketFactory = require('kafkajs/src/network/socketFactory');
const { createLogger, LEVELS } = require('kafkajs/src/loggers');
const createRetry = require('kafkajs/src/retry');
const createSendMessages = require('kafkajs/src/producer/sendMessages');
const { KafkaJSConnectionError, KafkaJSRequestTimeoutError } = require('kafkajs/src/errors');
const Encoder = require('kafkajs/src/protocol/encoder');

const logger = createLogger({ level: LEVELS.NOTHING, logCreator: () => () => undefined });

/** A TCP server that takes connections and reads requests but never answers: a broker cut off mid-session. */
function silentBroker(): Promise<{ server: Server; port: number; sockets: Socket[] }> {
  return new Promise((resolve) => {
    const sockets: Socket[] = [];
    const server = createServer((s) => {
      sockets.push(s);
      s.on('data', () => undefined);
      s.on('error', () => undefined);
    });
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port, sockets }));
  });
}

/** Any request (ApiVersions v0 framing): the silent broker never answers it. */
const probeRequest = { apiKey: 18, apiVersion: 0, apiName: 'ApiVersions', encode: async () => new Encoder() };

describe('patched kafkajs: a timed-out request', () => {
  it('closes its connection, fails the other requests on it, holds off one connection timeout, then opens a new one', async () => {
    const broker = await silentBroker();
    const connection = new Connection({
      host: '127.0.0.1',
      port: broker.port,
      logger,
      socketFactory: socketFactory(),
      requestTimeout: 200,
      connectionTimeout: 300,
    });
    try {
      await connection.connect();
      const first = connection.send({ request: probeRequest, response: {}, logResponseError: false });
      // A second request on the same socket, sent a moment later: it must not wait out its own timeout.
      await new Promise((r) => setTimeout(r, 50));
      const second = connection.send({ request: probeRequest, response: {}, logResponseError: false, requestTimeout: 60_000 });
      const [e1, e2] = await Promise.all([first.catch((e: Error) => e), second.catch((e: Error) => e)]);
      expect(e1).toBeInstanceOf(KafkaJSRequestTimeoutError);
      expect(e1).toMatchObject({ host: '127.0.0.1', port: broker.port });
      expect(e2).toMatchObject({ name: 'KafkaJSConnectionClosedError', host: '127.0.0.1', port: broker.port });
      expect(connection.isConnected()).toBe(false);
      // The broker saw its socket closed by the client.
      await until('the server side of the socket to close', () => broker.sockets[0].destroyed || broker.sockets[0].readableEnded);
      // Dialled again at once it refuses without a new socket (queued callers fail fast and
      // refresh metadata); one connection timeout later it connects again.
      const early = Date.now();
      await expect(connection.connect()).rejects.toMatchObject({ name: 'KafkaJSConnectionError' });
      expect(Date.now() - early).toBeLessThan(100);
      expect(broker.sockets).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 350));
      await connection.connect();
      await until('the second socket', () => broker.sockets.length === 2);
    } finally {
      await connection.disconnect().catch(() => undefined);
      for (const s of broker.sockets) s.destroy();
      broker.server.close();
    }
  });
});

describe('patched kafkajs: a produce request that timed out', () => {
  /**
   * kafkajs' own send loop (producer/sendMessages.js) over a cluster whose metadata says broker 1
   * leads partition 0 until it is refreshed, after which broker 2 does (the controller moved the
   * leader away from the cut broker). Broker 1 never answers: its produce times out.
   */
  /** `stale`: refreshes that still name broker 1 (the controller has not moved the leader yet). */
  function cluster({ stale = 0, failure = 'timeout' as 'timeout' | 'connect' } = {}) {
    let leader = 1;
    const produced: number[] = [];
    const removed: string[] = [];
    let refreshes = 0;
    const broker = (nodeId: number) => ({
      nodeId,
      produce: async () => {
        produced.push(nodeId);
        if (nodeId === 1 && failure === 'timeout') {
          throw Object.assign(new KafkaJSRequestTimeoutError('Request Produce(key: 0, version: 7) timed out', { broker: 'b1:9093' }), { host: 'b1', port: 9093 });
        }
        if (nodeId === 1) throw new KafkaJSConnectionError('Connection failed moments ago; not dialled again yet', { broker: 'b1:9093' });
        return { topics: [{ topicName: 't', partitions: [{ partition: 0, errorCode: 0, baseOffset: '0', logAppendTime: '-1', logStartOffset: '0' }] }] };
      },
    });
    const brokers = { 1: broker(1), 2: broker(2) };
    return {
      produced,
      removed,
      refreshes: () => refreshes,
      api: {
        addMultipleTargetTopics: async () => undefined,
        refreshMetadataIfNecessary: async () => undefined,
        refreshMetadata: async () => {
          refreshes++;
          if (refreshes > stale) leader = 2;
        },
        isConnected: () => true,
        removeBroker: ({ host, port }: { host: string; port: number }) => removed.push(`${host}:${port}`),
        findTopicPartitionMetadata: () => [{ partitionId: 0, leader }],
        findLeaderForPartitions: (_topic: string, partitions: string[]) => ({ [leader]: partitions.map(Number) }),
        findBroker: async ({ nodeId }: { nodeId: string }) => brokers[Number(nodeId) as 1 | 2],
      },
    };
  }

  const eosManager = () => {
    const seq = new Map<number, number>();
    return {
      seq,
      acquireBrokerLock: async () => undefined,
      releaseBrokerLock: async () => undefined,
      isTransactional: () => false,
      getSequence: (_t: string, p: number) => seq.get(p) ?? 0,
      updateSequence: (_t: string, p: number, n: number) => seq.set(p, (seq.get(p) ?? 0) + n),
      getProducerId: () => '1',
      getProducerEpoch: () => 0,
    };
  };

  it('forgets the silent broker, refreshes metadata and sends to the new leader', async () => {
    const c = cluster();
    const eos = eosManager();
    const sendMessages = createSendMessages({
      logger,
      cluster: c.api,
      partitioner: () => 0,
      eosManager: eos,
      retrier: createRetry({ retries: 3, initialRetryTime: 1, maxRetryTime: 5 }),
    });
    const response = await sendMessages({ acks: -1, timeout: 17_000, topicMessages: [{ topic: 't', messages: [{ value: 'a', partition: 0 }, { value: 'b', partition: 0 }] }] });
    expect(c.produced).toEqual([1, 2]);
    expect(c.removed).toEqual(['b1:9093']);
    expect(c.refreshes()).toBe(1);
    expect(response).toEqual([expect.objectContaining({ topicName: 't', partition: 0, errorCode: 0 })]);
    // The timed-out attempt's sequence numbers were rolled back and reused by the retry: 2 records, 2 numbers.
    expect(eos.seq.get(0)).toBe(2);
  });

  it('waits for metadata to name a new leader instead of spending its retries on the lost broker', async () => {
    // Three refreshes still name broker 1; one retry only: without the wait, the second attempt
    // goes to broker 1 again and the call fails.
    const c = cluster({ stale: 3, failure: 'connect' });
    const sendMessages = createSendMessages({
      logger,
      cluster: c.api,
      partitioner: () => 0,
      eosManager: eosManager(),
      retrier: createRetry({ retries: 1, initialRetryTime: 1, maxRetryTime: 5 }),
    });
    const started = Date.now();
    await sendMessages({ acks: -1, timeout: 17_000, topicMessages: [{ topic: 't', messages: [{ value: 'a', partition: 0 }] }] });
    expect(c.produced).toEqual([1, 2]);
    expect(c.refreshes()).toBe(4);
    // Polled every half second until the leader moved: about 1.5 s, not the 10 s bound.
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('patched kafkajs: record encoding without zero-filled, growing buffers', () => {
  const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0');
  const Record = require('kafkajs/src/protocol/recordBatch/record/v0');
  const decodeBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder');
  const Decoder = require('kafkajs/src/protocol/decoder');

  it('allocates each record once, unzeroed, at its size (kafkajs: a zeroed 512 bytes, then again at 2 KiB)', () => {
    const value = Buffer.alloc(1024, 65);
    const alloc = jest.spyOn(Buffer, 'alloc');
    const allocUnsafe = jest.spyOn(Buffer, 'allocUnsafe');
    try {
      const r = Record({ offsetDelta: 3, timestampDelta: 0, key: Buffer.from('k'), value });
      expect(alloc).not.toHaveBeenCalled();
      expect(allocUnsafe).toHaveBeenCalledTimes(1);
      expect(r.buf.length).toBe(Encoder.nextPowerOfTwo(r.offset));
    } finally {
      alloc.mockRestore();
      allocUnsafe.mockRestore();
    }
  });

  it('decodes back to the same records, byte for byte, after reusing dirty memory', async () => {
    // Fill the allocator's pool with garbage first: unzeroed buffers must never leak it.
    for (let i = 0; i < 64; i++) Buffer.allocUnsafe(4000).fill(0xee);
    const values = [0, 1, 2, 3].map((i) => Buffer.alloc(900 + 37 * i, 97 + i));
    const records = values.map((value, i) => Record({ offsetDelta: i, timestampDelta: i, key: i % 2 ? null : Buffer.from(`key-${i}`), value, headers: i === 3 ? { h: 'x' } : {} }));
    const batch = (await RecordBatch({ records, firstTimestamp: 1000, maxTimestamp: 1003, lastOffsetDelta: 3, firstSequence: 9 })).buffer as Buffer;
    const decoded = await decodeBatch(new Decoder(batch));
    expect(decoded.records.map((r: { value: Buffer }) => r.value)).toEqual(values);
    expect(decoded.records.map((r: { key: Buffer | null }) => r.key?.toString() ?? null)).toEqual(['key-0', null, 'key-2', null]);
    expect(decoded.records[3].headers.h.toString()).toBe('x');
    expect(decoded.firstSequence).toBe(9);
  });
});
