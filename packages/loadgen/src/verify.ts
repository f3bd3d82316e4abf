/**
 * Loss / duplicate / reordering bookkeeping. A stream is one producer's records in one
 * partition; Kafka orders records only within a partition, so sequences are numbered per stream
 * (from 0) and checked per stream.
 */

export type Range = readonly [first: number, last: number];

/** Sorted, disjoint, inclusive integer ranges; appending the next integer is O(1). */
export class RangeSet {
  private readonly ranges: Array<[number, number]> = [];

  static of(ranges: readonly Range[]): RangeSet {
    const set = new RangeSet();
    for (const [a, b] of ranges) set.addRange(a, b);
    return set;
  }

  /** Index of the last range whose start is <= n, or -1. */
  private floor(n: number): number {
    let lo = 0;
    let hi = this.ranges.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.ranges[mid][0] <= n) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  has(n: number): boolean {
    const i = this.floor(n);
    return i >= 0 && this.ranges[i][1] >= n;
  }

  /** Adds n; false when it was already present. */
  add(n: number): boolean {
    const last = this.ranges[this.ranges.length - 1];
    if (last && last[1] + 1 === n) {
      last[1] = n;
      return true;
    }
    if (this.has(n)) return false;
    this.addRange(n, n);
    return true;
  }

  addRange(first: number, last: number): void {
    if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last) || first > last) {
      throw new RangeError(`bad range [${first}, ${last}]`);
    }
    let a = first;
    let b = last;
    const kept: Array<[number, number]> = [];
    for (const r of this.ranges) {
      if (r[1] + 1 < a || r[0] > b + 1) kept.push(r);
      else {
        a = Math.min(a, r[0]);
        b = Math.max(b, r[1]);
      }
    }
    kept.push([a, b]);
    kept.sort((x, y) => x[0] - y[0]);
    this.ranges.splice(0, this.ranges.length, ...kept);
  }

  get size(): number {
    return this.ranges.reduce((n, [a, b]) => n + (b - a + 1), 0);
  }

  get max(): number | undefined {
    return this.ranges.length ? this.ranges[this.ranges.length - 1][1] : undefined;
  }

  /** How many integers of `other` are not in this set. */
  missingFrom(other: RangeSet): number {
    let missing = 0;
    for (const [a, b] of other.ranges) {
      let covered = 0;
      for (const [c, d] of this.ranges) {
        const lo = Math.max(a, c);
        const hi = Math.min(b, d);
        if (lo <= hi) covered += hi - lo + 1;
      }
      missing += b - a + 1 - covered;
    }
    return missing;
  }

  toJSON(): Range[] {
    return this.ranges.map(([a, b]) => [a, b] as const);
  }
}

// ---- record values --------------------------------------------------------------------------

const MAGIC = 'skl1|';
const MAGIC_BYTES = Buffer.from(MAGIC, 'latin1');
const PIPE = 0x7c;

/** `skl1|<producerId>|<seq>|` then filler up to recordBytes (never shorter than the header). */
export function encodeValue(producerId: string, seq: number, recordBytes: number, filler: Buffer): Buffer {
  const header = Buffer.from(`${MAGIC}${producerId}|${seq}|`, 'latin1');
  const pad = Math.max(0, recordBytes - header.length);
  if (pad === 0) return header;
  return Buffer.concat([header, filler.subarray(0, pad)], header.length + pad);
}

/** True when `value` starts with the magic bytes (compared in place: no slice, no native call). */
function hasMagic(value: Buffer): boolean {
  for (let i = 0; i < MAGIC_BYTES.length; i++) if (value[i] !== MAGIC_BYTES[i]) return false;
  return true;
}

/** Digits that an exact running sum can take (below 2^53); longer ones go through Number(). */
const EXACT_DIGITS = 15;

// Runs once per record a verifying consumer reads: the header is parsed in place.
export function decodeValue(value: Buffer | null): { producerId: string; seq: number } | undefined {
  if (!value || value.length < MAGIC_BYTES.length + 4 || !hasMagic(value)) return undefined;
  const idEnd = value.indexOf(PIPE, MAGIC_BYTES.length);
  if (idEnd <= MAGIC_BYTES.length) return undefined;
  const seqEnd = value.indexOf(PIPE, idEnd + 1);
  if (seqEnd <= idEnd + 1) return undefined;
  let seq = 0;
  for (let i = idEnd + 1; i < seqEnd; i++) {
    const digit = value[i] - 0x30;
    if (digit < 0 || digit > 9) return undefined;
    seq = seq * 10 + digit;
  }
  if (seqEnd - idEnd - 1 > EXACT_DIGITS) seq = Number(value.toString('latin1', idEnd + 1, seqEnd));
  return { producerId: value.toString('latin1', MAGIC_BYTES.length, idEnd), seq };
}

