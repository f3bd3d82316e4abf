import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConsumeConfig, ProduceConfig } from '../src/args';
import { FatalError } from '../src/errors';
import { LatencyRecorder, RunStats } from '../src/stats';
import { consumeThreadConfig, isThreadInput, REPORT_EVERY_MS, ReportingStats, runConsumeThreads, runProduceThreads, threadConfig, type ThreadMessage } from '../src/threads';
import { ConsumerVerifier, encodeValue } from '../src/verify';
import { consumeSummary } from '../src/summary';
import { commonConfig } from './helpers';

const cfg = (over: Partial<ProduceConfig> = {}): ProduceConfig => ({
  ...commonConfig('localhost:9092'),
  mode: 'produce',
  recordBytes: 100,
  batchBytes: 1000,
  lingerMs: 5,
  compression: 'none',
  producers: 5,
  threads: 2,
  records: 1001,
  rate: 500,
  ackTimeoutMs: 25_000,
  clientId: 'job',
  progressIntervalS: 10,
  summaryFile: '/tmp/s.json',
  ...over,
});

describe('threadConfig', () => {
  it('splits producers, records and rate and gives each thread its own client id and no output of its own', () => {
    const parts = [0, 1].map((i) => threadConfig(cfg(), 2, i));
    expect(parts.map((p) => p.producers)).toEqual([3, 2]);
    expect(parts.map((p) => p.records)).toEqual([501, 500]);
    expect(parts.map((p) => p.rate)).toEqual([300, 200]);
    expect(parts.map((p) => p.clientId)).toEqual(['job-t0', 'job-t1']);
    for (const p of parts) expect(p).toMatchObject({ threads: 1, progressIntervalS: 0, summaryFile: undefined });
    expect(threadConfig(cfg({ records: undefined, rate: undefined }), 2, 1)).toMatchObject({ records: undefined, rate: undefined });
  });
});

describe('runProduceThreads', () => {
  // Worker scripts that speak the threads' protocol, so the main side is tested without brokers.
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'load-threads-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const latency = (() => {
    const l = new LatencyRecorder();
    l.record(7, 3);
    return l.toBase64();
  })();

  function script(name: string, body: string): string {
    const file = join(dir, name);
    writeFileSync(file, `const { parentPort, workerData } = require('node:worker_threads');\nconst post = (m) => parentPort.postMessage(m);\n${body}\n`);
    return file;
  }

  it('folds every thread\'s deliveries, retries, acknowledged ranges and latency into one result', async () => {
    const file = script(
      'ok.js',
      `const id = workerData.cfg.clientId;
       post({ kind: 'started', atMs: Date.now() });
       post({ kind: 'delivered', records: 3, bytes: 300, waitedMs: 0 });
       post({ kind: 'delivered', records: 0, bytes: 0, waitedMs: id.endsWith('t1') ? 900 : 40 });
       post({ kind: 'retry' });
       post({ kind: 'done', partitions: 4, acked: { [id + '-0']: { '1': [[0, 2]] } }, unacknowledged: 1, errors: 0, latency: ${JSON.stringify(latency)}, endMs: Date.now() });`,
    );
    const stats = new RunStats();
    const r = await runProduceThreads(file, cfg({ producers: 2, threads: 2 }), undefined, stats, new AbortController().signal);
    expect(stats.records).toBe(6);
    expect(stats.bytes).toBe(600);
    expect(stats.retries).toBe(2);
    expect(stats.maxPartitionStallMs).toBe(900);
    expect(stats.latency.count).toBe(6);
    expect(stats.stopped).toBe(true);
    expect(r).toMatchObject({ partitions: 4, unacknowledged: 2, fatal: undefined });
    expect(r.acked.total).toBe(6);
    expect([...r.acked.byProducer.keys()].sort()).toEqual(['job-t0-0', 'job-t1-0']);
  });

  it('passes a stop request on to every thread', async () => {
    const file = script(
      'stop.js',
      `post({ kind: 'started', atMs: Date.now() });
       parentPort.on('message', (m) => {
         if (m.kind !== 'stop') return;
         post({ kind: 'done', partitions: 1, acked: {}, unacknowledged: 0, errors: 0, latency: ${JSON.stringify(new LatencyRecorder().toBase64())}, endMs: Date.now() });
         parentPort.close();
       });`,
    );
    const stop = new AbortController();
    const running = runProduceThreads(file, cfg({ producers: 3, threads: 3 }), undefined, new RunStats(), stop.signal);
    setTimeout(() => stop.abort(), 100);
    await expect(running).resolves.toMatchObject({ partitions: 1, unacknowledged: 0 });
  });

  it('ends with the first thread\'s fatal start-up error', async () => {
    const file = script('fail.js', `post({ kind: 'failed', message: 'topic perf does not exist', exitCode: 3 });`);
    const e = await runProduceThreads(file, cfg({ producers: 2, threads: 2 }), undefined, new RunStats(), new AbortController().signal).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(FatalError);
    expect(e).toMatchObject({ message: 'topic perf does not exist', exitCode: 3 });
  });
});

