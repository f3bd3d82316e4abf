import type { ConsumeConfig, ProduceConfig } from '../src/args';
import { RunStats } from '../src/stats';
import { consumeSummary, failedStartSummary, produceSummary } from '../src/summary';
import { ConsumerVerifier, encodeValue, StreamSets } from '../src/verify';

const common = { bootstrap: ['b:1'], topic: 't', clientId: 'job', plaintext: true, verify: true, progressIntervalS: 10, maxRetries: 10, waitForTopicS: 0, shutdownTimeoutS: 20, requestTimeoutMs: 30_000, connectionTimeoutMs: 4000 };
const produceCfg: ProduceConfig = { ...common, mode: 'produce', recordBytes: 1024, batchBytes: 131072, lingerMs: 50, compression: 'lz4', producers: 2, records: 4, ackTimeoutMs: 25_000, threads: 1 };
const consumeCfg: ConsumeConfig = { ...common, mode: 'consume', group: 'g', idleTimeoutS: 60, fromBeginning: true, expectFiles: [], threads: 1 };

function stats(): RunStats {
  let now = 0;
  const s = new RunStats(() => now);
  s.start();
  now = 1000;
  s.delivered(4, 4096);
  s.latency.record(12);
  s.stop();
  return s;
}

const EXPECTED_KEYS = ['mode', 'clientId', 'records', 'bytes', 'seconds', 'mbPerSec', 'msgPerSec', 'latencyMs', 'errors', 'retries'];

describe('produce summary', () => {
  it('has the contract fields and puts the acked ranges only in the file', () => {
    const acked = new StreamSets();
    for (let i = 0; i < 2; i++) acked.get('job-0', 0).add(i);
    for (let i = 0; i < 2; i++) acked.get('job-1', 1).add(i);
    const s = produceSummary(produceCfg, stats(), { partitions: 2, acked, unacknowledged: 0 });
    for (const key of EXPECTED_KEYS) expect(s.line).toHaveProperty(key);
    expect(s.line).toMatchObject({ mode: 'produce', records: 4, seconds: 1, latencyMs: { p50: 12, p99: 12, max: 12 } });
    expect(s.line.verify).toEqual({ producers: 2, streams: 2, acknowledged: 4, perPartition: { '0': { acknowledged: 2 }, '1': { acknowledged: 2 } } });
    expect(s.line).not.toHaveProperty('acked');
    // The per-partition stall sits right after the RTO (maxStallMs), as the harness prints them.
    const keys = Object.keys(s.line);
    expect(keys.indexOf('maxPartitionStallMs')).toBe(keys.indexOf('maxStallMs') + 1);
    expect(s.file.acked).toEqual({ 'job-0': { '0': [[0, 1]] }, 'job-1': { '1': [[0, 1]] } });
    expect(s.exitCode).toBe(0);
  });

  it('exits 3 when kafkajs gave up, still reporting what was acknowledged', () => {
    const s = produceSummary(produceCfg, stats(), { partitions: 2, acked: new StreamSets(), unacknowledged: 9, fatal: 'connection refused to b:1' });
    expect(s.exitCode).toBe(3);
    expect(s.line).toMatchObject({ fatal: 'connection refused to b:1', unacknowledged: 9 });
  });
});

describe('consume summary', () => {
  const filler = Buffer.alloc(100);
  it('exits 0 with duplicates only, 1 on loss or reordering, 3 on a fatal error', () => {
    const dup = new ConsumerVerifier();
    [0, 1, 1, 2].forEach((seq, offset) => dup.observe(0, offset, encodeValue('p', seq, 32, filler)));
    const ok = consumeSummary(consumeCfg, stats(), { verify: dup.report() });
    expect(ok.exitCode).toBe(0);
    expect(ok.line.verify).toMatchObject({ producers: 1, missing: 0, duplicated: 1, outOfOrder: 0, ok: true });
    expect(ok.line.verify).not.toHaveProperty('failed');
    for (const key of EXPECTED_KEYS) expect(ok.line).toHaveProperty(key);

    const gap = new ConsumerVerifier();
    [0, 2].forEach((seq, offset) => gap.observe(0, offset, encodeValue('p', seq, 32, filler)));
    expect(consumeSummary(consumeCfg, stats(), { verify: gap.report() }).exitCode).toBe(1);
    expect(consumeSummary(consumeCfg, stats(), { verify: gap.report(), fatal: 'x' }).exitCode).toBe(3);
  });

  it('reports a run that never started with exit 3, counting the failure that stopped it', () => {
    const s = failedStartSummary(consumeCfg, new RunStats(), 'TLS certificate verify failed for b:1: CERT_HAS_EXPIRED');
    expect(s.exitCode).toBe(3);
    expect(s.line).toMatchObject({ mode: 'consume', records: 0, errors: 1, fatal: expect.stringContaining('CERT_HAS_EXPIRED') });
    const retried = new RunStats();
    retried.retries = 2;
    expect(failedStartSummary(produceCfg, retried, 'connection refused to b:1').line).toMatchObject({ errors: 1, retries: 2 });
  });

  it('says what verify checked, why it failed, why the run stopped, and which signal stopped it', () => {
    const v = new ConsumerVerifier();
    const st = stats();
    st.signal = 'SIGTERM';
    const s = consumeSummary(consumeCfg, st, { verify: v.report(), stoppedBy: 'signal' });
    expect(s.exitCode).toBe(1);
    expect(s.line).toMatchObject({ signal: 'SIGTERM', stoppedBy: 'signal' });
    expect(s.line.verify).toMatchObject({ ok: false, basis: 'read-offsets', verified: 0, reason: expect.stringMatching(/^read no records/), checked: expect.any(String) });
    expect(consumeSummary(consumeCfg, stats(), { verify: v.report() }).line).not.toHaveProperty('signal');
  });
});
