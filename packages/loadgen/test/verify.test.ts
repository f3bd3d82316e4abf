import { ConsumerVerifier, decodeValue, encodeValue, RangeSet, StreamSets } from '../src/verify';

const filler = Buffer.alloc(4096, 'x');
const v = (pid: string, seq: number): Buffer => encodeValue(pid, seq, 64, filler);

describe('RangeSet', () => {
  it('merges, finds and counts', () => {
    const s = new RangeSet();
    for (const n of [0, 1, 2, 5, 6, 4]) expect(s.add(n)).toBe(true);
    expect(s.add(5)).toBe(false);
    expect(s.toJSON()).toEqual([[0, 2], [4, 6]]);
    expect(s.has(3)).toBe(false);
    expect(s.has(6)).toBe(true);
    expect(s.size).toBe(6);
    expect(s.max).toBe(6);
    s.add(3);
    expect(s.toJSON()).toEqual([[0, 6]]);
    expect(s.missingFrom(RangeSet.of([[0, 9], [20, 21]]))).toBe(5);
    expect(() => s.addRange(5, 2)).toThrow(RangeError);
  });
});

describe('record values', () => {
  it('carries producer id and sequence, padded to the record size', () => {
    const value = encodeValue('job-a-3', 42, 1024, filler);
    expect(value.length).toBe(1024);
    expect(decodeValue(value)).toEqual({ producerId: 'job-a-3', seq: 42 });
  });

  it('never truncates the header below the record size', () => {
    const value = encodeValue('a-very-long-producer-id', 7, 8, filler);
    expect(decodeValue(value)).toEqual({ producerId: 'a-very-long-producer-id', seq: 7 });
  });

  it('rejects foreign values', () => {
    expect(decodeValue(null)).toBeUndefined();
    expect(decodeValue(Buffer.from('hello world, not ours'))).toBeUndefined();
    expect(decodeValue(Buffer.from('skl1|p|x1|'))).toBeUndefined();
    expect(decodeValue(Buffer.from('skl1||1|'))).toBeUndefined();
  });
});

function consume(events: Array<[partition: number, pid: string, seq: number]>): ConsumerVerifier {
  const c = new ConsumerVerifier();
  for (const [p, pid, seq] of events) c.observe(p, v(pid, seq));
  return c;
}

describe('ConsumerVerifier', () => {
  it('passes an in-order stream per producer and partition', () => {
    const events: Array<[number, string, number]> = [];
    for (let i = 0; i < 50; i++) events.push([0, 'a-0', i], [1, 'a-0', i], [0, 'b-0', i]);
    const r = consume(events).report();
    expect(r).toMatchObject({ producers: 2, streams: 3, missing: 0, duplicated: 0, outOfOrder: 0, failed: false });
    expect(r.perPartition['0']).toEqual({ records: 100, missing: 0, duplicated: 0, outOfOrder: 0 });
  });

  it('counts a gap as missing and fails', () => {
    const r = consume([[0, 'a-0', 0], [0, 'a-0', 1], [0, 'a-0', 4], [0, 'a-0', 5]]).report();
    expect(r).toMatchObject({ missing: 2, outOfOrder: 0, failed: true });
    expect(r.perPartition['0'].missing).toBe(2);
  });

  it('reports duplicates (a replay after a rebalance) without failing', () => {
    const r = consume([[3, 'a-0', 0], [3, 'a-0', 1], [3, 'a-0', 2], [3, 'a-0', 1], [3, 'a-0', 2], [3, 'a-0', 3]]).report();
    expect(r).toMatchObject({ duplicated: 2, outOfOrder: 0, missing: 0, failed: false });
  });

  it('flags a late record as out of order and fails even when nothing ends up missing', () => {
    const c = new ConsumerVerifier();
    expect(c.observe(0, v('a-0', 0))).toBe('new');
    expect(c.observe(0, v('a-0', 2))).toBe('new');
    expect(c.observe(0, v('a-0', 1))).toBe('outOfOrder');
    expect(c.observe(0, v('a-0', 1))).toBe('duplicate');
    expect(c.report()).toMatchObject({ missing: 0, outOfOrder: 1, duplicated: 1, failed: true });
  });

  it('keeps streams apart: the same sequence in two partitions is no duplicate', () => {
    const r = consume([[0, 'a-0', 0], [1, 'a-0', 0], [0, 'a-1', 0]]).report();
    expect(r).toMatchObject({ duplicated: 0, streams: 3, failed: false });
  });

  it('counts the missing tail against the acknowledged ranges of an expect file', () => {
    const expected = new StreamSets();
    expected.mergeJson({ 'a-0': { '0': [[0, 9]], '1': [[0, 4]] }, 'b-0': { '2': [[0, 2]] } }, 'test');
    // a-0/0 stops at 6 (3 acknowledged records never arrived), a-0/1 complete, b-0/2 never seen,
    // and a-0/0 also shows record 10, which was sent but not acknowledged: allowed.
    const events: Array<[number, string, number]> = [];
    for (let i = 0; i <= 6; i++) events.push([0, 'a-0', i]);
    for (let i = 0; i <= 4; i++) events.push([1, 'a-0', i]);
    events.push([0, 'a-0', 10]);
    const r = consume(events).report(expected);
    expect(r.expected).toBe(18);
    expect(r.perPartition['0'].missing).toBe(3);
    expect(r.perPartition['1'].missing).toBe(0);
    expect(r.perPartition['2']).toEqual({ records: 0, missing: 3, duplicated: 0, outOfOrder: 0 });
    expect(r).toMatchObject({ missing: 6, failed: true, producers: 2 });
  });

  it('without an expect file, --records gives the unattributed tail', () => {
    const events: Array<[number, string, number]> = [];
    for (let i = 0; i < 8; i++) events.push([0, 'a-0', i]);
    const c = consume(events);
    expect(c.report(undefined, 8)).toMatchObject({ missing: 0, failed: false });
    expect(c.report(undefined, 10)).toMatchObject({ missing: 2, failed: true });
  });

  it('counts foreign records without failing on them', () => {
    const c = new ConsumerVerifier();
    expect(c.observe(0, Buffer.from('plain'))).toBe('unparsable');
    expect(c.report()).toMatchObject({ unparsable: 1, failed: false });
  });
});

describe('StreamSets (producer acked ranges)', () => {
  it('round-trips through the summary file form', () => {
    const acked = new StreamSets();
    for (let i = 0; i < 5; i++) acked.get('p-1', 3).add(i);
    acked.get('p-0', 0).add(0);
    const json = JSON.parse(JSON.stringify(acked.toJSON()));
    expect(json).toEqual({ 'p-0': { '0': [[0, 0]] }, 'p-1': { '3': [[0, 4]] } });
    const back = new StreamSets();
    back.mergeJson(json, 'f');
    expect(back.total).toBe(6);
    expect(back.streams).toBe(2);
    expect([...back.perPartition()].sort(([a], [b]) => a - b)).toEqual([[0, 1], [3, 5]]);
  });

  it('rejects files that are not producer summaries with one line', () => {
    const s = new StreamSets();
    expect(() => s.mergeJson(undefined, 'x.json')).toThrow(/x.json: no "acked" object/);
    expect(() => s.mergeJson({ p: { zero: [[0, 1]] } }, 'x.json')).toThrow(/acked.p.zero must be a partition number/);
    expect(() => s.mergeJson({ p: { '0': [[0]] } }, 'x.json')).toThrow(/not \[first, last\]/);
  });
});
