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
    expect(decodeValue(Buffer.from('skl1|p|12a|'))).toBeUndefined();
    expect(decodeValue(Buffer.from('skl1|p|-1|'))).toBeUndefined();
    expect(decodeValue(Buffer.from('skl2|p|1|'))).toBeUndefined();
    expect(decodeValue(Buffer.from('Skl1|p|1|'))).toBeUndefined();
  });

  it('reads sequences of any length as Number() would', () => {
    for (const seq of ['0', '7', '0042', '9007199254740991', '123456789012345', '12345678901234567890']) {
      expect(decodeValue(Buffer.from(`skl1|job-t1-3|${seq}|xxxx`))).toEqual({ producerId: 'job-t1-3', seq: Number(seq) });
    }
  });
});

/** Reads events as one consumer that had each partition from its first offset on. */
function consume(events: Array<[partition: number, pid: string, seq: number]>): ConsumerVerifier {
  const c = new ConsumerVerifier();
  const next = new Map<number, number>();
  for (const [p, pid, seq] of events) {
    const offset = next.get(p) ?? 0;
    next.set(p, offset + 1);
    c.observe(p, offset, v(pid, seq));
  }
  return c;
}

/** Reads [partition, offset, pid, seq] as given: offsets say which log ranges this consumer saw. */
function read(events: Array<[partition: number, offset: number, pid: string, seq: number]>): ConsumerVerifier {
  const c = new ConsumerVerifier();
  for (const [p, offset, pid, seq] of events) c.observe(p, String(offset), v(pid, seq));
  return c;
}

/** One stream's records at consecutive offsets from `offset`, sequences first..last. */
const run = (partition: number, offset: number, pid: string, first: number, last: number): Array<[number, number, string, number]> =>
  Array.from({ length: last - first + 1 }, (_, i) => [partition, offset + i, pid, first + i]);

describe('ConsumerVerifier', () => {
  it('passes an in-order stream per producer and partition', () => {
    const events: Array<[number, string, number]> = [];
    for (let i = 0; i < 50; i++) events.push([0, 'a-0', i], [1, 'a-0', i], [0, 'b-0', i]);
    const r = consume(events).report();
    expect(r).toMatchObject({ producers: 2, streams: 3, missing: 0, duplicated: 0, outOfOrder: 0, failed: false });
    expect(r.perPartition['0']).toEqual({ records: 100, missing: 0, duplicated: 0, outOfOrder: 0, segments: 1 });
    expect(r).toMatchObject({ verified: 150, segments: 2, basis: 'read-offsets' });
    expect(r.reason).toBeUndefined();
  });

  it('counts a gap between records at consecutive offsets as missing and fails', () => {
    const r = consume([[0, 'a-0', 0], [0, 'a-0', 1], [0, 'a-0', 4], [0, 'a-0', 5]]).report();
    expect(r).toMatchObject({ missing: 2, outOfOrder: 0, failed: true, reason: '2 records missing' });
    expect(r.perPartition['0'].missing).toBe(2);
  });

  it('reports duplicates (a replay after a rebalance) without failing', () => {
    const r = consume([[3, 'a-0', 0], [3, 'a-0', 1], [3, 'a-0', 2], [3, 'a-0', 1], [3, 'a-0', 2], [3, 'a-0', 3]]).report();
    expect(r).toMatchObject({ duplicated: 2, outOfOrder: 0, missing: 0, failed: false });
  });

  it('flags a late record as out of order and fails even when nothing ends up missing', () => {
    const c = new ConsumerVerifier();
    expect(c.observe(0, 0, v('a-0', 0))).toBe('new');
    expect(c.observe(0, 1, v('a-0', 2))).toBe('new');
    expect(c.observe(0, 2, v('a-0', 1))).toBe('outOfOrder');
    expect(c.observe(0, 3, v('a-0', 1))).toBe('duplicate');
    expect(c.report()).toMatchObject({ missing: 0, outOfOrder: 1, duplicated: 1, failed: true, reason: '1 records out of order' });
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
    expect(r.perPartition['2']).toEqual({ records: 0, missing: 3, duplicated: 0, outOfOrder: 0, segments: 0 });
    expect(r).toMatchObject({ missing: 6, failed: true, producers: 2, basis: 'expect-file' });
    expect(r.checked).toMatch(/^every acknowledged record of the expect files \(18 in 3 streams\) was read/);
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
    expect(c.observe(0, 0, v('a-0', 0))).toBe('new');
    expect(c.observe(0, 1, Buffer.from('plain'))).toBe('unparsable');
    expect(c.report()).toMatchObject({ unparsable: 1, verified: 1, failed: false });
  });

  it('fails when it read nothing it could check, saying so', () => {
    expect(new ConsumerVerifier().report()).toMatchObject({ verified: 0, missing: 0, failed: true, reason: "read no records written by 'produce --verify'" });
    const foreign = new ConsumerVerifier();
    foreign.observe(0, 0, Buffer.from('plain'));
    expect(foreign.report()).toMatchObject({ failed: true, reason: "read no records written by 'produce --verify' (1 foreign records)" });
    // With expect files too: nothing read is a failure even when nothing was acknowledged.
    expect(new ConsumerVerifier().report(new StreamSets())).toMatchObject({ expected: 0, failed: true });
  });
});

