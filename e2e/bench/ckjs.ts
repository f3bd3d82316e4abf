// @confluentinc/kafka-javascript (librdkafka underneath) driven through its KafkaJS-compatible API
// with the load program's settings, for a side-by-side figure. The package is NOT a workspace
// dependency: it is loaded at run time from the npm prefix given as --module (see README.md).
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

/* The few parts of the package's API used here (it ships its own types, but is not installed in the workspace). */
interface CkjsMessage { value: Buffer | null; key: Buffer | null; timestamp: string }
interface CkjsProducer { connect(): Promise<void>; disconnect(): Promise<void>; send(r: { topic: string; messages: { value: Buffer }[] }): Promise<unknown> }
interface CkjsConsumer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  subscribe(s: { topics: string[] }): Promise<void>;
  run(r: { eachBatch: (p: { batch: { messages: CkjsMessage[] } }) => Promise<void> }): Promise<void>;
}
interface CkjsKafka { producer(c: object): CkjsProducer; consumer(c: object): CkjsConsumer }
interface CkjsModule {
  KafkaJS: { Kafka: new (c: object) => CkjsKafka; CompressionTypes: Record<string, unknown>; logLevel: Record<string, number> };
}

function load(prefix: string): CkjsModule {
  const req = createRequire(join(resolve(prefix), 'package.json'));
  return req('@confluentinc/kafka-javascript') as CkjsModule;
}

/** Percentiles over (latency, count) pairs. */
function percentiles(samples: [number, number][]): { p50?: number; p99?: number; max?: number } {
  if (samples.length === 0) return {};
  samples.sort((a, b) => a[0] - b[0]);
  const total = samples.reduce((n, [, c]) => n + c, 0);
  const at = (q: number) => {
    let seen = 0;
    for (const [v, c] of samples) if ((seen += c) >= q * total) return v;
    return samples[samples.length - 1][0];
  };
  return { p50: at(0.5), p99: at(0.99), max: samples[samples.length - 1][0] };
}

function summary(mode: string, topic: string, records: number, bytes: number, ms: number, latencyMs: object, fatal?: string): string {
  const seconds = ms / 1000;
  return JSON.stringify({
    mode, tool: 'kafka-javascript', topic, records, bytes, seconds,
    mbPerSec: seconds > 0 ? bytes / 1e6 / seconds : 0,
    msgPerSec: seconds > 0 ? records / seconds : 0,
    latencyMs,
    ...(fatal ? { fatal } : {}),
  });
}

/** Upper-case letters as the Java tool and the load program send: lz4 barely compresses them. */
function payloadPool(bytes: number): Buffer {
  const pool = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) pool[i] = 65 + Math.floor(Math.random() * 26);
  return pool;
}

export async function ckjs(argv: string[]): Promise<number> {
  const [mode, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      module: { type: 'string' }, bootstrap: { type: 'string' }, topic: { type: 'string' }, 'tls-dir': { type: 'string' },
      records: { type: 'string' }, 'record-bytes': { type: 'string', default: '1024' }, 'batch-bytes': { type: 'string', default: '131072' },
      'linger-ms': { type: 'string', default: '50' }, group: { type: 'string', default: 'bench-ckjs' }, 'idle-timeout-s': { type: 'string', default: '10' },
    },
  });
  const { KafkaJS } = load(String(values.module));
  const tlsDir = values['tls-dir'];
  if (tlsDir) readFileSync(join(tlsDir, 'ca.crt'));
  // TLS files go outside the kafkaJS block as librdkafka properties (the package's MIGRATION.md).
  const tls = tlsDir
    ? { 'ssl.ca.location': join(tlsDir, 'ca.crt'), 'ssl.certificate.location': join(tlsDir, 'tls.crt'), 'ssl.key.location': join(tlsDir, 'tls.key') }
    : {};
  const kafka = new KafkaJS.Kafka({
    kafkaJS: { brokers: String(values.bootstrap).split(','), clientId: 'bench-ckjs', ssl: Boolean(tlsDir), logLevel: KafkaJS.logLevel.ERROR },
    ...tls,
  });
  const topic = String(values.topic);
  const records = Number(values.records);

  if (mode === 'produce') {
    const recordBytes = Number(values['record-bytes']);
    const producer = kafka.producer({
      kafkaJS: { acks: -1, idempotent: true, compression: KafkaJS.CompressionTypes.LZ4 },
      'batch.size': Number(values['batch-bytes']),
      'linger.ms': Number(values['linger-ms']),
    });
    await producer.connect();
    const pool = payloadPool(1 << 20);
    const chunk = Math.max(1, Math.floor(Number(values['batch-bytes']) / recordBytes));
    // At most 32 MiB unacknowledged, the Java producer's buffer.memory and the load program's cap.
    const maxInFlight = Math.max(1, Math.floor((32 << 20) / (chunk * recordBytes)));
    const latencies: [number, number][] = [];
    let sent = 0;
    let acked = 0;
    let fatal: string | undefined;
    const inFlight = new Set<Promise<void>>();
    const t0 = Date.now();
    let last = t0;
    let offset = 0;
    while (sent < records && !fatal) {
      const n = Math.min(chunk, records - sent);
      // Non-overlapping windows of the pool, stepped as the load program steps them, so no batch
      // holds repeated bytes that lz4 could fold.
      const messages = Array.from({ length: n }, () => {
        offset = (offset + 4099) % (pool.length - recordBytes);
        return { value: pool.subarray(offset, offset + recordBytes) };
      });
      sent += n;
      const created = Date.now();
      const p: Promise<void> = producer.send({ topic, messages }).then(
        () => {
          last = Date.now();
          acked += n;
          latencies.push([last - created, n]);
        },
        (e: Error) => {
          fatal ??= e.message.split('\n')[0];
        },
      ).finally(() => inFlight.delete(p));
      inFlight.add(p);
      if (inFlight.size >= maxInFlight) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    await producer.disconnect();
    console.log(summary('produce', topic, acked, acked * recordBytes, last - t0, percentiles(latencies), fatal));
    return fatal ? 3 : 0;
  }

  if (mode === 'consume') {
    const consumer = kafka.consumer({ kafkaJS: { groupId: String(values.group), fromBeginning: true } });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic] });
    let count = 0;
    let bytes = 0;
    let first: number | undefined;
    let last: number | undefined;
    const started = Date.now();
    await consumer.run({
      eachBatch: async ({ batch }) => {
        const now = Date.now();
        first ??= now;
        last = now;
        count += batch.messages.length;
        for (const m of batch.messages) bytes += (m.value?.length ?? 0) + (m.key?.length ?? 0);
      },
    });
    const idleMs = Number(values['idle-timeout-s']) * 1000;
    while (count < records && Date.now() - (last ?? started) < idleMs) await new Promise((r) => setTimeout(r, 50));
    await consumer.disconnect();
    console.log(summary('consume', topic, count, bytes, first === undefined || last === undefined ? 0 : last - first, {}));
    return 0;
  }
  console.error(`bench-kafka ckjs: mode ${mode ?? '(none)'}: use produce or consume`);
  return 2;
}
