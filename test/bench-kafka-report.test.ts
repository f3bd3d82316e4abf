import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collect, parseJavaConsume, parseJavaProduce, parseJsonSummary, ratios, table } from '../e2e/bench/report';

// Output lines as Kafka 3.9.2's perf tools and the load program printed them in a real run.
const JAVA_PRODUCE = [
  '148561 records sent, 29706.3 records/sec (29.01 MB/sec), 512.3 ms avg latency, 901.0 ms max latency.',
  '300000 records sent, 92793.071451 records/sec (90.62 MB/sec), 265.67 ms avg latency, 636.00 ms max latency, 229 ms 50th, 505 ms 95th, 562 ms 99th, 612 ms 99.9th.',
].join('\n');
const JAVA_CONSUME = [
  'start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec',
  '2026-11-22 02:25:40:055, 2026-11-22 02:25:41:434, 292.9688, 212.4501, 300000, 217548.9485, 361, 1018, 287.7886, 294695.4813',
].join('\n');
const LOAD_PRODUCE =
  '{"mode":"produce","records":300000,"bytes":307200000,"seconds":5.511,"mbPerSec":55.743,"msgPerSec":54436.6,"latencyMs":{"p50":590,"p99":727,"max":766},"errors":0}';
const LOAD_CONSUME = '{"mode":"consume","records":300000,"bytes":307200000,"seconds":1.6,"mbPerSec":186.5,"msgPerSec":182149,"latencyMs":{"p50":9000,"p99":9500,"max":9600}}';

describe('bench-kafka report', () => {
  it('reads the final producer-perf-test line, not a progress line, and converts MiB to 10^6 bytes', () => {
    const r = parseJavaProduce(JAVA_PRODUCE, 1024);
    expect(r).toMatchObject({ records: 300000, p50: 229, p99: 562, max: 636 });
    expect(r?.msgPerSec).toBeCloseTo(92793.07, 2);
    expect(r?.mbPerSec).toBeCloseTo((92793.071451 * 1024) / 1e6, 6);
    expect(r?.seconds).toBeCloseTo(300000 / 92793.071451, 6);
  });

  it('has no producer figure when the run ended before its summary', () => {
    expect(parseJavaProduce(JAVA_PRODUCE.split('\n')[0], 1024)).toBeUndefined();
  });

  it('takes the fetch columns of consumer-perf-test (group join left out)', () => {
    const r = parseJavaConsume(JAVA_CONSUME);
    expect(r).toMatchObject({ records: 300000, seconds: 1.018 });
    expect(r?.msgPerSec).toBeCloseTo(294695.48, 2);
    expect(r?.mbPerSec).toBeCloseTo((287.7886 * 1048576) / 1e6, 4);
    expect(parseJavaConsume(JAVA_CONSUME.split('\n')[0])).toBeUndefined();
  });

  it('takes the last JSON line of the load program and carries a fatal error', () => {
    expect(parseJsonSummary(`progress\n${LOAD_PRODUCE}\n`)).toMatchObject({ records: 300000, msgPerSec: 54436.6, p50: 590, p99: 727 });
    expect(parseJsonSummary('{"records":0,"fatal":"broker unreachable"}')?.failure).toBe('broker unreachable');
    expect(parseJsonSummary('no json here')).toBeUndefined();
  });

  it('tables every run, drops consumer latency, explains failures and prints ratios against Java', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-report-'));
    try {
      const put = (name: string, out: string, rc: number, err = '') => {
        writeFileSync(join(dir, `${name}.out`), out);
        writeFileSync(join(dir, `${name}.err`), err);
        writeFileSync(join(dir, `${name}.rc`), `${rc}\n`);
      };
      put('plaintext.java.produce', JAVA_PRODUCE, 0);
      put('plaintext.load.produce', LOAD_PRODUCE, 0);
      put('plaintext.java.consume', JAVA_CONSUME, 0);
      put('plaintext.load.consume', LOAD_CONSUME, 0);
      put('tls.java.produce', '', 124, 'still running');
      put('tls.load.produce', LOAD_PRODUCE, 0);
      const rows = collect(dir, 1024);
      expect(rows.map((r) => `${r.listener}.${r.tool}.${r.mode}`)).toEqual([
        'plaintext.java.produce', 'plaintext.load.produce', 'plaintext.java.consume', 'plaintext.load.consume', 'tls.java.produce', 'tls.load.produce',
      ]);
      expect(rows[3]).toMatchObject({ msgPerSec: 182149, p50: undefined, p99: undefined });
      expect(rows[4].failure).toBe('timed out: still running');
      const text = table(rows);
      expect(text).toContain(`ratio plaintext produce: load program (kafkajs) / Java = ${(54436.6 / 92793.071451).toFixed(2)} (msg/s, median of 1 paired round`);
      expect(text).toContain(`ratio plaintext consume: load program (kafkajs) / Java = ${(182149 / 294695.4813).toFixed(2)} (msg/s, median of 1 paired round`);
      // No Java figure over TLS, so no TLS ratio.
      expect(text).not.toContain('ratio tls');
      expect(text).toContain('round 1 tls produce Kafka perf tool (Java): timed out: still running');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('pairs runs by round, takes the median of the per-round ratios and reports CPU per record', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-report-'));
    try {
      const put = (name: string, out: string, cpu: number) => {
        writeFileSync(join(dir, `${name}.out`), out);
        writeFileSync(join(dir, `${name}.err`), '');
        writeFileSync(join(dir, `${name}.rc`), '0\n');
        writeFileSync(join(dir, `${name}.cpu`), `${cpu}\n`);
      };
      const load = (msgPerSec: number) => LOAD_PRODUCE.replace('"msgPerSec":54436.6', `"msgPerSec":${msgPerSec}`);
      const java = (msgPerSec: number) => JAVA_PRODUCE.replace('92793.071451 records/sec', `${msgPerSec} records/sec`);
      // Round 2 ran on a slower machine for both: per-round ratios 0.5, 0.8, 0.6 (median 0.6);
      // the ratio of medians (60000/100000) would agree here only by chance.
      put('plaintext.java.produce.1', java(100_000), 3);
      put('plaintext.load.produce.1', load(50_000), 9);
      put('plaintext.java.produce.2', java(50_000), 3.3);
      put('plaintext.load.produce.2', load(40_000), 9.3);
      put('plaintext.java.produce.3', java(100_000), 2.7);
      put('plaintext.load.produce.3', load(60_000), 12);
      const rows = collect(dir, 1024);
      expect(rows.map((r) => r.round)).toEqual([1, 1, 2, 2, 3, 3]);
      const [q] = ratios(rows);
      expect(q.rounds.map((x) => Number(x.toFixed(2)))).toEqual([0.5, 0.8, 0.6]);
      expect(q.median).toBeCloseTo(0.6, 6);
      // 300000 records: CPU medians 3 s and 9.3 s, i.e. 10 and 31 microseconds per record.
      expect(q.javaCpuUs).toBeCloseTo(10, 6);
      expect(q.cpuUs).toBeCloseTo(31, 6);
      expect(table(rows)).toContain('ratio plaintext produce: load program (kafkajs) / Java = 0.60 (msg/s, median of 3 paired rounds: 0.50 0.80 0.60); CPU per record 31.0 us vs Java 10.0 us');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