describe('ConsumerVerifier in a shared group: only what one consumer read back to back counts', () => {
  it('a partition taken over mid-stream is no loss (the audit case: take over at seq 5000)', () => {
    // Another member read offsets 0..4999; this one gets the partition at offset 5000.
    const r = read(run(0, 5000, 'p-0', 5000, 5999)).report();
    expect(r).toMatchObject({ missing: 0, outOfOrder: 0, failed: false, segments: 1 });
  });

  it('a partition that moves away and comes back is no loss either', () => {
    const r = read([...run(3, 0, 'p-0', 0, 99), ...run(3, 800, 'p-0', 800, 899)]).report();
    expect(r).toMatchObject({ missing: 0, failed: false, segments: 1 + 1 });
    expect(r.perPartition['3']).toMatchObject({ records: 200, segments: 2, missing: 0 });
  });

  it('a hole in the log is found between records this consumer read at consecutive offsets', () => {
    // Two producers interleave; p-0 jumps from 2 to 5 while the offsets run on: 3 and 4 are not in the log.
    const events: Array<[number, number, string, number]> = [
      [0, 100, 'p-0', 0], [0, 101, 'q-0', 0], [0, 102, 'p-0', 1], [0, 103, 'q-0', 1],
      [0, 104, 'p-0', 2], [0, 105, 'q-0', 2], [0, 106, 'p-0', 5], [0, 107, 'q-0', 3],
    ];
    const r = read(events).report();
    expect(r).toMatchObject({ missing: 2, outOfOrder: 0, failed: true, segments: 1 });
    expect(r.perPartition['0'].missing).toBe(2);
  });

  it('a jump in offsets starts a new segment: the sequence gap across it is not judged', () => {
    const r = read([[0, 10, 'p-0', 10], [0, 11, 'p-0', 11], [0, 50, 'p-0', 50], [0, 51, 'p-0', 51]]).report();
    expect(r).toMatchObject({ missing: 0, segments: 2, failed: false });
  });

  it('a replay after a rebalance (offsets rewind) gives duplicates, not loss or reordering', () => {
    const r = read([...run(1, 0, 'p-0', 0, 9), ...run(1, 5, 'p-0', 5, 14)]).report();
    expect(r).toMatchObject({ duplicated: 5, missing: 0, outOfOrder: 0, failed: false, segments: 2 });
  });

  it('foreign records keep a segment contiguous', () => {
    const c = new ConsumerVerifier();
    c.observe(0, 0, v('p-0', 0));
    c.observe(0, 1, Buffer.from('not ours'));
    c.observe(0, 2, v('p-0', 2));
    expect(c.report()).toMatchObject({ missing: 1, segments: 1, unparsable: 1, failed: true });
  });

  it('a sequence skipped in one segment but read in another is not missing', () => {
    const r = read([[0, 0, 'p-0', 0], [0, 1, 'p-0', 2], [0, 7, 'p-0', 1]]).report();
    expect(r.missing).toBe(0);
  });

  it('says what it checked and what it could not see', () => {
    const r = read(run(0, 0, 'p-0', 0, 4)).report();
    expect(r.checked).toMatch(/^no sequence gap between records read at consecutive offsets \(1 offset ranges in 1 partitions\)/);
    expect(r.checked).toMatch(/not checked: use --expect-file$/);
    expect(read(run(0, 0, 'p-0', 0, 4)).report(undefined, 5).checked).toMatch(/and at least 5 distinct records read/);
  });

  it('--records without expect files: a shortfall of distinct records is missing', () => {
    const c = read([...run(0, 0, 'p-0', 0, 4), ...run(0, 3, 'p-0', 3, 4)]);
    expect(c.distinct).toBe(5);
    expect(c.report(undefined, 5)).toMatchObject({ missing: 0, duplicated: 2, failed: false });
    expect(c.report(undefined, 8)).toMatchObject({ missing: 3, failed: true, reason: '3 records missing (3 of them short of --records 8)' });
  });

  it('with expect files, producers they do not list are still checked inside segments', () => {
    const expected = new StreamSets();
    expected.mergeJson({ 'p-0': { '0': [[0, 2]] } }, 'test');
    const r = read([[0, 0, 'p-0', 0], [0, 1, 'x-0', 0], [0, 2, 'p-0', 1], [0, 3, 'x-0', 3], [0, 4, 'p-0', 2]]).report(expected);
    expect(r).toMatchObject({ expected: 3, missing: 2, failed: true });
  });
});