// ---- producer side: acknowledged sequences -----------------------------------------------------

/** producerId -> partition -> ranges; this is the `acked` field of a producer summary file. */
export type AckedJson = Record<string, Record<string, Range[]>>;

export class StreamSets {
  readonly byProducer = new Map<string, Map<number, RangeSet>>();

  get(producerId: string, partition: number): RangeSet {
    let partitions = this.byProducer.get(producerId);
    if (!partitions) this.byProducer.set(producerId, (partitions = new Map()));
    let set = partitions.get(partition);
    if (!set) partitions.set(partition, (set = new RangeSet()));
    return set;
  }

  get total(): number {
    let n = 0;
    for (const partitions of this.byProducer.values()) for (const set of partitions.values()) n += set.size;
    return n;
  }

  get streams(): number {
    let n = 0;
    for (const partitions of this.byProducer.values()) n += partitions.size;
    return n;
  }

  perPartition(): Map<number, number> {
    const out = new Map<number, number>();
    for (const partitions of this.byProducer.values()) {
      for (const [p, set] of partitions) out.set(p, (out.get(p) ?? 0) + set.size);
    }
    return out;
  }

  toJSON(): AckedJson {
    const out: AckedJson = {};
    for (const [pid, partitions] of [...this.byProducer].sort(([a], [b]) => a.localeCompare(b))) {
      out[pid] = {};
      for (const [p, set] of [...partitions].sort(([a], [b]) => a - b)) out[pid][String(p)] = set.toJSON();
    }
    return out;
  }

  /** Merges the `acked` field of a producer summary; throws a one-line message on bad input. */
  mergeJson(acked: unknown, source: string): void {
    if (typeof acked !== 'object' || acked === null || Array.isArray(acked)) {
      throw new Error(`${source}: no "acked" object; is it a 'produce --verify --summary-file' output?`);
    }
    for (const [pid, partitions] of Object.entries(acked as Record<string, unknown>)) {
      if (typeof partitions !== 'object' || partitions === null) throw new Error(`${source}: acked.${pid} is not an object`);
      for (const [p, ranges] of Object.entries(partitions as Record<string, unknown>)) {
        const partition = Number(p);
        if (!Number.isInteger(partition) || partition < 0 || !Array.isArray(ranges)) {
          throw new Error(`${source}: acked.${pid}.${p} must be a partition number with a list of [first, last] ranges`);
        }
        const set = this.get(pid, partition);
        for (const r of ranges) {
          if (!Array.isArray(r) || r.length !== 2) throw new Error(`${source}: acked.${pid}.${p} has a range that is not [first, last]`);
          set.addRange(Number(r[0]), Number(r[1]));
        }
      }
    }
  }
}

// ---- consumer side ------------------------------------------------------------------------------

export type Observation = 'new' | 'duplicate' | 'outOfOrder' | 'unparsable';

export interface PartitionReport {
  readonly records: number;
  readonly missing: number;
  readonly duplicated: number;
  readonly outOfOrder: number;
  /** Contiguous offset ranges this consumer read (a rebalance or a replay starts a new one). */
  readonly segments: number;
}

/** What the verdict rests on: producer summaries, or only what this consumer read. */
export type VerifyBasis = 'expect-file' | 'read-offsets';

export interface VerifyReport {
  readonly producers: number;
  readonly streams: number;
  /** Acknowledged records listed by the expect files (0 without them). */
  readonly expected: number;
  readonly missing: number;
  readonly duplicated: number;
  readonly outOfOrder: number;
  readonly unparsable: number;
  /** Records carrying a producer id and sequence (duplicates included). */
  readonly verified: number;
  readonly segments: number;
  readonly basis: VerifyBasis;
  /** One sentence: what was checked and what this run cannot see. */
  readonly checked: string;
  /** Why the check failed, one line; absent when it passed. */
  readonly reason?: string;
  /** Loss, reordering, or nothing read; duplicates alone are allowed under at-least-once. */
  readonly failed: boolean;
  readonly perPartition: Record<string, PartitionReport>;
}

export interface PartitionState {
  records: number;
  duplicated: number;
  outOfOrder: number;
  segments: number;
  lastOffset: number | undefined;
}