describe('ReportingStats (worker side)', () => {
  it('gathers deliveries over a short interval into one report and sends the rest on flush', async () => {
    const posted: ThreadMessage[] = [];
    const stats = new ReportingStats((m) => posted.push(m));
    stats.start();
    stats.delivered(10, 1000);
    stats.partitionAcked(30);
    stats.delivered(5, 500);
    stats.partitionAcked(12);
    expect(stats.records).toBe(15);
    expect(posted.map((m) => m.kind)).toEqual(['started']);
    await new Promise((r) => setTimeout(r, REPORT_EVERY_MS + 30));
    expect(posted[1]).toEqual({ kind: 'delivered', records: 15, bytes: 1500, waitedMs: 30, atMs: stats.lastDeliveryAt });
    stats.delivered(1, 100);
    stats.flush();
    expect(posted[2]).toEqual({ kind: 'delivered', records: 1, bytes: 100, waitedMs: 0, atMs: stats.lastDeliveryAt });
    stats.flush();
    expect(posted).toHaveLength(3);
  });
});


const consumeCfg = (over: Partial<ConsumeConfig> = {}): ConsumeConfig => ({
  ...commonConfig('localhost:9092'),
  mode: 'consume',
  group: 'bench',
  clientId: 'job',
  idleTimeoutS: 60,
  fromBeginning: true,
  expectFiles: [],
  threads: 2,
  records: 30,
  durationS: 600,
  progressIntervalS: 10,
  summaryFile: '/tmp/s.json',
  ...over,
});

describe('consumeThreadConfig', () => {
  it('gives each thread its share of the partitions in a group of its own and leaves every stop condition to the main thread', () => {
    const parts = [0, 1, 2].map((i) => consumeThreadConfig(consumeCfg({ expectFiles: ['p.json'], commitIntervalMs: 5000 }), 3, i));
    expect(parts.map((p) => p.group)).toEqual(['bench.0of3', 'bench.1of3', 'bench.2of3']);
    expect(parts.map((p) => p.clientId)).toEqual(['job-t0', 'job-t1', 'job-t2']);
    expect(parts.map((p) => p.split)).toEqual([0, 1, 2].map((index) => ({ index, of: 3 })));
    for (const p of parts) {
      expect(p).toMatchObject({ threads: 1, records: undefined, durationS: undefined, idleTimeoutS: 0, expectFiles: [], progressIntervalS: 0, summaryFile: undefined });
      expect(p).toMatchObject({ verify: true, commitIntervalMs: 5000, topic: 't', fromBeginning: true });
    }
  });

  it('is what a worker thread recognises as its input', () => {
    expect(isThreadInput({ kind: 'consume-thread', cfg: consumeThreadConfig(consumeCfg(), 2, 0) })).toBe(true);
    expect(isThreadInput({ kind: 'produce-thread', cfg: threadConfig(cfg(), 2, 0) })).toBe(true);
    expect(isThreadInput(undefined)).toBe(false);
    expect(isThreadInput({ kind: 'other' })).toBe(false);
  });
});

