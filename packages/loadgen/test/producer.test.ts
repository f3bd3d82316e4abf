import { fillerPool, nextPartition, share } from '../src/producer';

describe('producer helpers', () => {
  it('splits totals across producers without losing the remainder', () => {
    expect([0, 1, 2].map((i) => share(10, 3, i))).toEqual([4, 3, 3]);
    expect([0, 1].map((i) => share(1, 2, i))).toEqual([1, 0]);
  });

  it('fills with letters that lz4 cannot shrink much', async () => {
    const pool = fillerPool(64 * 1024);
    expect(pool.every((b) => b >= 65 && b <= 90)).toBe(true);
    const { compressFrameSync } = await import('lz4-napi');
    expect(compressFrameSync(pool).length).toBeGreaterThan(pool.length * 0.9);
  });

  describe('nextPartition', () => {
    const from = (backlogs: number[]) => (p: number) => backlogs[p];

    it('moves on in turn when every partition is idle', () => {
      expect(nextPartition(0, 4, from([0, 0, 0, 0]))).toBe(1);
      expect(nextPartition(3, 4, from([0, 0, 0, 0]))).toBe(0);
    });

    it('skips partitions with more outstanding than the least', () => {
      // Partition 1 has a batch out, 2 has two: 3 is the first with none.
      expect(nextPartition(0, 4, from([0, 1, 2, 0]))).toBe(3);
    });

    it('avoids a stuck partition until every other one has as much outstanding', () => {
      const stuck = [1, 0, 0, 0];
      expect(nextPartition(3, 4, from(stuck))).toBe(1);
      expect(nextPartition(2, 4, from([1, 1, 1, 0]))).toBe(3);
      // All tied: turn order decides, so the stuck partition gets its turn only now.
      expect(nextPartition(3, 4, from([1, 1, 1, 1]))).toBe(0);
      expect(nextPartition(3, 4, from([2, 1, 1, 1]))).toBe(1);
    });

    it('returns the only partition of a one-partition topic', () => {
      expect(nextPartition(0, 1, from([5]))).toBe(0);
    });
  });
});