/** What one consumer verified, as a worker thread hands it to the main thread (ConsumerVerifier.merge). */
export interface VerifierJson {
  readonly seen: AckedJson;
  readonly holes: AckedJson;
  readonly partitions: Record<string, Omit<PartitionState, 'lastOffset'>>;
  readonly unparsable: number;
  readonly verified: number;
}

/** Where a stream was last seen: its sequence and the partition's segment at the time. */
interface StreamCursor {
  seq: number;
  segment: number;
}

/**
 * Checks what one consumer reads. Records of a partition that this consumer read at
 * consecutive offsets form a segment: every record the log holds in that offset range passed
 * through here, so a stream whose sequence jumps between two records of one segment lost the
 * records in between (they are not in the log). Across segments nothing is concluded: an offset
 * jump means a range this consumer did not read (another group member had the partition, or it
 * started or rejoined later), and a rewind is a replay. So a rebalance cannot fake loss, while
 * a hole in the log is found whenever one consumer read across it. Loss after the last record
 * of a stream (the tail) or in ranges nobody here read needs the producers' acknowledged
 * ranges: with `expected`, every acknowledged record must have been read.
 */
export class ConsumerVerifier {
  private readonly seen = new StreamSets();
  private readonly partitions = new Map<number, PartitionState>();
  /** Sequences skipped inside a segment, per stream; missing unless seen elsewhere. */
  private readonly holes = new StreamSets();
  private readonly cursors = new Map<string, StreamCursor>();
  private unparsable = 0;
  private verified = 0;

  private stateOf(partition: number): PartitionState {
    let state = this.partitions.get(partition);
    if (!state) this.partitions.set(partition, (state = { records: 0, duplicated: 0, outOfOrder: 0, segments: 0, lastOffset: undefined }));
    return state;
  }

  /** Distinct records read so far (duplicates and foreign records not counted). */
  get distinct(): number {
    return this.seen.total;
  }

  observe(partition: number, offset: number | string, value: Buffer | null): Observation {
    const state = this.stateOf(partition);
    const at = Number(offset);
    // Foreign records take offsets too, so they keep a segment contiguous.
    if (state.lastOffset === undefined || at !== state.lastOffset + 1) state.segments++;
    state.lastOffset = at;
    const decoded = decodeValue(value);
    if (!decoded) {
      this.unparsable++;
      return 'unparsable';
    }
    this.verified++;
    state.records++;
    const key = `${decoded.producerId}|${partition}`;
    const cursor = this.cursors.get(key);
    if (cursor && cursor.segment === state.segments && decoded.seq > cursor.seq + 1) {
      this.holes.get(decoded.producerId, partition).addRange(cursor.seq + 1, decoded.seq - 1);
    }
    // Moved in place: one cursor per stream, not one object per record.
    if (cursor) {
      cursor.seq = decoded.seq;
      cursor.segment = state.segments;
    } else this.cursors.set(key, { seq: decoded.seq, segment: state.segments });

    const set = this.seen.get(decoded.producerId, partition);
    // Re-reading after a rebalance replays records already seen: duplicates, not reordering.
    // A sequence never seen before but lower than the highest seen arrived late: reordering.
    const highest = set.max;
    if (!set.add(decoded.seq)) {
      state.duplicated++;
      return 'duplicate';
    }
    if (highest !== undefined && decoded.seq < highest) {
      state.outOfOrder++;
      return 'outOfOrder';
    }
    return 'new';
  }

  toJSON(): VerifierJson {
    const partitions: Record<string, Omit<PartitionState, 'lastOffset'>> = {};
    for (const [p, { records, duplicated, outOfOrder, segments }] of this.partitions) partitions[String(p)] = { records, duplicated, outOfOrder, segments };
    return { seen: this.seen.toJSON(), holes: this.holes.toJSON(), partitions, unparsable: this.unparsable, verified: this.verified };
  }