describe('runConsumeThreads', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'load-cthreads-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const emptyLatency = new LatencyRecorder().toBase64();
  const latency = (() => {
    const l = new LatencyRecorder();
    l.record(9, 4);
    return l.toBase64();
  })();
  /** What a thread verified: `seqs` of producer p-0 at offsets from `offset` in `partition`. */
  const verified = (partition: number, offset: number, seqs: number[]) => {
    const c = new ConsumerVerifier();
    seqs.forEach((seq, i) => c.observe(partition, offset + i, encodeValue('p-0', seq, 64, Buffer.alloc(64, 'x'))));
    return c.toJSON();
  };
  const range = (first: number, last: number) => Array.from({ length: last - first + 1 }, (_, i) => first + i);

  // A fake consumer thread: reports `reads` (one delivered message each), then waits for the
  // main thread's stop and hands over its verifier; `stopped` counts the stops it was sent.
  function script(name: string, perThread: Record<string, { reads: Array<{ records: number; distinct?: number }>; verifier?: unknown; fatal?: string; noStop?: boolean }>): string {
    const file = join(dir, name);
    writeFileSync(
      file,
      `const { parentPort, workerData } = require('node:worker_threads');
       const post = (m) => parentPort.postMessage(m);
       const me = ${JSON.stringify(perThread)}[workerData.cfg.clientId];
       post({ kind: 'joined', atMs: Date.now() });
       post({ kind: 'started', atMs: Date.now() });
       for (const r of me.reads) post({ kind: 'delivered', records: r.records, bytes: r.records * 100, waitedMs: 0, atMs: Date.now(), distinct: r.distinct });
       const end = () => {
         post({ kind: 'consumed', verifier: me.verifier, fatal: me.fatal, errors: me.fatal ? 1 : 0, latency: ${JSON.stringify(latency)}, lastRecordMs: Date.now() });
         parentPort.close();
       };
       if (me.fatal || me.noStop) end();
       else parentPort.on('message', (m) => { if (m.kind === 'stop') end(); });`,
    );
    return file;
  }

  it('stops every thread once all of them together read --records, and merges totals, latency and verification', async () => {
    const file = script('records.js', {
      'job-t0': { reads: [{ records: 10, distinct: 10 }, { records: 10, distinct: 20 }], verifier: verified(0, 0, range(0, 19)) },
      'job-t1': { reads: [{ records: 10, distinct: 10 }], verifier: verified(1, 0, range(0, 9)) },
    });
    const stats = new RunStats();
    const r = await runConsumeThreads(file, consumeCfg(), undefined, stats, new AbortController().signal, { say: () => undefined });
    expect(r.stoppedBy).toBe('records');
    expect(r.fatal).toBeUndefined();
    expect(stats.records).toBe(30);
    expect(stats.bytes).toBe(3000);
    expect(stats.latency.count).toBe(8);
    expect(stats.stopped).toBe(true);
    expect(r.verify).toMatchObject({ verified: 30, missing: 0, duplicated: 0, outOfOrder: 0, failed: false });
    expect(Object.keys(r.verify!.perPartition)).toEqual(['0', '1']);
  });

  it('the summary totals every thread: records, bytes, and the window from the first thread\'s start to the last record anywhere', async () => {
    const file = join(dir, 'window.js');
    // Thread 0 starts at t=1000 s and reads its last record at 1003 s; thread 1 runs from 1000.5 s to 1001 s.
    writeFileSync(
      file,
      `const { parentPort, workerData } = require('node:worker_threads');
       const post = (m) => parentPort.postMessage(m);
       const t0 = workerData.cfg.clientId === 'job-t0';
       const s = t0 ? 1000000 : 1000500, e = t0 ? 1003000 : 1001000, n = t0 ? 2000 : 1000;
       post({ kind: 'started', atMs: s });
       post({ kind: 'delivered', records: n, bytes: n * 1000, waitedMs: 0, atMs: e });
       parentPort.on('message', () => { post({ kind: 'consumed', errors: 0, latency: ${JSON.stringify(latency)}, lastRecordMs: e }); parentPort.close(); });`,
    );
    // No idle stop: the fake clock lies decades back, so only --records may end this run.
    const c = consumeCfg({ verify: false, records: 3000, idleTimeoutS: 0 });
    const stats = new RunStats();
    const r = await runConsumeThreads(file, c, undefined, stats, new AbortController().signal, { say: () => undefined });
    const line = consumeSummary(c, stats, r).line;
    expect(line).toMatchObject({ records: 3000, bytes: 3_000_000, seconds: 3, msgPerSec: 1000, mbPerSec: 1, stoppedBy: 'records', group: 'bench', threads: 2, errors: 0 });
    expect(line.latencyMs).toEqual({ p50: 9, p99: 9, max: 9 });
    expect(consumeSummary({ ...c, threads: 1 }, stats, r).line).not.toHaveProperty('threads');
  });

  it('does not stop short: with --verify it counts distinct records, not every record a thread read', async () => {
    // 40 records read, only 25 distinct: below --records 30, so the run ends by the idle stop.
    const file = script('distinct.js', {
      'job-t0': { reads: [{ records: 30, distinct: 15 }], verifier: verified(0, 0, range(0, 14)) },
      'job-t1': { reads: [{ records: 10, distinct: 10 }], verifier: verified(1, 0, range(0, 9)) },
    });
    const stats = new RunStats();
    const r = await runConsumeThreads(file, consumeCfg({ idleTimeoutS: 0.3 }), undefined, stats, new AbortController().signal, { say: () => undefined });
    expect(r.stoppedBy).toBe('idle');
    expect(stats.records).toBe(40);
    // --records 30 without expect files: the 5 distinct records short of it are missing.
    expect(r.verify).toMatchObject({ missing: 5, failed: true });
  });

  it('without --verify counts every record towards --records', async () => {
    const file = script('noverify.js', { 'job-t0': { reads: [{ records: 20 }] }, 'job-t1': { reads: [{ records: 10 }] } });
    const r = await runConsumeThreads(file, consumeCfg({ verify: false }), undefined, new RunStats(), new AbortController().signal, { say: () => undefined });
    expect(r).toMatchObject({ stoppedBy: 'records', verify: undefined });
  });

  it('a thread whose consumer crashed stops the others and its error ends the run', async () => {
    const file = script('crash.js', {
      'job-t0': { reads: [{ records: 5, distinct: 5 }], verifier: verified(0, 0, range(0, 4)), fatal: 'the group coordinator is not available' },
      'job-t1': { reads: [], verifier: verified(1, 0, []) },
    });
    const stats = new RunStats();
    const r = await runConsumeThreads(file, consumeCfg(), undefined, stats, new AbortController().signal, { say: () => undefined });
    expect(r).toMatchObject({ stoppedBy: 'error', fatal: 'the group coordinator is not available' });
    expect(stats.errors).toBe(1);
  });

  it('a stop request reaches every thread', async () => {
    const file = script('signal.js', { 'job-t0': { reads: [], verifier: verified(0, 0, []) }, 'job-t1': { reads: [], verifier: verified(1, 0, []) } });
    const stop = new AbortController();
    const running = runConsumeThreads(file, consumeCfg(), undefined, new RunStats(), stop.signal, { say: () => undefined });
    setTimeout(() => stop.abort(), 100);
    await expect(running).resolves.toMatchObject({ stoppedBy: 'signal' });
  });

  it('ends with a thread\'s start-up failure and stops the other threads', async () => {
    const file = join(dir, 'fail.js');
    writeFileSync(
      file,
      `const { parentPort, workerData } = require('node:worker_threads');
       if (workerData.cfg.clientId === 'job-t1') { parentPort.postMessage({ kind: 'failed', message: 'topic t does not exist', exitCode: 3 }); parentPort.close(); }
       else parentPort.on('message', (m) => { if (m.kind === 'stop') { parentPort.postMessage({ kind: 'consumed', errors: 0, latency: ${JSON.stringify(emptyLatency)} }); parentPort.close(); } });`,
    );
    const e = await runConsumeThreads(file, consumeCfg(), undefined, new RunStats(), new AbortController().signal, { say: () => undefined }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(FatalError);
    expect(e).toMatchObject({ message: 'topic t does not exist', exitCode: 3 });
  });
});
