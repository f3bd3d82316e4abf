import { LatencyRecorder, RunStats, throughput } from '../src/stats';

describe('throughput', () => {
  it('reports decimal MB/s and msg/s', () => {
    // 81,000 msg/s of 1 KiB records (the field report's message rate) is ~83 decimal MB/s.
    expect(throughput(81_000, 81_000 * 1024, 1)).toEqual({ seconds: 1, mbPerSec: 82.944, msgPerSec: 81000 });
    expect(throughput(500, 2_000_000, 4)).toEqual({ seconds: 4, mbPerSec: 0.5, msgPerSec: 125 });
  });

  it('is zero for an empty window instead of dividing by zero', () => {
    expect(throughput(10, 10, 0)).toEqual({ seconds: 0, mbPerSec: 0, msgPerSec: 0 });
  });
});

describe('LatencyRecorder', () => {
  it('gives exact percentiles on 1..100', () => {
    const r = new LatencyRecorder();
    for (let v = 1; v <= 100; v++) r.record(v);
    expect(r.count).toBe(100);
    expect(r.summary()).toEqual({ p50: 50, p99: 99, max: 100 });
  });

  it('weights counts and finds the tail', () => {
    const r = new LatencyRecorder();
    r.record(70, 990); // one cross-region round trip
    r.record(1500, 9); // waiting out a leader election
    r.record(4000, 1);
    const s = r.summary();
    expect(s.p50).toBe(70);
    // p99 is the 990th value: still 70; anything above the 99th percentile shows only in max.
    expect(s.p99).toBe(70);
    expect(s.max).toBeGreaterThanOrEqual(4000);
    expect(s.max).toBeLessThanOrEqual(4004); // 3 significant digits
    r.record(1500, 10);
    expect(r.summary().p99).toBeGreaterThanOrEqual(1500);
    expect(r.summary().p99).toBeLessThanOrEqual(1501);
  });

  it('never reports a percentile above the max (bucket tops are rounded up)', () => {
    const r = new LatencyRecorder();
    r.record(2600, 100);
    const s = r.summary();
    expect(s.max).toBe(2600);
    expect(s.p99).toBe(2600);
    expect(s.p50).toBe(2600);
  });

  it('clamps negative values from clock skew to 0 and is empty-safe', () => {
    const r = new LatencyRecorder();
    expect(r.summary()).toEqual({ p50: 0, p99: 0, max: 0 });
    r.record(-5);
    expect(r.summary()).toEqual({ p50: 0, p99: 0, max: 0 });
    expect(r.count).toBe(1);
  });
});

describe('RunStats', () => {
  it('tracks totals, the longest stall and interval rates', () => {
    let now = 1_000;
    const s = new RunStats(() => now);
    s.start();
    now = 1_100;
    s.delivered(100, 120_000);
    now = 1_200;
    s.delivered(100, 120_000);
    now = 4_200; // a 3 s stall, as during a region failover
    s.delivered(100, 120_000);
    now = 5_000;
    expect(s.maxStallMs).toBe(3_000);
    expect(s.records).toBe(300);
    expect(s.progressLine('produce')).toMatch(/^produce t=4\.0s records=300 MB\/s=0\.09 msg\/s=75 /);
    now = 6_000;
    s.delivered(1000, 1_000_000);
    // Interval since the last progress line: 1000 records in 1 s.
    expect(s.progressLine('produce')).toMatch(/MB\/s=1\.00 msg\/s=1000 /);
    s.stop(5_500);
    now = 9_000;
    expect(s.stopped).toBe(true);
    expect(s.totals()).toEqual({ seconds: 4.5, mbPerSec: 0.302, msgPerSec: 288.9 });
  });
});
