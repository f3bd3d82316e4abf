import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProduceConfig } from '../src/args';
import { FatalError } from '../src/errors';
import { LatencyRecorder, RunStats } from '../src/stats';
import { REPORT_EVERY_MS, ReportingStats, runProduceThreads, threadConfig, type ThreadMessage } from '../src/threads';
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
    expect(posted[1]).toEqual({ kind: 'delivered', records: 15, bytes: 1500, waitedMs: 30 });
    stats.delivered(1, 100);
    stats.flush();
    expect(posted[2]).toEqual({ kind: 'delivered', records: 1, bytes: 100, waitedMs: 0 });
    stats.flush();
    expect(posted).toHaveLength(3);
  });
});

