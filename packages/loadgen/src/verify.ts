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

export function decodeValue(value: Buffer | null): { producerId: string; seq: number } | undefined {
  if (!value || value.length < MAGIC_BYTES.length + 4 || !value.subarray(0, MAGIC_BYTES.length).equals(MAGIC_BYTES)) {
    return undefined;
  }
  const idEnd = value.indexOf(PIPE, MAGIC_BYTES.length);
  if (idEnd <= MAGIC_BYTES.length) return undefined;
  const seqEnd = value.indexOf(PIPE, idEnd + 1);
  if (seqEnd <= idEnd + 1) return undefined;
  const seqText = value.toString('latin1', idEnd + 1, seqEnd);
  if (!/^\d+$/.test(seqText)) return undefined;
  return { producerId: value.toString('latin1', MAGIC_BYTES.length, idEnd), seq: Number(seqText) };
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
}

export interface VerifyReport {
  readonly producers: number;
  readonly streams: number;
  /** Acknowledged records listed by the expect files (0 without them). */
  readonly expected: number;
  readonly missing: number;
  readonly duplicated: number;
  readonly outOfOrder: number;
  readonly unparsable: number;
  /** Loss or reordering; duplicates alone are allowed under at-least-once. */
  readonly failed: boolean;
  readonly perPartition: Record<string, PartitionReport>;
}

interface Counters {
  records: number;
  duplicated: number;
  outOfOrder: number;
}

export class ConsumerVerifier {
  private readonly seen = new StreamSets();
  private readonly counters = new Map<number, Counters>();
  private unparsable = 0;

  private countersOf(partition: number): Counters {
    let c = this.counters.get(partition);
    if (!c) this.counters.set(partition, (c = { records: 0, duplicated: 0, outOfOrder: 0 }));
    return c;
  }

  observe(partition: number, value: Buffer | null): Observation {
    const decoded = decodeValue(value);
    if (!decoded) {
      this.unparsable++;
      return 'unparsable';
    }
    const c = this.countersOf(partition);
    c.records++;
    const set = this.seen.get(decoded.producerId, partition);
    // Re-reading after a rebalance replays records already seen: duplicates, not reordering.
    // A sequence never seen before but lower than the highest seen arrived late: reordering.
    const highest = set.max;
    if (!set.add(decoded.seq)) {
      c.duplicated++;
      return 'duplicate';
    }
    if (highest !== undefined && decoded.seq < highest) {
      c.outOfOrder++;
      return 'outOfOrder';
    }
    return 'new';
  }

  /**
   * Missing records: with `expected` (acknowledged sequences from producer summaries) every
   * acknowledged record absent here, per stream, including streams never seen; for producers
   * not listed there, the holes in 0..highest seen. `expectedRecords` (a total, no per-stream
   * detail) adds the shortfall beyond the highest sequences seen, unattributed to a partition.
   */
  report(expected?: StreamSets, expectedRecords?: number): VerifyReport {
    const missingPerPartition = new Map<number, number>();
    const addMissing = (p: number, n: number): void => {
      if (n > 0) missingPerPartition.set(p, (missingPerPartition.get(p) ?? 0) + n);
    };
    let covered = 0;
    for (const [pid, partitions] of this.seen.byProducer) {
      const expectedPartitions = expected?.byProducer.get(pid);
      for (const [p, set] of partitions) {
        const max = set.max ?? -1;
        covered += max + 1;
        if (expectedPartitions) addMissing(p, set.missingFrom(expectedPartitions.get(p) ?? new RangeSet()));
        else addMissing(p, max + 1 - set.size);
      }
    }
    if (expected) {
      for (const [pid, partitions] of expected.byProducer) {
        for (const [p, set] of partitions) {
          if (!this.seen.byProducer.get(pid)?.has(p)) addMissing(p, set.size);
        }
      }
    }
    const tail = expected || expectedRecords === undefined ? 0 : Math.max(0, expectedRecords - covered);

    const partitions = new Set<number>([...this.counters.keys(), ...missingPerPartition.keys()]);
    const perPartition: Record<string, PartitionReport> = {};
    let duplicated = 0;
    let outOfOrder = 0;
    let missing = tail;
    for (const p of [...partitions].sort((a, b) => a - b)) {
      const c = this.counters.get(p) ?? { records: 0, duplicated: 0, outOfOrder: 0 };
      const m = missingPerPartition.get(p) ?? 0;
      perPartition[String(p)] = { records: c.records, missing: m, duplicated: c.duplicated, outOfOrder: c.outOfOrder };
      duplicated += c.duplicated;
      outOfOrder += c.outOfOrder;
      missing += m;
    }
    const producers = new Set([...this.seen.byProducer.keys(), ...(expected?.byProducer.keys() ?? [])]);
    return {
      producers: producers.size,
      streams: this.seen.streams,
      expected: expected?.total ?? 0,
      missing,
      duplicated,
      outOfOrder,
      unparsable: this.unparsable,
      failed: missing > 0 || outOfOrder > 0,
      perPartition,
    };
  }
}