describe('ConsumerVerifier.merge (consume --threads: each thread verifies, the main thread merges)', () => {
  /** The main thread's verifier: what the threads handed over, through their JSON form. */
  const merged = (...threads: ConsumerVerifier[]): ConsumerVerifier => {
    const m = new ConsumerVerifier();
    threads.forEach((t, i) => m.merge(JSON.parse(JSON.stringify(t.toJSON())), `thread ${i}`));
    return m;
  };
  const expect15 = (): StreamSets => {
    const e = new StreamSets();
    e.get('p-0', 0).addRange(0, 14);
    return e;
  };

  it('threads with disjoint partitions give the report one consumer reading it all would give', () => {
    const events = [...run(0, 0, 'p-0', 0, 9), ...run(1, 0, 'p-0', 0, 5), ...run(2, 0, 'p-1', 0, 7), ...run(0, 10, 'p-0', 12, 13)];
    const one = read(events);
    const m = merged(read(events.filter(([p]) => p !== 1)), read(events.filter(([p]) => p === 1)));
    expect(m.report(undefined, 30)).toEqual(one.report(undefined, 30));
    expect(m.report().missing).toBe(2);
    expect(m.distinct).toBe(one.distinct);
  });

  it('a partition read by two threads after a rebalance: every record counts once, the replay as duplicates, no false reordering', () => {
    // Thread 0 read offsets 0-9 of partition 0 and had committed 5 when the partition moved to
    // thread 1, which read again from offset 5 on, to 14.
    const t0 = read(run(0, 0, 'p-0', 0, 9));
    const t1 = read(run(0, 5, 'p-0', 5, 14));
    for (const m of [merged(t0, t1), merged(t1, t0)]) {
      const r = m.report(expect15(), 15);
      expect(m.distinct).toBe(15);
      expect(r).toMatchObject({ missing: 0, duplicated: 5, outOfOrder: 0, verified: 20, failed: false });
      expect(r.perPartition['0']).toEqual({ records: 20, missing: 0, duplicated: 5, outOfOrder: 0, segments: 2 });
    }
    // Without the merge's own bookkeeping the replay would be read as new records: 20, not 15.
    expect(t0.distinct + t1.distinct).toBe(20);
  });

  it('keeps what each thread found: a late record stays out of order, a hole nobody read stays missing', () => {
    const late = read([...run(0, 0, 'p-0', 0, 3), [0, 4, 'p-0', 5], [0, 5, 'p-0', 4]]);
    const hole = read([...run(1, 0, 'p-0', 0, 2), ...run(1, 3, 'p-0', 6, 8)]);
    const r = merged(late, hole).report();
    expect(r).toMatchObject({ outOfOrder: 1, missing: 3, failed: true });
    expect(r.perPartition['0']).toMatchObject({ outOfOrder: 1, missing: 0 });
    expect(r.perPartition['1']).toMatchObject({ outOfOrder: 0, missing: 3 });
  });

  it('a hole in one thread\'s segment that another thread read is not missing', () => {
    const skipped = read([...run(0, 0, 'p-0', 0, 2), ...run(0, 3, 'p-0', 5, 7)]);
    const other = read(run(0, 20, 'p-0', 3, 4));
    expect(merged(skipped).report().missing).toBe(2);
    expect(merged(skipped, other).report()).toMatchObject({ missing: 0, duplicated: 0, outOfOrder: 0 });
  });

  it('adds foreign records and rejects a malformed hand-over with one line', () => {
    const c = new ConsumerVerifier();
    c.observe(0, '0', Buffer.from('not ours'));
    expect(merged(c, c).report().unparsable).toBe(2);
    expect(() => new ConsumerVerifier().merge({ seen: { 'p-0': { '0': [[1]] } } as never, holes: {}, partitions: {}, unparsable: 0, verified: 0 }, 'thread 3')).toThrow(
      /^thread 3: acked.p-0.0 has a range that is not \[first, last\]$/,
    );
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