  /**
   * Adds what another consumer verified (a worker thread's toJSON()), for report(); observe() is
   * not meant to follow. Order was judged by each consumer over the records it read in offset
   * order, so its out-of-order counts add up; across consumers there is no order to judge: a
   * partition that moved from one thread to another in a rebalance is read again from the last
   * commit, and a sequence both read counts once, as a duplicate (neither new nor late).
   * Holes (sequences skipped inside one consumer's segment) stay missing unless some consumer read them.
   */
  merge(other: VerifierJson, source: string): void {
    for (const [p, o] of Object.entries(other.partitions)) {
      const state = this.stateOf(Number(p));
      state.records += o.records;
      state.duplicated += o.duplicated;
      state.outOfOrder += o.outOfOrder;
      state.segments += o.segments;
    }
    const incoming = new StreamSets();
    incoming.mergeJson(other.seen, source);
    for (const [pid, partitions] of incoming.byProducer) {
      for (const [p, set] of partitions) {
        const mine = this.seen.get(pid, p);
        const before = mine.size;
        for (const [a, b] of set.toJSON()) mine.addRange(a, b);
        // Sequences this verifier had already: read twice, once by each consumer.
        const overlap = set.size - (mine.size - before);
        if (overlap > 0) this.stateOf(p).duplicated += overlap;
      }
    }
    this.holes.mergeJson(other.holes, source);
    this.unparsable += other.unparsable;
    this.verified += other.verified;
  }

  /**
   * Missing records: with `expected` (acknowledged sequences from producer summaries) every
   * acknowledged record absent here, per stream, including streams never seen; for producers
   * not listed there, the holes inside segments that were never read. `expectedRecords` (a
   * total, meaningful for a consumer that reads the whole topic) adds the shortfall of distinct
   * records read, unattributed to a partition.
   */
  report(expected?: StreamSets, expectedRecords?: number): VerifyReport {
    const missingPerPartition = new Map<number, number>();
    const addMissing = (p: number, n: number): void => {
      if (n > 0) missingPerPartition.set(p, (missingPerPartition.get(p) ?? 0) + n);
    };
    for (const [pid, partitions] of this.holes.byProducer) {
      if (expected?.byProducer.has(pid)) continue;
      for (const [p, holes] of partitions) addMissing(p, this.seen.get(pid, p).missingFrom(holes));
    }
    if (expected) {
      for (const [pid, partitions] of expected.byProducer) {
        for (const [p, set] of partitions) addMissing(p, (this.seen.byProducer.get(pid)?.get(p) ?? new RangeSet()).missingFrom(set));
      }
    }
    let missing = [...missingPerPartition.values()].reduce((a, b) => a + b, 0);
    const tail = expected || expectedRecords === undefined ? 0 : Math.max(0, expectedRecords - this.seen.total - missing);
    missing += tail;

    const perPartition: Record<string, PartitionReport> = {};
    let duplicated = 0;
    let outOfOrder = 0;
    let segments = 0;
    for (const p of [...new Set([...this.partitions.keys(), ...missingPerPartition.keys()])].sort((a, b) => a - b)) {
      const s = this.partitions.get(p) ?? { records: 0, duplicated: 0, outOfOrder: 0, segments: 0 };
      perPartition[String(p)] = { records: s.records, missing: missingPerPartition.get(p) ?? 0, duplicated: s.duplicated, outOfOrder: s.outOfOrder, segments: s.segments };
      duplicated += s.duplicated;
      outOfOrder += s.outOfOrder;
      segments += s.segments;
    }
    const producers = new Set([...this.seen.byProducer.keys(), ...(expected?.byProducer.keys() ?? [])]);
    const basis: VerifyBasis = expected ? 'expect-file' : 'read-offsets';
    const checked = expected
      ? `every acknowledged record of the expect files (${expected.total} in ${expected.streams} streams) was read, in order per stream`
      : `no sequence gap between records read at consecutive offsets (${segments} offset ranges in ${this.partitions.size} partitions)` +
        (expectedRecords === undefined ? '' : ` and at least ${expectedRecords} distinct records read`) +
        '; records outside those ranges (read by other group members, or after the last record of a stream) are not checked: use --expect-file';
    const reasons: string[] = [];
    if (this.verified === 0) reasons.push(`read no records written by 'produce --verify'${this.unparsable ? ` (${this.unparsable} foreign records)` : ''}`);
    if (missing > 0) reasons.push(`${missing} records missing${tail ? ` (${tail} of them short of --records ${expectedRecords})` : ''}`);
    if (outOfOrder > 0) reasons.push(`${outOfOrder} records out of order`);
    return {
      producers: producers.size,
      streams: this.seen.streams,
      expected: expected?.total ?? 0,
      missing,
      duplicated,
      outOfOrder,
      unparsable: this.unparsable,
      verified: this.verified,
      segments,
      basis,
      checked,
      ...(reasons.length ? { reason: reasons.join('; ') } : {}),
      failed: reasons.length > 0,
      perPartition,
    };
  }
}
